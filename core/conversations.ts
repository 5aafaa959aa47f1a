import { Types } from 'mongoose';
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
 * Gives a handed-off conversation back to the bot, which starts its flow afresh
 * at the contact's next message.
 */
export async function handBack(workspace: string, id: string): Promise<void> {
  const conversation = await find(workspace, id);
  if (conversation.status === 'closed') throw new ConversationActionError(`conversation ${id} is closed`);
  await Conversation.updateOne({ _id: conversation._id }, { $set: { status: 'bot' }, $unset: { botState: 1, botPrevState: 1, botInbound: 1, team: 1 } });
}

/** Closes a conversation; the contact's next message opens a new one. */
export async function close(workspace: string, id: string): Promise<void> {
  const conversation = await find(workspace, id);
  await Conversation.updateOne({ _id: conversation._id }, { $set: { status: 'closed' } });
  await Contact.updateOne({ _id: conversation.contact, openConversation: conversation._id }, { $unset: { openConversation: 1 } });
}
