import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { startEmbeddedMongo } from '../core/embedded/ferretdb.js';
import { redisUrl as defaultRedisUrl } from '../core/queue/redis.js';

/** The MongoDB and Redis both scenarios run on. */
export interface Services {
  /** Where MongoDB came from, for the report (never the URI: it may carry credentials). */
  mongoSource: 'MONGODB_URI' | 'embedded FerretDB';
  redisUrl: string;
  /** The embedded FerretDB's pid (for its CPU time); undefined with MONGODB_URI. */
  dbPid?: number;
  /** The MongoDB URI with its database replaced by `database`. */
  mongoUri(database: string): string;
  /** Drops the databases and deletes the Redis keys of the prefixes; then stops what was started. */
  cleanup(databases: string[], redisPrefixes: string[]): Promise<void>;
}

/** $MONGODB_URI, else an embedded FerretDB in a fresh temp dir; $REDIS_URL, else local Redis. */
export async function startServices(): Promise<Services> {
  const redisUrl = defaultRedisUrl(undefined);
  const fromEnv = process.env.MONGODB_URI;
  let baseUri = fromEnv;
  let stopEmbedded = async (): Promise<void> => {};
  let dbPid: number | undefined;
  if (!baseUri) {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
    const embedded = await startEmbeddedMongo({ dataDir });
    baseUri = embedded.uri;
    dbPid = findListener(embedded.uri);
    stopEmbedded = async () => {
      await embedded.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const base = baseUri;
  const mongoUri = (database: string) => withDatabase(base, database);

  return {
    mongoSource: fromEnv ? 'MONGODB_URI' : 'embedded FerretDB',
    redisUrl,
    ...(dbPid ? { dbPid } : {}),
    mongoUri,
    async cleanup(databases, redisPrefixes) {
      const failures: string[] = [];
      const client = new mongoose.mongo.MongoClient(base, { serverSelectionTimeoutMS: 10_000 });
      try {
        await client.connect();
        for (const db of databases) await client.db(db).dropDatabase();
      } catch (err) {
        failures.push(`dropping databases: ${(err as Error).message}`);
      } finally {
        await client.close();
      }
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
      try {
        for (const prefix of redisPrefixes) await deleteKeys(redis, `${prefix}:*`);
      } catch (err) {
        failures.push(`deleting Redis keys: ${(err as Error).message}`);
      } finally {
        redis.disconnect();
      }
      await stopEmbedded();
      if (failures.length) throw new Error(`cleanup failed: ${failures.join('; ')}`);
    },
  };
}

/**
 * The pid of our child process listening on the URI's port: core/embedded/ferretdb.ts does not
 * expose it, so look for `-listen 127.0.0.1:<port>` among this process's children.
 */
function findListener(uri: string): number | undefined {
  const port = /:\/\/[^/:]+:(\d+)/.exec(uri)?.[1];
  if (!port) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmdline.includes(`127.0.0.1:${port}`)) return Number(entry);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return undefined;
}

/** Replaces the database path of a mongodb:// or mongodb+srv:// URI (hosts may be a comma list, so no URL parsing). */
function withDatabase(uri: string, database: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!match) throw new Error('MONGODB_URI is not a mongodb:// URI');
  return `${match[1]}/${database}${match[2] ?? ''}`;
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

/** A Redis URL without its password, for the report. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
