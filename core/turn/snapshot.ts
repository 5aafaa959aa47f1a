import { Types } from 'mongoose';
import type { SnapshotUpdate } from '../queue/mailbox.js';
import type { ConversationDoc } from '../store/conversation.js';
import type { TurnContact, TurnContext } from './types.js';

/**
 * What a conversation's next turn needs to read, as the last turn left it: the open conversation
 * and its contact. The worker holding the conversation's inbound mailbox keeps it in Redis beside
 * the mailbox (see `Mailboxes.next`), with the ids of the inbound messages lately answered, and
 * gets both back in the same round trip as the next entry, so a new message's turn reads nothing
 * from MongoDB.
 *
 * MongoDB stays the record: every turn still writes what it changed there, and a missing or stale
 * snapshot only costs the reads it would have saved. Anyone else who changes a contact or
 * conversation (the admin API, the widget's consent, later agents and privacy requests) marks the
 * snapshot stale (`Queues.staleSnapshot`) after writing, so the next turn reads MongoDB again.
 */
export interface ConversationSnapshot {
  contact: TurnContact;
  /** The conversation as stored after the last turn; dates as ISO text, the id as hex. */
  conversation: Record<string, unknown> & { _id: string };
}

/**
 * Inbound message ids lately answered, newest first, kept beside the snapshot and through its
 * going stale. A message found here is a platform's redelivery: the turn reads MongoDB and answers
 * it as a duplicate. One not found, while the snapshot is fresh, is new: platforms redeliver
 * within minutes, far fewer messages back than this, and the list lives {@link snapshotTtlMs}
 * after the conversation's last turn.
 */
export const recentIds = 64;
/** How long a conversation's snapshot outlives its last turn; after that the next turn reads MongoDB. */
export const snapshotTtlMs = 24 * 3600 * 1000;

const dateFields = ['lastMessageAt', 'lastInboundAt', 'createdAt', 'updatedAt'] as const;

/** The snapshot's contact and conversation, with the conversation's id and dates as the driver gives them; undefined if there is none or it cannot be read. */
export function decodeSnapshot(raw: string | undefined): { contact: TurnContact; conversation: ConversationDoc } | undefined {
  if (!raw) return undefined;
  try {
    const s = JSON.parse(raw) as ConversationSnapshot;
    if (!s.contact?.id || !s.conversation?._id) return undefined;
    const conversation: Record<string, unknown> = { ...s.conversation, _id: new Types.ObjectId(s.conversation._id) };
    for (const field of dateFields) if (typeof conversation[field] === 'string') conversation[field] = new Date(conversation[field]);
    return { contact: s.contact, conversation: conversation as ConversationDoc };
  } catch {
    return undefined;
  }
}

/** The recent ids as stored (a JSON array), or none. */
export function decodeRecent(raw: string | undefined): string[] {
  if (!raw) return [];
  try {
    const ids = JSON.parse(raw) as unknown;
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * The snapshot after a committed turn: the conversation and contact with what the commit wrote
 * (see `commit.ts`), or null when the conversation closed (the contact's next message opens a new
 * one, which only MongoDB can say); a message turn's id joins the recent ids.
 */
export function snapshotAfter(turn: TurnContext, recent: readonly string[]): SnapshotUpdate {
  const { contact, collected } = turn;
  const ids = turn.inbound ? { recent: JSON.stringify([turn.id, ...recent.filter((id) => id !== turn.id)].slice(0, recentIds)) } : {};
  if (collected.status === 'closed') return { value: null, ...ids };
  const next = conversationAfter(turn);
  let stopped = contact.stopped;
  for (const consent of collected.consents) if (consent.purpose === 'messaging') stopped = !consent.granted;
  const noticeVersion = collected.noticeVersion ?? contact.noticeVersion;
  const snapshot: ConversationSnapshot = {
    contact: { ...contact, profile: profileAfter(turn), stopped, ...(noticeVersion ? { noticeVersion } : {}) },
    conversation: { ...next, _id: String(next._id) },
  };
  return { value: JSON.stringify(snapshot), ...ids };
}

/** The conversation as the turn's commit leaves it (see `commit.ts`, which writes these changes). */
export function conversationAfter(turn: TurnContext): ConversationDoc {
  const { conversation, collected } = turn;
  const { bot, status, team } = collected;
  const next: ConversationDoc = { ...conversation };
  if (bot?.state !== undefined || status || team) {
    next.botTurn = turn.id;
    if (turn.inbound) next.botInbound = turn.id;
    if (bot?.state !== undefined) {
      next.botState = bot.state;
      if (bot.from !== undefined) next.botPrevState = bot.from;
      else delete next.botPrevState;
    }
    if (status) next.status = status;
    if (team) next.team = team;
    const since = waitingSinceAfter(turn);
    if (since) next.waitingSince = since;
  }
  if (collected.offline === 'open') delete next.offline;
  else if (collected.offline) next.offline = collected.offline;
  return next;
}

/**
 * When a handoff in this turn started the conversation's wait: the contact's message that led to
 * it (an idle turn's handoff: their last one), so a retried turn stores the same time.
 */
export function waitingSinceAfter(turn: TurnContext): Date | undefined {
  const { conversation, collected } = turn;
  if (collected.status !== 'waiting' || conversation.status === 'waiting') return undefined;
  return new Date(conversation.lastMessageAt ?? Date.now());
}

/** The contact's name and locale after the turn: a typed name or locale is what the flow greets by from then on. */
export function profileAfter(turn: TurnContext): TurnContact['profile'] {
  const { typed } = turn.collected;
  return { ...turn.contact.profile, ...(typed.name ? { name: typed.name } : {}), ...(typed.locale ? { locale: typed.locale } : {}) };
}
