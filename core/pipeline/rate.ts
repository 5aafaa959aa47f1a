import type { Redis } from 'ioredis';
import { privacyContract } from '../privacy/contract.js';

/**
 * Token buckets in Redis, shared by every worker process: one per channel
 * account (platform-wide limits such as Telegram's 30 msg/s per bot) and one
 * per chat (Telegram's ~1 msg/s per chat, with short bursts allowed). Both are
 * checked and taken in one script, so a reply takes a token from both or neither.
 *
 * Returns 0 when the reply may go now, else the milliseconds to wait.
 */
const takeScript = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local wait = 0
local state = {}
-- KEYS[1]: the account's pause (a platform's retry-after); KEYS[2..]: buckets, each with rate and burst in ARGV.
for i = 2, #KEYS do
  local rate = tonumber(ARGV[(i - 2) * 2 + 1])
  local burst = tonumber(ARGV[(i - 2) * 2 + 2])
  local b = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local tokens = tonumber(b[1]) or burst
  local at = tonumber(b[2]) or nowMs
  tokens = math.min(burst, tokens + (nowMs - at) * rate / 1000)
  state[i] = tokens
  if tokens < 1 then wait = math.max(wait, math.ceil((1 - tokens) * 1000 / rate)) end
end
local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then wait = math.max(wait, paused) end
for i = 2, #KEYS do
  local rate = tonumber(ARGV[(i - 2) * 2 + 1])
  local burst = tonumber(ARGV[(i - 2) * 2 + 2])
  local tokens = state[i]
  if wait == 0 then tokens = tokens - 1 end
  redis.call('HSET', KEYS[i], 'tokens', tostring(tokens), 'at', tostring(nowMs))
  redis.call('PEXPIRE', KEYS[i], math.ceil(1000 * burst / rate) + 1000)
end
return wait
`;

export interface RateLimits {
  perSecond?: number;
  perChatPerSecond?: number;
}

export class OutboundRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.redis.defineCommand('sbTakeTokens', { lua: takeScript });
  }

  private pauseKey(channel: string, account: string): string {
    return `${this.prefix}:pause:${encodeURIComponent(channel)}:${encodeURIComponent(account)}`;
  }

  /** 0 if a reply to `chat` may go now (tokens taken), else milliseconds to wait (nothing taken). */
  async take(target: { workspace: string; channel: string; account: string; chat: string }, limits: RateLimits): Promise<number> {
    const keys: string[] = [this.pauseKey(target.channel, target.account)];
    const args: (string | number)[] = [];
    const base = `${this.prefix}:rate:${[target.workspace, target.channel, target.account].map(encodeURIComponent).join(':')}`;
    if (limits.perSecond) {
      keys.push(base);
      args.push(limits.perSecond, Math.max(1, limits.perSecond));
    }
    if (limits.perChatPerSecond) {
      keys.push(`${base}:${encodeURIComponent(target.chat)}`);
      // Platforms allow short bursts in one chat (a flow's two or three replies in a row).
      args.push(limits.perChatPerSecond, 3);
    }
    const redis = this.redis as Redis & { sbTakeTokens(n: number, ...args: (string | number)[]): Promise<number> };
    return Number(await redis.sbTakeTokens(keys.length, ...keys, ...args));
  }

  /** The platform said "too many requests, retry after": every reply of the account waits that long. */
  async pause(target: { channel: string; account: string }, ms: number): Promise<void> {
    if (ms > 0) await this.redis.set(this.pauseKey(target.channel, target.account), '1', 'PX', Math.ceil(ms));
  }
}

/** Privacy contract of the rate limiter's buckets (see core/privacy/contract.ts). */
export const rateLimitPrivacy = privacyContract({
  store: { redis: 'rate:*' },
  purpose: 'outbound token buckets per account and per chat',
  personal: ["the chat bucket's key ends in the platform user id"],
  findBy: 'rate:{workspace}:{channel}:{account}:{user}',
  erasure: { action: 'expires', within: 'a few seconds' },
  retention: { expires: 'seconds after the last reply to the chat' },
});
