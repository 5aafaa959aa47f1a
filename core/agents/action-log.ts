import type { Types } from 'mongoose';
import { audit } from '../privacy/audit.js';
import { ConversationEvent, conversationEventKinds, type ConversationEventKind } from '../store/conversation-event.js';

/** What someone did to a conversation: a change of who has it (its timeline), or reading it, or a note. */
export type ConversationActionKind = ConversationEventKind | 'read' | 'note_added';

const timeline = new Set<string>(conversationEventKinds);

/**
 * Records an action of an agent (or an API key, or the CLI) on a conversation: in the audit log,
 * as `conversation.<kind>` with the conversation's id and ids or counts only, and, when it changes
 * who has the conversation, on the conversation's timeline (`conversation_events`) too.
 */
export async function recordAction(at: {
  workspace: string;
  conversation: Types.ObjectId;
  kind: ConversationActionKind;
  actor: string;
  details?: Record<string, unknown>;
}): Promise<void> {
  const when = new Date();
  if (timeline.has(at.kind)) {
    await ConversationEvent.create({
      workspace: at.workspace,
      conversation: at.conversation,
      kind: at.kind as ConversationEventKind,
      actor: at.actor,
      at: when,
      ...(at.details ? { details: at.details } : {}),
    });
  }
  await audit({
    workspace: at.workspace,
    actor: at.actor,
    action: `conversation.${at.kind}`,
    target: String(at.conversation),
    ...(at.details ? { details: at.details } : {}),
    at: when,
  });
}
