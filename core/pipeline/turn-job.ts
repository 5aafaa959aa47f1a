import { DelayedError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { Snapshot } from '../queue/mailbox.js';
import type { InboundEntry, Queues, WakeJob } from '../queue/queues.js';
import { snapshotTtlMs } from '../turn/snapshot.js';
import type { TurnResult, TurnRunner } from '../turn/runner.js';
import type { DeliverFirst } from '../turn/types.js';
import { rememberingAttempts } from './first-delivery.js';
import { drainMailbox, type DrainResult, type EntryOutcome } from './drain.js';

/** In-process retries of a turn before its message is stored as failed (holding the conversation's place meanwhile). */
const turnAttempts = 5;

export interface MailboxJobOptions {
  queues: Queues;
  /** A mailbox's lease; renewed while held, so it only expires when its holder died. */
  leaseMs: number;
  metrics: Metrics;
  logger: Logger;
  /** True once the process is stopping: a worker hands the rest of its mailbox over. */
  stopping: () => boolean;
  /**
   * The conversations one workspace may have in this process's hands at once: a workspace whose
   * flow calls a slow API cannot take every worker slot while another workspace waits.
   */
  workspaceSlots: { limit: number; active: Map<string, number> };
}

/** How long a conversation over its workspace's share waits before it asks for a slot again. */
const overShareWaitMs = 100;

/** What the turns job needs beyond any mailbox job: the turns, and how their replies go out. */
export interface TurnsJobOptions extends MailboxJobOptions {
  turns: TurnRunner;
  /** Sends a turn's replies before it is stored, when nothing of the conversation waits to be delivered (see first-delivery.ts). */
  deliverFirst: DeliverFirst;
  /** Takes over once the turn is stored: links what it delivered, queues what it did not. */
  afterTurn: (at: { key: string; workspace: string }, result: TurnResult) => Promise<void>;
}

/**
 * Runs a `turns` job (a timer, a delayed wake-up, a look after a lease expired): works through one
 * conversation's inbound mailbox (messages and due idle timers, in order), each entry one turn
 * whose replies get their first delivery attempt right away, in the conversation's outbound order.
 */
export async function runTurnsJob(options: TurnsJobOptions, job: Job<WakeJob>, token: string | undefined): Promise<void> {
  const { workspaceSlots } = options;
  if ((workspaceSlots.active.get(job.data.workspace) ?? 0) >= workspaceSlots.limit && token) {
    await job.moveToDelayed(Date.now() + overShareWaitMs, token);
    throw new DelayedError();
  }
  await inWorkspaceSlot(workspaceSlots, job.data.workspace, () => runTurns(options, job.data, job, token));
}

/** Works through a mailbox a ready list woke (the worker passed over workspaces at their share, see {@link workspacesAtShare}). */
export async function runTurnsWake(options: TurnsJobOptions, at: { key: string; workspace: string }): Promise<void> {
  await inWorkspaceSlot(options.workspaceSlots, at.workspace, () => runTurns(options, at));
}

/** The workspaces holding their whole share of this process's slots now. */
export function workspacesAtShare(slots: MailboxJobOptions['workspaceSlots']): string[] {
  return [...slots.active].filter(([, n]) => n >= slots.limit).map(([workspace]) => workspace);
}

async function inWorkspaceSlot(slots: MailboxJobOptions['workspaceSlots'], workspace: string, work: () => Promise<void>): Promise<void> {
  slots.active.set(workspace, (slots.active.get(workspace) ?? 0) + 1);
  try {
    await work();
  } finally {
    const left = (slots.active.get(workspace) ?? 1) - 1;
    if (left > 0) slots.active.set(workspace, left);
    else slots.active.delete(workspace);
  }
}

async function runTurns(options: TurnsJobOptions, data: WakeJob, job?: Job<WakeJob>, token?: string): Promise<void> {
  const { queues, turns, metrics, logger } = options;
  const { key, idle } = data;
  // A due timer joins the conversation's messages; whoever holds the mailbox (we, just below, or a worker already at it) runs it in turn.
  if (idle) await queues.mailboxes.push('in', key, [JSON.stringify({ idle } satisfies InboundEntry)]);

  const handle = async (raw: string, snapshot: Snapshot | undefined): Promise<EntryOutcome> => {
    const entry = JSON.parse(raw) as InboundEntry;
    const live = queues.mailboxes.turnRunning();
    const stop = metrics.routing.startTimer();
    // Nothing of the conversation waits to go out: this turn's replies can go before they are stored.
    const run = snapshot?.outbound === 0 ? { deliverFirst: rememberingAttempts(options.deliverFirst) } : {};
    for (let attempt = 1; ; attempt++) {
      try {
        const result = 'm' in entry ? await turns.message(entry.m, snapshot, run) : await turns.idle(entry.idle, snapshot, run);
        stop();
        await options.afterTurn({ key, workspace: data.workspace }, result);
        live.end();
        return result.snapshot ? { snapshot: result.snapshot } : 'done';
      } catch (err) {
        if (attempt >= turnAttempts) {
          live.end();
          // Stored with the reason, so nothing is lost and an agent can see it; the conversation goes on.
          // If even that fails (the database is down) the entry stays first and the job is retried.
          if ('m' in entry) await turns.recordFailure(entry.m, err as Error);
          logger.error({ err, attempt }, 'turn failed; message stored as failed');
          // Storing it moved the conversation on in MongoDB: the next turn reads it from there.
          return { snapshot: { value: null } };
        }
        logger.warn({ err, attempt }, 'turn failed; retrying');
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  };
  const result = await drainMailbox({
    mailboxes: queues.mailboxes,
    kind: 'in',
    key,
    leaseMs: options.leaseMs,
    handle,
    stopping: options.stopping,
    snapshots: { ttlMs: snapshotTtlMs },
  });
  await settle(queues, { kind: 'in', key, workspace: data.workspace, ...(job ? { job, token } : {}) }, result);
}

/** What follows a drain: nothing, a later look at a mailbox someone else holds, a wake-up when its first entry may go. */
export async function settle(
  queues: Queues,
  at: { kind: 'in' | 'out'; key: string; workspace: string; job?: Job<WakeJob>; token?: string | undefined },
  result: DrainResult,
): Promise<void> {
  const { kind, key, workspace, job, token } = at;
  switch (result.kind) {
    case 'drained':
      return;
    case 'stopped':
      return queues.wake(kind, { key, workspace });
    case 'wait':
      return queues.wake(kind, { key, workspace }, result.retryInMs);
    case 'busy':
      // The holder sees whatever was pushed before it lets go; unless it died, so look again after its lease.
      if (job?.name === 'recover' && token) {
        await job.moveToDelayed(Date.now() + result.leaseLeftMs + 20, token);
        throw new DelayedError();
      }
      return queues.recover(kind, { key, workspace }, result.leaseLeftMs + 20);
  }
}
