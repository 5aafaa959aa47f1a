import type { DeliveryStatus } from './message.js';
import { platformRefId } from './store/ids.js';
import { Message } from './store/message.js';
import { PlatformRef } from './store/platform-ref.js';

/** Later states win; a late `delivered` after `read` changes nothing. `failed` can follow `sent` (undeliverable). */
const rank: Record<string, number> = { queued: 0, sent: 1, delivered: 2, read: 3, failed: 1.5 };

/**
 * Applies platform delivery reports (WhatsApp `statuses[]`, ...) to our stored
 * replies. Reports for messages we do not know (sent by another tool) are ignored.
 */
export async function recordStatuses(updates: DeliveryStatus[]): Promise<void> {
  for (const u of updates) {
    // By `_id` alone (see docs/ARCHITECTURE.md): the platform id maps to our message through `platformrefs`.
    const ref = await PlatformRef.findById(platformRefId(u)).lean();
    if (!ref || ref.workspace !== u.workspace) continue;
    const message = await Message.findById(ref.message, { status: 1 }).lean();
    if (!message || (rank[u.status] ?? 0) <= (rank[message.status] ?? 0)) continue;
    const at = new Date(u.at);
    await Message.updateOne(
      { _id: ref.message },
      {
        $set: {
          status: u.status,
          ...(u.status === 'delivered' ? { deliveredAt: at } : {}),
          ...(u.status === 'read' ? { readAt: at } : {}),
          ...(u.status === 'failed' ? { error: { message: u.error?.message ?? 'the platform reported the message undeliverable', platformCode: u.error?.platformCode, retryable: false, at } } : {}),
        },
      },
    );
  }
}
