import { Types } from 'mongoose';
import type { Address } from './message.js';
import { Contact } from './store/contact.js';
import { Conversation } from './store/conversation.js';
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

/**
 * Gives a handed-off conversation back to the bot, which starts its flow afresh
 * at the contact's next message.
 */
export async function handBack(workspace: string, id: string, changed: ConversationChanged): Promise<void> {
  const conversation = await find(workspace, id);
  if (conversation.status === 'closed') throw new ConversationActionError(`conversation ${id} is closed`);
  await Conversation.updateOne({ _id: conversation._id }, { $set: { status: 'bot' }, $unset: { botState: 1, botPrevState: 1, botInbound: 1, team: 1 } });
  await changed(addressOf(conversation));
}

/** Closes a conversation; the contact's next message opens a new one. */
export async function close(workspace: string, id: string, changed: ConversationChanged): Promise<void> {
  const conversation = await find(workspace, id);
  await Conversation.updateOne({ _id: conversation._id }, { $set: { status: 'closed' } });
  await Contact.updateOne({ _id: conversation.contact, openConversation: conversation._id }, { $unset: { openConversation: 1 } });
  await changed(addressOf(conversation));
}
