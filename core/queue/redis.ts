import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { UnavailableError } from '../errors.js';

export function redisUrl(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return configured || env.REDIS_URL || 'redis://127.0.0.1:6379';
}

/** A connection BullMQ can use for blocking commands (it requires `maxRetriesPerRequest: null`). */
export function connectRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

/**
 * BullMQ loses jobs if Redis evicts keys under memory pressure; say so at start-up
 * instead of discovering it in production.
 */
export async function warnIfEvicting(redis: Redis, logger: Logger): Promise<void> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (policy && policy !== 'noeviction') {
      logger.warn({ policy }, 'Redis maxmemory-policy is not "noeviction": queued jobs can be evicted and lost');
    }
  } catch (err) {
    // Managed Redis services often forbid CONFIG; not fatal.
    logger.warn({ err: (err as Error).message }, 'could not read Redis maxmemory-policy; make sure it is "noeviction"');
  }
}

/**
 * How long a webhook waits for Redis before it refuses the message with 503: the platform (or the
 * business's app) delivers it again, where waiting longer would hang its request.
 */
export const webhookRedisDeadlineMs = 3000;

/**
 * Runs `work` (Redis commands) unless Redis is known to be unreachable, and gives up after
 * `deadlineMs`; either way throws {@link UnavailableError}. The hub's connection queues commands
 * while it reconnects and waits without limit for a server that stopped answering (BullMQ needs
 * `maxRetriesPerRequest: null`), which is right for workers and wrong for a request someone waits on.
 * A command that timed out may still run once Redis answers: callers must be idempotent (queued
 * messages are, by their ids).
 */
export async function whileRedisAnswers<T>(redis: Redis, work: () => Promise<T>, deadlineMs = webhookRedisDeadlineMs): Promise<T> {
  if (redis.status !== 'ready') throw new UnavailableError(`Redis is not connected (${redis.status})`);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new UnavailableError(`Redis did not answer within ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
