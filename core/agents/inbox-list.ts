import type { Queues } from '../queue/queues.js';
import { Contact } from '../store/contact.js';
import { Conversation, type ConversationDoc } from '../store/conversation.js';
import { agentNames } from './agent-names.js';
import type { InboxCursor, InboxQuery } from './inbox.js';
import { inboxSummary, type InboxSummary } from './inbox-summary.js';

/** A cursor as the API gives it out: the entry's score and id. */
export function encodeCursor(cursor: InboxCursor): string {
  return `${cursor.score}_${cursor.id}`;
}

/** A cursor the API gave out, or undefined if it is not one. */
export function decodeCursor(text: string): InboxCursor | undefined {
  const match = /^(\d{1,16})_([0-9a-f]{24})$/.exec(text);
  return match ? { score: Number(match[1]), id: match[2]! } : undefined;
}

/** What a summary reads of a conversation (not the bot's state, which can be long). */
export const summaryProjection: Record<string, 1> = Object.fromEntries(
  [
    'workspace',
    'channel',
    'account',
    'status',
    'contact',
    'assignee',
    'assigneeName',
    'team',
    'lastText',
    'lastSender',
    'lastMessageAt',
    'waitingSince',
    'inboundCount',
    'readCount',
    'restricted',
    'createdAt',
  ].map((f) => [f, 1]),
);

/**
 * One page of an inbox view: ids from the index (core/agents/inbox.ts), then the page's
 * conversations and contacts read by `_id` (two queries FerretDB answers from the `_id` index),
 * in the index's order. An id whose conversation is gone (or not this workspace's) is left out and
 * taken out of the index.
 */
export async function listInbox(queues: Queues, query: InboxQuery): Promise<{ conversations: InboxSummary[]; next?: string }> {
  const { ids, next } = await queues.inbox.page(query);
  const found = ids.length ? await Conversation.find({ _id: { $in: ids } }, summaryProjection).lean<ConversationDoc[]>() : [];
  const byId = new Map(found.filter((c) => c.workspace === query.workspace).map((c) => [String(c._id), c]));
  const gone = ids.filter((id) => !byId.has(id));
  if (gone.length) await queues.inbox.remove(query.workspace, gone);
  const conversations = ids.flatMap((id) => byId.get(id) ?? []);
  const contacts = conversations.length ? await Contact.find({ _id: { $in: [...new Set(conversations.map((c) => c.contact))] } }, { name: 1 }).lean() : [];
  const names = new Map(contacts.map((c) => [c._id, c.name]));
  // Taken before agents' names were kept on the conversation: read them.
  const unnamed = await agentNames(
    query.workspace,
    conversations.flatMap((c) => (c.assignee && !c.assigneeName ? [c.assignee] : [])),
  );
  return {
    conversations: conversations.map((c) =>
      inboxSummary({ ...c, ...(c.assignee && !c.assigneeName ? { assigneeName: unnamed.get(c.assignee) } : {}) }, names.get(c.contact)),
    ),
    ...(next ? { next: encodeCursor(next) } : {}),
  };
}
