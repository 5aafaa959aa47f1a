import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Config } from '../config/schema.js';
import { keyDigest, type KeyScope } from './api-key-schema.js';

export type KeyCheck =
  | { ok: true; workspace: string; actor: string; scopes: readonly KeyScope[] }
  | { ok: false; reason: 'wrong' }
  /** Too many wrong keys from the caller's address: refused whatever it sends until the window passes. */
  | { ok: false; reason: 'limited'; retryAfterSeconds: number };

/** Failed key attempts are counted per client address over this window. */
const windowSeconds = 15 * 60;

/**
 * The workspaces' API keys, held as SHA-256 digests (config load drops the keys themselves), and
 * a limit on wrong keys per client address across hub processes (rate-limiter-flexible on
 * Redis). A digest is looked up in a map: its timing tells nothing of any key, since the caller
 * cannot choose what a digest looks like.
 */
export class ApiKeys {
  private readonly byDigest = new Map<string, { workspace: string; scopes: readonly KeyScope[]; name: string | undefined }>();
  private readonly failures: RateLimiterRedis;
  private readonly limit: number;

  constructor(config: Config, redis: Redis) {
    for (const ws of config.workspaces) for (const key of ws.apiKeys) this.byDigest.set(key.sha256, { workspace: ws.id, scopes: key.scopes, name: key.name });
    this.limit = config.console.keyFailuresPerAddress;
    this.failures = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${config.redis.prefix}:keyfail`, points: this.limit, duration: windowSeconds });
  }

  /**
   * Checks `Authorization: Bearer <key>` from `address` (its group, see client-address.ts). The
   * audit log names a key by its `name`, or `key:` and the start of its digest, never the key.
   */
  async check(header: string, address: string): Promise<KeyCheck> {
    const previous = await this.failures.get(address);
    if (previous && previous.consumedPoints >= this.limit) return { ok: false, reason: 'limited', retryAfterSeconds: Math.ceil(previous.msBeforeNext / 1000) };
    const given = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const digest = given ? keyDigest(given) : undefined;
    const key = digest ? this.byDigest.get(digest) : undefined;
    if (key) return { ok: true, workspace: key.workspace, actor: key.name ? `key:${key.name}` : `key:${digest!.slice(0, 12)}`, scopes: key.scopes };
    try {
      await this.failures.consume(address);
    } catch (res) {
      return { ok: false, reason: 'limited', retryAfterSeconds: Math.ceil(((res as { msBeforeNext?: number }).msBeforeNext ?? 60_000) / 1000) };
    }
    return { ok: false, reason: 'wrong' };
  }
}

/** The scope a request to the admin API needs: `privacy` for data-subject requests and the audit log, else `read` to look and `write` to change. */
export function scopeFor(method: string, path: string): KeyScope {
  if (/^\/(privacy|audit)(\/|$)/.test(path)) return 'privacy';
  return method === 'GET' || method === 'HEAD' ? 'read' : 'write';
}
