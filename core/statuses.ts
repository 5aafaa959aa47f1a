import type { DeliveryStatus } from './message.js';
import { platformRefId } from './store/ids.js';
import { Message } from './store/message.js';
import { PlatformRef } from './store/platform-ref.js';

/** Later states win; a late `delivered` after `read` changes nothing. `failed` can follow `sent` (undeliverable). */
const rank: Record<string, number> = { queued: 0, sent: 1, delivered: 2, read: 3, failed: 1.5 };

/**
 * Applies platform delivery reports (WhatsApp `statuses[]`, ...) to our stored
 * replies. A report for an id we do not know yet is parked on its ref and
 * applied when delivery records the id (see {@link applyPendingStatus}); reports
 * for messages sent by other tools stay parked and do nothing.
 */
export async function recordStatuses(updates: DeliveryStatus[]): Promise<void> {
  for (const u of updates) {
    // By `_id` alone (see docs/ARCHITECTURE.md): the platform id maps to our message through `platformrefs`.
    const _id = platformRefId(u);
    const ref = await PlatformRef.findById(_id).lean();
    if (ref && ref.workspace !== u.workspace) continue;
    if (!ref?.message) {
      if ((rank[u.status] ?? 0) > (rank[ref?.pending?.status ?? 'queued'] ?? 0)) {
        await PlatformRef.updateOne(
          { _id },
          { $set: { workspace: u.workspace, pending: { status: u.status, at: new Date(u.at), ...(u.error ? { error: u.error } : {}) } } },
          { upsert: true },
        );
      }
      continue;
    }
    await applyStatus(ref.message, u.status, new Date(u.at), u.error);
  }
}

/** Delivery just recorded `platformId` for a message: a report that arrived first is applied now. */
export async function applyPendingStatus(
  messageId: string,
  pending: { status?: string | null; at?: Date | null; error?: { message?: string | null; platformCode?: string | null } | null } | undefined | null,
): Promise<void> {
  if (!pending?.status) return;
  const error = pending.error?.message
    ? { message: pending.error.message, ...(pending.error.platformCode ? { platformCode: pending.error.platformCode } : {}) }
    : undefined;
  await applyStatus(messageId, pending.status as DeliveryStatus['status'], pending.at ?? new Date(), error);
}

async function applyStatus(messageId: string, status: DeliveryStatus['status'], at: Date, error: DeliveryStatus['error']): Promise<void> {
  const message = await Message.findById(messageId, { status: 1 }).lean();
  if (!message || (rank[status] ?? 0) <= (rank[message.status] ?? 0)) return;
  await Message.updateOne(
    { _id: messageId },
    {
      $set: {
        status,
        ...(status === 'delivered' ? { deliveredAt: at } : {}),
        ...(status === 'read' ? { readAt: at } : {}),
        ...(status === 'failed'
          ? { error: { message: error?.message ?? 'the platform reported the message undeliverable', platformCode: error?.platformCode, retryable: false, at } }
          : {}),
      },
    },
  );
}
