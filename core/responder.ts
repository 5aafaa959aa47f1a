import type { WorkspaceConfig } from './config/schema.js';
import type { Choice, InboundMessage } from './message.js';
import type { ConversationDoc } from './store/conversation.js';

/** One reply the bot wants to send. */
export interface Reply {
  text: string;
  choices?: Choice[];
}

export interface Turn {
  workspace: WorkspaceConfig;
  conversation: ConversationDoc;
  message: InboundMessage;
}

/**
 * Decides what the bot answers to one inbound message. The flow engine
 * implements this; until then {@link AutoReplyResponder} does.
 *
 * It may be called again for the same message after a crash, so it must give
 * the same replies for the same turn.
 */
export interface Responder {
  respond(turn: Turn): Promise<Reply[]>;
}

/** Answers every message with the workspace's configured auto-reply text. */
export class AutoReplyResponder implements Responder {
  async respond(turn: Turn): Promise<Reply[]> {
    return [{ text: turn.workspace.texts.autoReply }];
  }
}
