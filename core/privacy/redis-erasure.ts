import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { mailboxKey, type Queues } from '../queue/queues.js';
import type { Address } from '../message.js';
import { matchesRedisPattern, type PrivacyContract } from './contract.js';

/** What a person is recognised by in Redis: values that appear in their keys, jobs and entries. */
export interface RedisTraces {
  addresses: readonly Address[];
  /** Ids the hub derived for them: contact, conversation, lead and message ids. */
  ids: readonly string[];
  /** What they typed about themselves (e-mail, phone). */
  typed: readonly string[];
}

/** Whether a text (a job's data, a list entry, a key's value) mentions the person. */
function mentions(text: string | null | undefined, traces: RedisTraces, keys: readonly string[]): boolean {
  if (!text) return false;
  if (keys.some((k) => text.includes(k)) || traces.ids.some((id) => text.includes(id)) || traces.typed.some((t) => text.includes(t))) return true;
  // A user id can be short (`42`): only as a whole JSON value, not as any substring.
  return traces.addresses.some((a) => text.includes(`"user":${JSON.stringify(a.user)}`));
}

/** Whether a key's name is the person's: it carries their mailbox key, or ends in their (encoded) account and user id. */
function namesThem(key: string, traces: RedisTraces, keys: readonly string[]): boolean {
  if (keys.some((k) => key.includes(k)) || traces.ids.some((id) => key.includes(id))) return true;
  return traces.addresses.some((a) => key.endsWith(`:${encodeURIComponent(a.account)}:${encodeURIComponent(a.user)}`));
}

const jobStates = ['waiting', 'delayed', 'failed', 'completed', 'paused', 'prioritized', 'waiting-children'] as const;

/** Removes a queue's jobs that mention the person (data, error text, result); resolves to how many. */
async function eraseJobs(queue: Queue, traces: RedisTraces, keys: readonly string[]): Promise<number> {
  // All pages first: removing while paging would shift the pages.
  const all: Job[] = [];
  for (let start = 0; ; start += 500) {
    const page = (await queue.getJobs([...jobStates], start, start + 499)) as (Job | undefined)[];
    if (!page.length) break;
    all.push(...page.filter((j): j is Job => j !== undefined));
  }
  let removed = 0;
  for (const job of all) {
    const text = [JSON.stringify(job.data), job.failedReason, JSON.stringify(job.stacktrace ?? []), JSON.stringify(job.returnvalue ?? null)].join('\n');
    if (!mentions(text, traces, keys)) continue;
    await job.remove();
    removed++;
  }
  return removed;
}

/**
 * Erases a person from Redis: their jobs in every queue (waiting, delayed, failed, completed), and
 * then, for every Redis store whose privacy contract says `delete` or `expires`, each key named after them
 * (mailboxes, snapshots, rate buckets, a channel's per-chat keys) and each entry of a list, set
 * or stream that mentions them. Found by the data map, not by a list of key names here, so a
 * channel's own keys are reached too. Resolves to counts per store.
 */
export async function eraseFromRedis(at: {
  redis: Redis;
  prefix: string;
  queues: Queues;
  contracts: readonly PrivacyContract[];
  traces: RedisTraces;
}): Promise<Record<string, number>> {
  const { redis, prefix, queues, traces } = at;
  const keys = traces.addresses.map(mailboxKey);
  const receipt: Record<string, number> = {};
  const count = (store: string, n: number) => {
    if (n) receipt[store] = (receipt[store] ?? 0) + n;
  };
  for (const queue of [queues.turns, queues.deliveries, queues.crm, queues.maintenance])
    count(`redis:${queue.name} jobs`, await eraseJobs(queue, traces, keys));

  // Stores that expire by themselves are erased at once too: an erasure should not leave a person's key to time.
  const patterns = at.contracts.flatMap((c) =>
    'redis' in c.store && (c.erasure.action === 'delete' || c.erasure.action === 'expires') ? [c.store.redis] : [],
  );
  const queueNames = new Set([queues.turns.name, queues.deliveries.name, queues.crm.name, queues.maintenance.name]);
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const full of found) {
      const key = full.slice(prefix.length + 1);
      const pattern = patterns.find((p) => matchesRedisPattern(p, key));
      if (!pattern) continue;
      const store = `redis:${pattern}`;
      const type = await redis.type(full);
      // A queue's own keys (job hashes, id lists) were handled through BullMQ above; its events stream may quote an error.
      if (queueNames.has(key.split(':')[0]!) && type !== 'stream') continue;
      if (namesThem(key, traces, keys)) {
        count(store, await redis.del(full));
        continue;
      }
      switch (type) {
        case 'string':
          if (mentions(await redis.get(full), traces, keys)) count(store, await redis.del(full));
          break;
        case 'list':
          for (const entry of new Set(await redis.lrange(full, 0, -1))) if (mentions(entry, traces, keys)) count(store, await redis.lrem(full, 0, entry));
          break;
        case 'set':
          for (const member of await redis.smembers(full)) if (mentions(member, traces, keys)) count(store, await redis.srem(full, member));
          break;
        case 'zset':
          for (const member of await redis.zrange(full, 0, -1)) if (mentions(member, traces, keys)) count(store, await redis.zrem(full, member));
          break;
        case 'hash': {
          const fields = Object.entries(await redis.hgetall(full)).filter(([f, v]) => mentions(f, traces, keys) || mentions(v, traces, keys));
          if (fields.length) count(store, await redis.hdel(full, ...fields.map(([f]) => f)));
          break;
        }
        case 'stream':
          for (const [id, values] of await redis.xrange(full, '-', '+'))
            if (mentions(values.join('\n'), traces, keys)) count(store, await redis.xdel(full, id));
          break;
      }
    }
  } while (cursor !== '0');
  return receipt;
}
