import { Types } from 'mongoose';
import { recordAction } from './agents/action-log.js';
import type { Address } from './message.js';
import { withMailboxesHeld } from './queue/hold.js';
import { mailboxKey, type Queues } from './queue/queues.js';
import { Contact } from './store/contact.js';
import { Conversation, type ConversationDoc } from './store/conversation.js';
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

/** A workspace's conversation by id; another workspace's is reported exactly like a missing one. */
export async function findConversation(workspace: string, id: string): Promise<ConversationDoc> {
  if (!Types.ObjectId.isValid(id)) throw new ConversationActionError(`no conversation ${id}`, true);
  const conversation = inWorkspace(await Conversation.findById(id).lean(), workspace);
  if (!conversation) throw new ConversationActionError(`no conversation ${id}`, true);
  return conversation;
}

export const addressOf = (c: { workspace: string; channel: string; account: string; user: string }): Address => ({
  workspace: c.workspace,
  channel: c.channel,
  account: c.account,
  user: c.user,
});

/** Which conversation an action is for, and who does it (`agent:<id>`, `key:<id>`, `cli:<user>`). */
export interface ConversationAction {
  workspace: string;
  id: string;
  queues: Queues;
  actor: string;
}

/**
 * Changes a conversation outside its turns: `work` runs while the conversation's inbound mailbox
 * is held (a turn in flight finishes first, none starts meanwhile, so no turn stores or indexes
 * what it read before the change); then its snapshot is marked stale, so the next turn reads the
 * change, and the inbox index and the consoles get the conversation as stored. Throws
 * MailboxBusyError, having changed nothing, when a turn keeps the mailbox past the wait.
 */
export async function changeConversation<T>(queues: Queues, conversation: ConversationDoc, work: () => Promise<T>): Promise<T> {
  const address = addressOf(conversation);
  const mailboxes = [{ kind: 'in' as const, key: mailboxKey(address) }];
  return withMailboxesHeld(queues, { workspace: address.workspace, mailboxes, busy: 'the conversation is busy; try again' }, async () => {
    const result = await work();
    await queues.staleSnapshot(address);
    await queues.inbox.refresh(conversation.workspace, conversation._id);
    return result;
  });
}

/**
 * Gives a handed-off conversation back to the bot, which starts its flow afresh
 * at the contact's next message.
 */
export async function handBack(at: ConversationAction): Promise<void> {
  const conversation = await findConversation(at.workspace, at.id);
  if (conversation.status === 'closed') throw new ConversationActionError(`conversation ${at.id} is closed`);
  await changeConversation(at.queues, conversation, async () => {
    await Conversation.updateOne(
      { _id: conversation._id },
      { $set: { status: 'bot' }, $unset: { botState: 1, botPrevState: 1, botInbound: 1, team: 1, assignee: 1, assigneeName: 1, waitingSince: 1 } },
    );
    await recordAction({ workspace: at.workspace, conversation: conversation._id, kind: 'handed_back', actor: at.actor, details: { mode: 'restart' } });
  });
}

/** Closes a conversation; the contact's next message opens a new one. */
export async function close(at: ConversationAction): Promise<void> {
  const conversation = await findConversation(at.workspace, at.id);
  await changeConversation(at.queues, conversation, async () => {
    await Conversation.updateOne(
      { _id: conversation._id },
      { $set: { status: 'closed' }, $unset: { assignee: 1, assigneeName: 1, waitingSince: 1, awaitingReplySince: 1 } },
    );
    // Handed off and nobody answered: the contact left before a person did (the handoff figures).
    if (conversation.status === 'waiting' || conversation.awaitingReplySince) {
      await at.queues.figures.abandoned({ workspace: at.workspace, team: conversation.team, conversation: String(conversation._id) });
    }
    await Contact.updateOne({ _id: conversation.contact, openConversation: conversation._id }, { $unset: { openConversation: 1 } });
    await recordAction({ workspace: at.workspace, conversation: conversation._id, kind: 'closed', actor: at.actor });
  });
}

/**
 * Reopens a closed conversation for people: it waits for an agent again. The contact's messages
 * come back to it only if they have no other open conversation (a newer one keeps them).
 */
export async function reopen(at: ConversationAction): Promise<{ pointer: boolean }> {
  const conversation = await findConversation(at.workspace, at.id);
  if (conversation.status !== 'closed') throw new ConversationActionError(`conversation ${at.id} is not closed`);
  return changeConversation(at.queues, conversation, async () => {
    await Conversation.updateOne({ _id: conversation._id }, { $set: { status: 'waiting', waitingSince: new Date() } });
    // Closing cleared the pointer; one there now is a newer open conversation's.
    const pointer = (
      await Contact.updateOne({ _id: conversation.contact, openConversation: { $exists: false } }, { $set: { openConversation: conversation._id } })
    ).modifiedCount;
    await recordAction({ workspace: at.workspace, conversation: conversation._id, kind: 'reopened', actor: at.actor, details: { pointer: pointer === 1 } });
    return { pointer: pointer === 1 };
  });
}

/**
 * Marks what the contact said so far as read: `unread` goes to 0. Messages arriving meanwhile stay
 * unread (the count read is the one stored, and turns never write `readCount`). Not under the
 * mailbox, so an agent opening a busy conversation is not kept waiting.
 */
export async function markRead(at: ConversationAction): Promise<{ unread: number }> {
  const conversation = await findConversation(at.workspace, at.id);
  await Conversation.updateOne({ _id: conversation._id }, { $set: { readCount: conversation.inboundCount ?? 0 } });
  // The next turn publishes `unread` from its snapshot's `readCount`: it must read this one.
  await at.queues.staleSnapshot(addressOf(conversation));
  const summary = await at.queues.inbox.refresh(at.workspace, conversation._id);
  await recordAction({
    workspace: at.workspace,
    conversation: conversation._id,
    kind: 'read',
    actor: at.actor,
    details: { read: conversation.inboundCount ?? 0 },
  });
  return { unread: summary?.unread ?? 0 };
}
