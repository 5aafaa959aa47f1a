import { createHash } from 'node:crypto';

/**
 * Deterministic ids make every effect idempotent: re-processing a message
 * after a crash or a duplicate webhook derives the same ids, so the store and
 * the queues recognise the work as already done.
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
