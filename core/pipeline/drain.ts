import { randomBytes } from 'node:crypto';
import type { MailboxKind, Mailboxes, Snapshot, SnapshotSave, SnapshotUpdate } from '../queue/mailbox.js';

/**
 * What handling one entry came to: done (it is removed); done, with the conversation's new
 * snapshot and recent ids to store as it is removed (`value: null` forgets the snapshot); or try
 * it again after a while, keeping its place.
 */
export type EntryOutcome = 'done' | { snapshot: SnapshotUpdate } | { retryInMs: number };

/** How working through a mailbox ended. */
export type DrainResult =
  /** Every entry handled; the lease is released. */
  | { kind: 'drained' }
  /** Another worker holds the lease for this long yet (it will see what was pushed, unless it died). */
  | { kind: 'busy'; leaseLeftMs: number }
  /** The head asked to wait (backoff, rate limit): the mailbox is paused that long, nothing behind it overtakes it; wake it then. */
  | { kind: 'wait'; retryInMs: number }
  /** The process is stopping; entries are left for another worker. */
  | { kind: 'stopped' };

export interface DrainOptions {
  mailboxes: Mailboxes;
  kind: MailboxKind;
  key: string;
  /** The lease's length; it is renewed while entries are handled, so only a dead worker's lease expires. */
  leaseMs: number;
  /** `snapshot` is the conversation's, when `snapshots` is set (see core/turn/snapshot.ts). */
  handle(entry: string, snapshot: Snapshot | undefined): Promise<EntryOutcome>;
  /** Read each entry's conversation snapshot with it, and store what `handle` returns: inbound mailboxes. */
  snapshots?: { ttlMs: number };
  /** Checked between entries: a stopping process hands the rest over. */
  stopping?: () => boolean;
}

/**
 * Takes a mailbox's lease and handles its entries in order, one at a time, until it is empty.
 * An entry is removed only after it was handled, so a crash leaves it first in line for the next
 * holder; handlers must be idempotent (turns and deliveries are, by their deterministic ids).
 */
export async function drainMailbox(options: DrainOptions): Promise<DrainResult> {
  const { mailboxes, kind, key, leaseMs } = options;
  const token = randomBytes(12).toString('base64url');
  const acquired = await mailboxes.acquire(kind, key, token, leaseMs);
  if (acquired !== true) return { kind: 'busy', leaseLeftMs: acquired };
  // A long entry (a flow's slow `http` call) keeps the lease; a lost one is noticed at the next entry.
  const renewal = setInterval(() => void mailboxes.renew(kind, key, token, leaseMs).catch(() => undefined), Math.max(100, Math.floor(leaseMs / 3)));
  renewal.unref();
  let done: string | undefined;
  let save: SnapshotSave | undefined;
  const readSnapshot = options.snapshots !== undefined;
  try {
    for (;;) {
      if (done !== undefined && options.stopping?.()) {
        const next = await mailboxes.next(kind, key, token, leaseMs, { done, ...(save ? { save } : {}) });
        if (next.kind === 'entry') await mailboxes.release(kind, key, token);
        return next.kind === 'entry' ? { kind: 'stopped' } : { kind: 'drained' };
      }
      const next = await mailboxes.next(kind, key, token, leaseMs, { ...(done !== undefined ? { done } : {}), ...(save ? { save } : {}), readSnapshot });
      if (next.kind === 'empty') return { kind: 'drained' };
      if (next.kind === 'lost') throw new Error(`lost the lease of ${kind} mailbox ${key} (held past its expiry?)`);
      let outcome: EntryOutcome;
      try {
        outcome = await options.handle(next.entry, next.snapshot);
      } catch (err) {
        await mailboxes.release(kind, key, token).catch(() => undefined);
        throw err;
      }
      if (typeof outcome === 'object' && 'retryInMs' in outcome) {
        await mailboxes.pause(kind, key, token, outcome.retryInMs);
        return { kind: 'wait', retryInMs: outcome.retryInMs };
      }
      done = next.entry;
      save =
        typeof outcome === 'object' && options.snapshots && next.snapshot
          ? { ...outcome.snapshot, gen: next.snapshot.gen, ttlMs: options.snapshots.ttlMs }
          : undefined;
    }
  } finally {
    clearInterval(renewal);
  }
}
