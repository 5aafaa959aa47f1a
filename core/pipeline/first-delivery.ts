import type { DeliverFirst, FirstAttempt, TurnReply } from '../turn/types.js';
import { attemptDelivery, attemptFields, linkPlatformId, type DeliverOptions } from './deliver.js';

/**
 * A turn's replies are sent before they are stored, and stored with the outcome: one write for
 * the turn instead of one more per reply to record it sent. This keeps the guarantees because
 * the turn is stored only after: a crash in between leaves the inbound message first in its
 * mailbox, and its turn runs again and sends the same reply ids (delivery is at least once).
 * The store write after a send is retried persistently (see TurnRunner), so a database hiccup
 * does not send a reply twice. Turns get this only when nothing of their conversation waits in
 * the outbound mailbox, so no reply overtakes an earlier one.
 */
export function deliverFirst(options: DeliverOptions): DeliverFirst {
  return async (replies, after) => {
    const attempts: FirstAttempt[] = [];
    for (const reply of replies) {
      const { stored, ref } = reply;
      if (!stored) break;
      // Stored with the time it was sent as, so history and the live reply agree.
      const createdAt = (stored.createdAt ??= new Date());
      const attempt = await attemptDelivery(options, stored, {
        inReplyTo: ref.inReplyTo,
        receivedAt: ref.receivedAt,
        lastInboundAt: reply.lastInboundAt,
        conversationStatus: after.conversationStatus,
      });
      attempts.push({ fields: { createdAt, ...attemptFields(attempt, stored) }, ...(attempt.kind === 'retry' ? { retryInMs: attempt.retryInMs } : {}) });
      if (attempt.kind === 'retry') break;
    }
    return attempts;
  };
}

/** After the turn is stored: its delivered replies' platform ids are linked, for delivery reports. */
export async function afterFirstDelivery(options: DeliverOptions, delivered: readonly TurnReply[]): Promise<void> {
  for (const { stored } of delivered) {
    if (stored?.status === 'sent') await linkPlatformId(options, stored, { platformId: stored.platformId ?? undefined });
  }
}

/**
 * A turn retried in place (its commit failed) sends nothing again that an earlier try of it sent
 * or gave up on: those outcomes are kept by reply id, which a retried turn derives the same way.
 */
export function rememberingAttempts(deliverFirst: DeliverFirst): DeliverFirst {
  const settled = new Map<string, FirstAttempt>();
  return async (replies, after) => {
    const known: FirstAttempt[] = [];
    for (const reply of replies) {
      const attempt = settled.get(reply.ref.id);
      if (!attempt) break;
      known.push(attempt);
    }
    const rest = await deliverFirst(replies.slice(known.length), after);
    rest.forEach((attempt, i) => {
      if (attempt.retryInMs === undefined) settled.set(replies[known.length + i]!.ref.id, attempt);
    });
    return [...known, ...rest];
  };
}
