import { Worker } from 'bullmq';
import type { Model } from 'mongoose';
import { runRetention, SweepRunningError } from '../privacy/retention.js';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ChannelAdapter } from '../adapter.js';
import type { Config } from '../config/schema.js';
import type { Metrics } from '../metrics.js';
import {
  crmQueueName,
  deliveriesQueueName,
  maintenanceQueueName,
  turnsQueueName,
  type CrmJob,
  type OutboundEntry,
  type Queues,
  type WakeJob,
} from '../queue/queues.js';
import type { TurnResult, TurnRunner } from '../turn/runner.js';
import { deliverLead } from './crm.js';
import { deliver, type DeliverOptions } from './deliver.js';
import { afterFirstDelivery, deliverFirst } from './first-delivery.js';
import { drainMailbox } from './drain.js';
import { OutboundRateLimiter, type RateLimits } from './rate.js';
import { startReadyWorker } from './ready-worker.js';
import { Slots } from './slots.js';
import { runTurnsJob, runTurnsWake, settle, workspacesAtShare, type MailboxJobOptions } from './turn-job.js';

export interface WorkerOptions {
  config: Config;
  redis: Redis;
  queues: Queues;
  turns: TurnRunner;
  adapters: ReadonlyMap<string, ChannelAdapter>;
  metrics: Metrics;
  logger: Logger;
  /** The channels' own models, for retention to remove a contact's entries in them. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  channelModels?: readonly Model<any>[];
}

export interface Workers {
  /** Stops taking jobs; lets the ones in progress finish their current entry and hand the rest over. */
  close(): Promise<void>;
}

/**
 * Starts this process's workers: `turns` (conversations' inbound mailboxes, with each reply's
 * first delivery attempt), `deliveries` (replies that wait for a retry or a rate limit) and `crm`.
 * Each runs up to `pipeline.concurrency` conversations at once; any number of processes may run
 * them against the same Redis, and each conversation is still handled by one worker at a time.
 */
export function startWorkers(options: WorkerOptions): Workers {
  const { config, redis, queues, logger } = options;
  // A worker's job is found stalled after at most two checks if its process dies: the interval follows the lease's length.
  const common = {
    connection: redis,
    prefix: config.redis.prefix,
    lockDuration: config.pipeline.lockMs,
    stalledInterval: config.pipeline.lockMs,
    maxStalledCount: 5,
  };
  const accountLimits = new Map<string, RateLimits>();
  const configuredAccounts = new Set<string>();
  for (const ws of config.workspaces) {
    for (const [channel, accounts] of Object.entries(ws.channels)) {
      for (const a of accounts) {
        configuredAccounts.add(`${ws.id}/${channel}/${a.account}`);
        if (a.rateLimit) accountLimits.set(`${channel}/${a.account}`, a.rateLimit);
      }
    }
  }
  let stopping = false;
  const concurrency = config.pipeline.concurrency;
  // With one workspace there is nobody to be fair to; with several, none may hold more than three quarters of the slots.
  const workspaceSlots = { limit: config.workspaces.length > 1 ? Math.max(1, Math.ceil(concurrency * 0.75)) : concurrency, active: new Map<string, number>() };
  const mailboxOptions: MailboxJobOptions = {
    queues,
    leaseMs: config.pipeline.lockMs,
    metrics: options.metrics,
    logger,
    stopping: () => stopping,
    workspaceSlots,
  };
  const deliverOptions: DeliverOptions = {
    adapters: options.adapters,
    rates: new OutboundRateLimiter(redis, config.redis.prefix),
    accountLimits,
    configuredAccounts,
    attempts: config.pipeline.outboundAttempts,
    activity: options.queues.activity,
    backoffMs: config.pipeline.outboundBackoffMs,
    metrics: options.metrics,
    logger,
  };

  /** Works through a conversation's outbound mailbox. */
  const drainOutbound = async (key: string) =>
    drainMailbox({
      mailboxes: queues.mailboxes,
      kind: 'out',
      key,
      leaseMs: config.pipeline.lockMs,
      stopping: () => stopping,
      handle: (raw) => deliver(deliverOptions, JSON.parse(raw) as OutboundEntry),
    });

  // What a turn did not deliver itself goes out from the worker that produced it, in order after the conversation's earlier replies.
  const afterTurn = async (at: { key: string; workspace: string }, result: TurnResult) => {
    if (result.delivered) await afterFirstDelivery(deliverOptions, result.delivered);
    if (!result.replies.length) return;
    const refs = result.replies.map((r) => r.ref);
    if (result.retryInMs !== undefined) return queues.holdReplies(at, refs, result.retryInMs);
    await queues.appendReplies(at.key, refs);
    await settle(queues, { kind: 'out', ...at }, await drainOutbound(at.key));
  };

  const turnsOptions = { ...mailboxOptions, turns: options.turns, deliverFirst: deliverFirst(deliverOptions), afterTurn };
  const takers = startReadyTakers(options);
  // Each direction's slots are shared by its ready worker and its BullMQ worker: `concurrency` mailboxes at once in all.
  const slots = { in: new Slots(concurrency), out: new Slots(concurrency) };
  const inSlot = async <T>(kind: 'in' | 'out', work: () => Promise<T>): Promise<T> => {
    const release = await slots[kind].take();
    try {
      return await work();
    } finally {
      release();
    }
  };
  // Mailboxes woken now come from the ready lists; BullMQ's workers take what waited (timers, backoffs, lease expiries).
  const readyTurns = startReadyWorker({
    ready: queues.ready,
    kind: 'in',
    blocking: redis.duplicate(),
    slots: slots.in,
    passOver: () => workspacesAtShare(workspaceSlots),
    handle: (at) => runTurnsWake(turnsOptions, at),
    onFailure: (at) => queues.wake('in', at, wakeRetryMs),
    logger,
  });
  const readyDeliveries = startReadyWorker({
    ready: queues.ready,
    kind: 'out',
    blocking: redis.duplicate(),
    slots: slots.out,
    handle: async (at) => settle(queues, { kind: 'out', ...at }, await drainOutbound(at.key)),
    onFailure: (at) => queues.wake('out', at, wakeRetryMs),
    logger,
  });
  const turns = new Worker<WakeJob>(turnsQueueName, (job, token) => inSlot('in', () => runTurnsJob(turnsOptions, job, token)), {
    ...common,
    concurrency,
  });
  const deliveries = new Worker<WakeJob>(
    deliveriesQueueName,
    async (job, token) =>
      inSlot('out', async () =>
        settle(queues, { kind: 'out', key: job.data.key, workspace: job.data.workspace, job, token }, await drainOutbound(job.data.key)),
      ),
    {
      ...common,
      concurrency,
    },
  );
  // Leads for CRM webhooks: no order to keep, a few in parallel.
  const crm = new Worker<CrmJob>(crmQueueName, (job) => deliverLead(options, job), {
    ...common,
    concurrency: 4,
    settings: { backoffStrategy: (attemptsMade) => config.pipeline.outboundBackoffMs * 2 ** (attemptsMade - 1) },
  });
  const all = [turns, deliveries, crm, ...retentionWorker(options)];
  for (const w of all) w.on('error', (err) => logger.error({ err, queue: w.name }, 'queue worker error'));
  return {
    async close() {
      stopping = true;
      // Worker.close() waits for the jobs in progress, which stop after their current entry.
      await Promise.all([...all.map((w) => w.close()), readyTurns.close(), readyDeliveries.close()]);
      await takers.stop();
    },
  };
}

/** A wake-up whose worker failed goes to BullMQ, delayed this long; BullMQ retries it with backoff from there. */
const wakeRetryMs = 1000;

/**
 * This process's heartbeat as a taker of ready wake-ups, and the sweep that puts back what a
 * process that stopped beating had taken. A process is given up after two leases without a beat,
 * so its mailboxes' leases have expired by the time another worker takes them (or soon after: the
 * wake-up then waits for the lease, see `settle`).
 */
function startReadyTakers(options: WorkerOptions): { stop(): Promise<void> } {
  const { config, queues, logger } = options;
  const beat = async () => {
    await queues.ready.beat(config.pipeline.lockMs * 2);
    const moved = await queues.ready.sweep();
    if (moved) logger.info({ moved }, 'put back the wake-ups of a worker process that stopped');
  };
  const warn = (err: unknown) => logger.warn({ err }, 'ready lists: heartbeat failed');
  void beat().catch(warn);
  const timer = setInterval(() => void beat().catch(warn), Math.max(100, Math.floor(config.pipeline.lockMs / 2)));
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await queues.ready.leave().catch(warn);
    },
  };
}

/**
 * The retention sweep on its schedule (`pipeline.retentionSchedule`, a BullMQ job scheduler, so
 * one job per tick whatever the number of processes), when any workspace has a policy. A sweep
 * already running elsewhere (a CLI run) makes this tick skip.
 */
function retentionWorker(options: WorkerOptions): Worker[] {
  const { config, redis, queues, logger } = options;
  if (!config.workspaces.some((w) => w.privacy.retention)) return [];
  void queues.maintenance
    .upsertJobScheduler(
      'retention',
      { pattern: config.pipeline.retentionSchedule },
      { name: 'retention', opts: { removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } } },
    )
    .catch((err: unknown) => logger.error({ err }, 'could not schedule the retention sweep'));
  const worker = new Worker(
    maintenanceQueueName,
    async () => {
      try {
        const { rows, errors } = await runRetention({
          config,
          redis,
          queues,
          trigger: 'schedule',
          ...(options.channelModels ? { channelModels: options.channelModels } : {}),
        });
        logger.info({ removed: rows.reduce((n, r) => n + r.count, 0), errors: errors.length }, 'retention sweep done');
      } catch (err) {
        if (err instanceof SweepRunningError) return logger.info('retention sweep skipped: another is running');
        throw err;
      }
    },
    { connection: redis, prefix: config.redis.prefix, concurrency: 1, lockDuration: 60_000 },
  );
  return [worker];
}
