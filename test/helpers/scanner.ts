import { Redis } from 'ioredis';
import mongoose from 'mongoose';

/** Where a needle was found: `mongodb:<collection>/<_id>`, `redis:<key>`, `log:<line number>`. */
export interface Trace {
  where: string;
  needle: string;
  excerpt: string;
}

function hits(where: string, text: string, needles: readonly string[]): Trace[] {
  const lower = text.toLowerCase();
  return needles.flatMap((needle) => {
    const at = lower.indexOf(needle.toLowerCase());
    return at < 0 ? [] : [{ where, needle, excerpt: text.slice(Math.max(0, at - 60), at + needle.length + 60) }];
  });
}

/**
 * Searches everything a hub stored for any of `needles`, knowing nothing of its schemas: every
 * document of every collection of the database (GridFS chunks included, as bytes), every Redis
 * key under the prefix with its value whatever its type, and the captured log lines. A test
 * helper, not a fake: it reads the real stores.
 */
export async function scanEverywhere(at: {
  mongoUri: string;
  redisUrl: string;
  prefix: string;
  logs?: readonly string[];
  needles: readonly string[];
}): Promise<Trace[]> {
  const found: Trace[] = [];
  const conn = await mongoose.createConnection(at.mongoUri).asPromise();
  try {
    for (const { name } of await conn.db!.listCollections().toArray()) {
      for (const doc of await conn.db!.collection(name).find({}).toArray()) {
        const text = name.endsWith('.chunks') ? Buffer.from((doc.data as { buffer: Uint8Array }).buffer).toString('latin1') : JSON.stringify(doc);
        found.push(...hits(`mongodb:${name}/${String(doc._id)}`, text, at.needles));
      }
    }
  } finally {
    await conn.close();
  }
  const redis = new Redis(at.redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${at.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        const value =
          type === 'string'
            ? await redis.get(key)
            : type === 'list'
              ? await redis.lrange(key, 0, -1)
              : type === 'hash'
                ? await redis.hgetall(key)
                : type === 'set'
                  ? await redis.smembers(key)
                  : type === 'zset'
                    ? await redis.zrange(key, 0, -1)
                    : type === 'stream'
                      ? await redis.xrange(key, '-', '+')
                      : null;
        found.push(...hits(`redis:${key}`, `${key}\n${JSON.stringify(value)}`, at.needles));
      }
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
  for (const [i, line] of (at.logs ?? []).entries()) found.push(...hits(`log:${i + 1}`, line, at.needles));
  return found;
}
