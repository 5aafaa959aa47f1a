import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { OutboundRateLimiter } from '../../core/pipeline/rate.js';

// Against the real Redis: the buckets are shared by every worker process through it.
let redis: Redis;
let prefix: string;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
  prefix = `sbtest-rate-${randomBytes(4).toString('hex')}`;
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

const target = (chat: string, account = 'bot') => ({ workspace: 'shop', channel: 'telegram', account, chat });

describe('outbound rate limits', () => {
  it('lets a chat burst three replies, then spaces them at the per-chat rate', async () => {
    const limiter = new OutboundRateLimiter(redis, prefix);
    const waits = [];
    for (let i = 0; i < 4; i++) waits.push(await limiter.take(target('c1'), { perChatPerSecond: 1 }));
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    expect(waits[3]).toBeGreaterThan(500);
    expect(waits[3]).toBeLessThanOrEqual(1000);
    // Another chat of the same account is not held back by c1.
    expect(await limiter.take(target('c2'), { perChatPerSecond: 1 })).toBe(0);
  });

  it('holds every chat of an account to the account rate, and takes no token from a chat that must wait', async () => {
    const limiter = new OutboundRateLimiter(redis, prefix);
    const limits = { perSecond: 2, perChatPerSecond: 1 };
    expect(await limiter.take(target('a', 'busy'), limits)).toBe(0);
    expect(await limiter.take(target('b', 'busy'), limits)).toBe(0);
    const wait = await limiter.take(target('c', 'busy'), limits);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(500);
    // Chat c was refused by the account bucket, so its own burst is intact once the account has tokens again.
    await new Promise((r) => setTimeout(r, wait + 50));
    expect(await limiter.take(target('c', 'busy'), limits)).toBe(0);
  });

  it('pauses the whole account for a platform retry-after', async () => {
    const limiter = new OutboundRateLimiter(redis, prefix);
    await limiter.pause({ channel: 'telegram', account: 'paused' }, 1500);
    const wait = await limiter.take(target('x', 'paused'), { perChatPerSecond: 1 });
    expect(wait).toBeGreaterThan(1000);
    expect(wait).toBeLessThanOrEqual(1500);
    expect(await limiter.take(target('x', 'other'), { perChatPerSecond: 1 })).toBe(0);
  });
});
