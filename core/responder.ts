import type { WorkspaceConfig } from './config/schema.js';
import type { Address, Choice, FormSpec, InboundMessage } from './message.js';
import type { ConversationDoc, ConversationStatus } from './store/conversation.js';

/** One reply the bot wants to send. */
export interface Reply {
  text: string;
  choices?: Choice[];
  /** A form channels with capabilities.forms show whole (the text then introduces it). */
  form?: FormSpec;
  /** `system` for the hub's own messages (the privacy notice, STOP confirmations); default `bot`. */
  sender?: 'bot' | 'system';
}

/** A completed lead form, as the responder hands it to the router to store. */
export interface CapturedLead {
  flow: string;
  form: string;
  fields: Record<string, string | number>;
  /** `version`: the configured version of `text`, where it has one (the widget's checkbox); else the ledger hashes the text. */
  consent?: { purpose: string; granted: boolean; text: string; version?: string };
}

/** A timer the responder asked for has fired: the contact stayed quiet (see {@link TurnOutcome.timers}). */
/** `remind`, `close`: the contact went quiet; `resume`: an agent handed the conversation back for the bot to pick up where it handed off. */
export type IdleStage = 'remind' | 'close' | 'resume';

export interface Turn {
  workspace: WorkspaceConfig;
  conversation: ConversationDoc;
  contact: { name?: string; locale?: string };
  address: Address;
  /** What the contact said; absent on an idle turn. */
  message?: InboundMessage;
  idle?: IdleStage;
  /** The state to continue from (undefined: the conversation's first turn with the bot). */
  state: string | undefined;
}

export interface TurnOutcome {
  replies: Reply[];
  /** The state after this turn, stored on the conversation; undefined leaves it as it was. */
  state?: string;
  /** E.g. `waiting` after a handoff: the bot then stays silent until handed back. */
  status?: ConversationStatus;
  team?: string;
  leads?: CapturedLead[];
  /** Addresses to e-mail the conversation to (a flow's `transcript` node). */
  transcripts?: string[];
  /** Consent the contact gave or withdrew in words (e.g. a flow's `@stop` intent), recorded with the message as proof. */
  consents?: { purpose: string; granted: boolean; text: string }[];
  /** Idle turns to run if the contact says nothing for this long (moot once they do). */
  timers?: { stage: IdleStage; afterMs: number }[];
}

/**
 * Decides what the bot answers to one inbound message: the flow engine
 * (flows/responder.ts), or {@link AutoReplyResponder} for workspaces without flows.
 *
 * After a crash it may be called again for the same message with the same
 * `state`, and must then give the same outcome.
 */
export interface Responder {
  respond(turn: Turn): Promise<TurnOutcome>;
}

/** Answers every message with the workspace's configured auto-reply text. */
export class AutoReplyResponder implements Responder {
  async respond(turn: Turn): Promise<TurnOutcome> {
    return { replies: turn.message ? [{ text: turn.workspace.texts.autoReply }] : [] };
  }
}
