import { createHash } from 'node:crypto';
import { Types } from 'mongoose';

/**
 * Deterministic ids make every effect idempotent: re-processing a message
 * after a crash or a duplicate webhook derives the same ids, so the store and
 * the queues recognise the work as already done. They also keep the hot path
 * on `_id` lookups, the only ones FerretDB v1 (SQLite) answers from an index.
 */
function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

/** The id of a stored inbound message, from its platform identity. */
export function inboundMessageId(p: { workspace: string; channel: string; account: string; platformId: string }): string {
  return `in_${digest(p.workspace, p.channel, p.account, p.platformId)}`;
}

/** The id of the n-th reply caused by an inbound message. */
export function replyId(inboundId: string, index: number): string {
  return `out_${digest(inboundId, String(index))}`;
}

/** The id of a contact: one per person per channel account. */
export function contactId(a: { workspace: string; channel: string; account: string; user: string }): string {
  return `ct_${digest(a.workspace, a.channel, a.account, a.user)}`;
}

/** The id of the n-th lead captured in the turn of an inbound message. */
export function leadId(inboundId: string, index: number): string {
  return `lead_${digest(inboundId, 'lead', String(index))}`;
}

/** The id of a consent event, from what proves it: a retried turn or a resent click records it once. */
export function consentId(p: { workspace: string; channel: string; account: string; user: string; purpose: string; evidenceKey: string }): string {
  return `cs_${digest(p.workspace, p.channel, p.account, p.user, p.purpose, p.evidenceKey)}`;
}

/** The id of the map from a platform's id of a delivered reply to our message (delivery reports). */
export function platformRefId(p: { workspace: string; channel: string; account: string; platformId: string }): string {
  return `pr_${digest(p.workspace, p.channel, p.account, p.platformId)}`;
}

/** The id of a conversation event a turn records (the bot handed off or closed it, or a business echo took it): a retried turn records it once. */
export function turnEventId(turnId: string, kind: string): Types.ObjectId {
  return new Types.ObjectId(digest(turnId, 'event', kind).slice(0, 24));
}
