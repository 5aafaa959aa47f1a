import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ChannelAdapter } from '../adapter.js';
import type { Config } from '../config/schema.js';
import { ChannelApiError } from '../errors.js';
import type { InboundMessage } from '../message.js';
import type { Metrics } from '../metrics.js';
import { crmQueueName, inboundQueueName, outboundQueueName, type CrmJob, type IdleJob, type OutboundJob } from '../queue/queues.js';
import { deliverLead } from './crm.js';
import { deliver } from './deliver.js';
import { ConversationHolds } from './hold.js';
import { OutboundRateLimiter, type RateLimits } from './rate.js';
import { runTurnJob } from './turn-job.js';
import type { TurnRunner } from '../turn/runner.js';

export interface WorkerOptions {
  config: Config;
  redis: Redis;
  turns: TurnRunner;
  adapters: ReadonlyMap<string, ChannelAdapter>;
  metrics: Metrics;
  logger: Logger;
}

/** Starts one turn worker and one delivery worker per shard; returns them so shutdown can close them. */
export function startWorkers(options: WorkerOptions): Worker[] {
  const { config, redis, logger } = options;
  // A crashed worker's job is found after at most two stalled checks: the interval follows the lock's length.
  const common = {
    connection: redis,
    prefix: config.redis.prefix,
    lockDuration: config.pipeline.lockMs,
    stalledInterval: config.pipeline.lockMs,
    maxStalledCount: 5,
    concurrency: 1,
  };
  const holds = new ConversationHolds(redis, config.redis.prefix);
  const rates = new OutboundRateLimiter(redis, config.redis.prefix);
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
  const shards = Array.from({ length: config.pipeline.shards }, (_, shard) => shard);

  // Concurrency 1 here, and the queues' global concurrency of 1 serialises each shard across processes too.
  const inbound = shards.map((shard) => new Worker<InboundMessage | IdleJob>(inboundQueueName(shard), (job) => runTurnJob(options, job), common));
  const outbound = shards.map(
    (shard) =>
      new Worker<OutboundJob>(outboundQueueName(shard), (job, token) => deliver({ ...options, holds, rates, accountLimits, configuredAccounts }, job, token), {
        ...common,
        settings: {
          // Exponential, unless the platform said how long to wait (429 Retry-After).
          backoffStrategy: (attemptsMade, _type, err) =>
            (err instanceof ChannelApiError && err.retryAfterMs) || config.pipeline.outboundBackoffMs * 2 ** (attemptsMade - 1),
        },
      }),
  );
  // Leads for CRM webhooks: no order to keep, so one queue with a few in parallel.
  const crm = new Worker<CrmJob>(crmQueueName, (job) => deliverLead(options, job), {
    ...common,
    concurrency: 4,
    settings: { backoffStrategy: (attemptsMade) => config.pipeline.outboundBackoffMs * 2 ** (attemptsMade - 1) },
  });
  for (const w of [...inbound, ...outbound, crm]) {
    w.on('error', (err) => logger.error({ err, queue: w.name }, 'queue worker error'));
  }
  for (const w of outbound) {
    w.on('failed', (job, err) => {
      if (job) logger.warn({ messageId: job.data.messageId, attempts: job.attemptsMade, err: err.message }, 'delivery attempt failed');
    });
  }
  return [...inbound, ...outbound, crm];
}
