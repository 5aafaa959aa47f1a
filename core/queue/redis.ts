import { Redis } from 'ioredis';
import type { Logger } from 'pino';

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
