import { Types } from 'mongoose';
import type { Address } from './message.js';
import { Contact } from './store/contact.js';
import { Conversation } from './store/conversation.js';
import { ConversationEvent } from './store/conversation-event.js';
import { inWorkspace } from './store/in-workspace.js';

/** Why a conversation action could not be done; `notFound` maps to HTTP 404. */
export class ConversationActionError extends Error {
  constructor(
    message: string,
    readonly notFound = false,
  ) {
    super(message);
    this.name = 'ConversationActionError';
  }
}

async function find(workspace: string, id: string) {
  if (!Types.ObjectId.isValid(id)) throw new ConversationActionError(`no conversation ${id}`, true);
  // Another workspace's conversation is reported exactly like a missing one.
  const conversation = inWorkspace(await Conversation.findById(id).lean(), workspace);
  if (!conversation) throw new ConversationActionError(`no conversation ${id}`, true);
  return conversation;
}

/**
 * Told after a conversation or contact changed outside its turns, with the conversation's address:
 * `Queues.staleSnapshot`, so its next turn reads the change (see core/turn/snapshot.ts).
 */
export type ConversationChanged = (address: Address) => Promise<void>;

const addressOf = (c: { workspace: string; channel: string; account: string; user: string }): Address => ({
  workspace: c.workspace,
  channel: c.channel,
  account: c.account,
  user: c.user,
});

/** Which conversation an action is for, and who does it (`agent:<id>`, `key:<id>`, `cli:<user>`). */
export interface ConversationAction {
  workspace: string;
  id: string;
  changed: ConversationChanged;
  actor: string;
}

async function recordEvent(conversation: { _id: Types.ObjectId; workspace: string }, kind: 'handed_back' | 'closed', actor: string): Promise<void> {
  await ConversationEvent.create({ workspace: conversation.workspace, conversation: conversation._id, kind, actor, at: new Date() });
}

/**
 * Gives a handed-off conversation back to the bot, which starts its flow afresh
 * at the contact's next message.
 */
export async function handBack(at: ConversationAction): Promise<void> {
  const conversation = await find(at.workspace, at.id);
  if (conversation.status === 'closed') throw new ConversationActionError(`conversation ${at.id} is closed`);
  await Conversation.updateOne(
    { _id: conversation._id },
    { $set: { status: 'bot' }, $unset: { botState: 1, botPrevState: 1, botInbound: 1, team: 1, assignee: 1 } },
  );
  await recordEvent(conversation, 'handed_back', at.actor);
  await at.changed(addressOf(conversation));
}

/** Closes a conversation; the contact's next message opens a new one. */
export async function close(at: ConversationAction): Promise<void> {
  const conversation = await find(at.workspace, at.id);
  await Conversation.updateOne({ _id: conversation._id }, { $set: { status: 'closed' }, $unset: { assignee: 1 } });
  await Contact.updateOne({ _id: conversation.contact, openConversation: conversation._id }, { $unset: { openConversation: 1 } });
  await recordEvent(conversation, 'closed', at.actor);
  await at.changed(addressOf(conversation));
}
