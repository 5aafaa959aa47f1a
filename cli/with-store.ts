import type { Redis } from 'ioredis';
import { builtinRegistry } from '../adapters/index.js';
import { loadConfig } from '../core/config/load.js';
import type { Config } from '../core/config/schema.js';
import { createLogger } from '../core/logger.js';
import { Queues } from '../core/queue/queues.js';
import { connectRedis } from '../core/queue/redis.js';
import { connectStore, disconnectStore } from '../core/store/connect.js';
import { resolveServices } from './resolve.js';

/** The workspace a command acts on: the one named, or the only one there is. */
export function pickWorkspace(config: Config, name: string | undefined): string {
  if (name) {
    if (!config.workspaces.some((w) => w.id === name))
      throw new Error(`no workspace "${name}"; expected one of: ${config.workspaces.map((w) => w.id).join(', ')}`);
    return name;
  }
  if (config.workspaces.length === 1) return config.workspaces[0]!.id;
  throw new Error(`--workspace is required: the config has ${config.workspaces.map((w) => w.id).join(', ')}`);
}

/**
 * Runs `work` against the configured store (the embedded FerretDB when no MONGODB_URI is set)
 * and Redis, with the hub's queues (for the mailboxes and snapshots a command must respect).
 */
export async function withStore<T>(file: string, work: (config: Config, services: { redis: Redis; queues: Queues }) => Promise<T>): Promise<T> {
  const registry = builtinRegistry();
  const config = loadConfig(file, registry.loadOptions());
  const services = await resolveServices(config, createLogger({ level: 'warn' }));
  const redis = connectRedis(services.redisUrl);
  const queues = new Queues({ connection: redis, prefix: config.redis.prefix, outboundAttempts: config.pipeline.outboundAttempts });
  try {
    await connectStore(services.mongoUri, registry.collections());
    return await work(config, { redis, queues });
  } finally {
    await queues.close();
    await redis.quit();
    await disconnectStore();
    await services.stop();
  }
}
