import { randomBytes } from 'node:crypto';
import type { MailboxKind } from './mailbox.js';
import type { Queues } from './queues.js';

/** A mailbox stayed held by a worker past the wait: what needed it was not done. */
export class MailboxBusyError extends Error {}

const leaseMs = 60_000;

/**
 * Runs `work` while holding conversations' mailboxes, as a worker does for a turn or a delivery:
 * no turn (inbound) or delivery (outbound) of those conversations runs meanwhile. Waits up to
 * `waitMs` for running ones to finish; then throws {@link MailboxBusyError}, having changed
 * nothing. Afterwards each mailbox is released and, if entries arrived meanwhile (they found it
 * held and woke nobody), a worker is woken for it.
 */
export async function withMailboxesHeld<T>(
  queues: Queues,
  at: { workspace: string; mailboxes: readonly { kind: MailboxKind; key: string }[]; waitMs?: number; busy?: string },
  work: () => Promise<T>,
): Promise<T> {
  const token = randomBytes(12).toString('base64url');
  const deadline = Date.now() + (at.waitMs ?? 15_000);
  const held: { kind: MailboxKind; key: string }[] = [];
  const release = async () => {
    for (const { kind, key } of held) {
      await queues.mailboxes.release(kind, key, token).catch(() => undefined);
      if ((await queues.mailboxes.entries(kind, key)).length) await queues.wake(kind, { key, workspace: at.workspace });
    }
  };
  for (const mailbox of at.mailboxes) {
    while ((await queues.mailboxes.acquire(mailbox.kind, mailbox.key, token, leaseMs)) !== true) {
      if (Date.now() > deadline) {
        await release();
        throw new MailboxBusyError(at.busy ?? 'the conversation is busy; nothing was changed, try again');
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    held.push(mailbox);
  }
  try {
    return await work();
  } finally {
    await release();
  }
}
