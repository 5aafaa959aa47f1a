import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { startEmbeddedMongo } from '../../core/embedded/ferretdb.js';
import { redisUrl } from '../../core/queue/redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** MongoDB server URI without a database name; each test file picks its own database. */
    mongoBase: string;
    redisUrl: string;
  }
}

/** Real services for the whole run: $MONGODB_URI or the embedded FerretDB, and Redis. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = redisUrl(undefined);
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`Redis is not reachable at ${url} (start it, or set REDIS_URL): ${(err as Error).message}`, { cause: err });
  } finally {
    redis.disconnect();
  }
  project.provide('redisUrl', url);

  if (process.env.MONGODB_URI) {
    project.provide('mongoBase', process.env.MONGODB_URI.replace(/\/[^/?]*(\?.*)?$/, '/'));
    return async () => {};
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-ferretdb-'));
  const mongo = await startEmbeddedMongo({ dataDir });
  project.provide('mongoBase', mongo.uri.replace(/\/[^/]*$/, '/'));
  return async () => {
    await mongo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
