/**
 * Open widget sockets per counter (a client key, an account), counted across every web process
 * in Redis, so a cap holds however many processes a script spreads its sockets over.
 *
 * Each counter is a hash of per-process counts (`{process id} → sockets`), and a sorted set
 * registers the live processes, scored by when their lease ends. A process renews its lease and
 * re-states its own counts every `refreshMs` (HSET, not HINCRBY: so a count that drifted, or a
 * key Redis lost, is right again within one refresh). A crashed process stops renewing: once its
 * lease lapses (`ttlMs`) the next admission ignores and deletes its fields, and keys it alone
 * held expire. The cost is independent of the number of sockets: a handshake and a close are one
 * script each, and a refresh is one command per counter this process holds, never per socket.
 * Counting sockets one by one (a sorted set of socket ids scored by expiry) would make every
 * refresh touch every socket.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Registers the process, then, for each counter: sums its live processes' counts (dropping dead ones) against its cap. All under caps: +1 in each. */
const admitScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local pid, ttl = ARGV[1], tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + ttl, pid)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for i = 2, #KEYS do
  local cap = tonumber(ARGV[i + 1])
  local fields = redis.call('HGETALL', KEYS[i])
  local total = 0
  for j = 1, #fields, 2 do
    if redis.call('ZSCORE', KEYS[1], fields[j]) then total = total + tonumber(fields[j + 1])
    else redis.call('HDEL', KEYS[i], fields[j]) end
  end
  if total >= cap then return i - 1 end
end
for i = 2, #KEYS do
  redis.call('HINCRBY', KEYS[i], pid, 1)
  redis.call('PEXPIRE', KEYS[i], ttl)
end
return 0
`;

/** -1 in each counter; a count at 0 leaves its hash (and an empty hash is gone). */
const releaseScript = `
for i = 1, #KEYS do
  if redis.call('HINCRBY', KEYS[i], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[i], ARGV[1]) end
end
return 0
`;

/** Renews the process's lease and re-states its count in each counter it holds (pairs of key, count in KEYS/ARGV). */
const refreshScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local pid, ttl = ARGV[1], tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + ttl, pid)
for i = 2, #KEYS do
  redis.call('HSET', KEYS[i], pid, ARGV[i + 1])
  redis.call('PEXPIRE', KEYS[i], ttl)
end
return 0
`;

type Scripted = Redis & {
  sbWidgetAdmit(n: number, ...args: (string | number)[]): Promise<number>;
  sbWidgetRelease(n: number, ...args: (string | number)[]): Promise<number>;
  sbWidgetRefresh(n: number, ...args: (string | number)[]): Promise<number>;
};

export interface Counter {
  /** The counter's Redis key (with the hub's prefix). */
  key: string;
  cap: number;
}

export interface OpenConnectionsOptions {
  redis: Redis;
  /** The live processes' sorted set (with the hub's prefix). */
  processesKey: string;
  /** How often this process renews its lease and re-states its counts. */
  refreshMs?: number;
  /** How long a process's counts outlive its last refresh (a crash): a few refreshes, so one slow one loses nothing. */
  ttlMs?: number;
}

/** Refreshes 30 s apart, a lease of 90 s: a crashed process's sockets stop counting within 90 s. */
const defaults = { refreshMs: 30_000, ttlMs: 90_000 };
/** Counters refreshed per script call: keeps one call short however many addresses a process holds. */
const refreshBatch = 500;

export class OpenConnections {
  /** This process's id in every counter: random per start, so a restarted process never inherits a dead one's counts. */
  readonly processId = randomBytes(8).toString('hex');
  private readonly redis: Scripted;
  private readonly held = new Map<string, number>();
  private readonly refreshMs: number;
  private readonly ttlMs: number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: OpenConnectionsOptions) {
    this.redis = options.redis as Scripted;
    this.refreshMs = options.refreshMs ?? defaults.refreshMs;
    this.ttlMs = options.ttlMs ?? defaults.ttlMs;
    if (!('sbWidgetAdmit' in options.redis)) {
      options.redis.defineCommand('sbWidgetAdmit', { lua: admitScript });
      options.redis.defineCommand('sbWidgetRelease', { lua: releaseScript });
      options.redis.defineCommand('sbWidgetRefresh', { lua: refreshScript });
    }
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.refreshMs);
    this.timer.unref();
  }

  /**
   * One more socket in every counter, or none when one is at its cap: then the index of the
   * first full counter. `release` takes it back (once, however often it is called).
   */
  async admit(counters: readonly Counter[]): Promise<{ ok: true; release: () => void } | { ok: false; full: number }> {
    const keys = counters.map((c) => c.key);
    const full = Number(
      await this.redis.sbWidgetAdmit(1 + keys.length, this.options.processesKey, ...keys, this.processId, this.ttlMs, ...counters.map((c) => c.cap)),
    );
    if (full > 0) return { ok: false, full: full - 1 };
    for (const k of keys) this.held.set(k, (this.held.get(k) ?? 0) + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released || this.stopped) return;
        released = true;
        for (const k of keys) {
          const n = (this.held.get(k) ?? 1) - 1;
          if (n > 0) this.held.set(k, n);
          else this.held.delete(k);
        }
        // A failed release is put right by the next refresh, which states this process's true counts.
        void this.redis.sbWidgetRelease(keys.length, ...keys, this.processId).catch(() => undefined);
      },
    };
  }

  /** Renews the lease and re-states every count this process holds. */
  async refresh(): Promise<void> {
    const entries = [...this.held];
    for (let i = 0; i === 0 || i < entries.length; i += refreshBatch) {
      const batch = entries.slice(i, i + refreshBatch);
      await this.redis.sbWidgetRefresh(
        1 + batch.length,
        this.options.processesKey,
        ...batch.map(([k]) => k),
        this.processId,
        this.ttlMs,
        ...batch.map(([, n]) => n),
      );
    }
  }

  /** A graceful stop: this process's counts leave every counter at once (its sockets are closing). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    const pipeline = this.redis.pipeline();
    for (const k of this.held.keys()) pipeline.hdel(k, this.processId);
    pipeline.zrem(this.options.processesKey, this.processId);
    await pipeline.exec();
    this.held.clear();
  }
}
