import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const renewScript = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const releaseScript = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * "This process holds the WhatsApp Web session of this account": WhatsApp logs out a linked
 * device that is opened twice, so only one process may run the client. A Redis key with a
 * random token and a TTL; the holder renews it, and a crashed holder's key expires so
 * another process takes over.
 */
export class SessionLock {
  readonly token = randomUUID();

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly ttlMs: number,
  ) {}

  async acquire(): Promise<boolean> {
    return (await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX')) === 'OK';
  }

  /** False when the key expired or another process took it: stop using the session. */
  async renew(): Promise<boolean> {
    return Number(await this.redis.eval(renewScript, 1, this.key, this.token, String(this.ttlMs))) === 1;
  }

  async release(): Promise<void> {
    await this.redis.eval(releaseScript, 1, this.key, this.token);
  }
}

/** The lock key of one account's session. */
export function sessionLockKey(prefix: string, account: string): string {
  return `${prefix}:wweb:holder:${account}`;
}
