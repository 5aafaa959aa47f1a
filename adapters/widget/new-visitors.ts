/**
 * New visitors (handshakes without a valid visitor token: each one gets a fresh visitor id) per
 * client key and per account, in fixed windows, on Redis through rate-limiter-flexible, so the
 * caps hold across hub processes. A returning visitor costs nothing here.
 */
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export interface NewVisitorCaps {
  perAddress: { max: number; windowSeconds: number };
  perAccount: { max: number; windowSeconds: number };
}

export class NewVisitors {
  private readonly perAddress: RateLimiterRedis;
  private readonly perAccount: RateLimiterRedis;

  /** `keyPrefix`s: where the per-address and per-account windows live (with the hub's prefix). */
  constructor(options: { redis: Redis; caps: NewVisitorCaps; addressPrefix: string; accountPrefix: string }) {
    const { redis, caps } = options;
    this.perAddress = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: options.addressPrefix,
      points: caps.perAddress.max,
      duration: caps.perAddress.windowSeconds,
    });
    this.perAccount = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: options.accountPrefix,
      points: caps.perAccount.max,
      duration: caps.perAccount.windowSeconds,
    });
  }

  /**
   * Counts one new visitor from `client` of `account`: the address first, so a client already
   * over its own cap spends none of the account's. Refused: which cap, and when it has room again.
   * A Redis failure throws.
   */
  async take(at: { client: string; account: string }): Promise<{ ok: true } | { ok: false; cap: 'address' | 'account'; retryAfterMs: number }> {
    for (const [cap, limiter, key] of [
      ['address', this.perAddress, at.client],
      ['account', this.perAccount, at.account],
    ] as const) {
      try {
        await limiter.consume(key);
      } catch (res) {
        if (!(res instanceof RateLimiterRes)) throw res;
        return { ok: false, cap, retryAfterMs: res.msBeforeNext };
      }
    }
    return { ok: true };
  }
}
