import type { Logger } from 'pino';
import type { Config } from '../core/config/schema.js';
import { startEmbeddedMongo } from '../core/embedded/ferretdb.js';
import { redisUrl } from '../core/queue/redis.js';

export interface Services {
  mongoUri: string;
  redisUrl: string;
  stop(): Promise<void>;
}

/**
 * MongoDB from the config or $MONGODB_URI; with neither, the embedded FerretDB
 * is built (once) and started, and stopped with the hub.
 */
export async function resolveServices(config: Config, logger: Logger): Promise<Services> {
  const redis = redisUrl(config.redis.url);
  const configured = config.mongodb.uri || process.env.MONGODB_URI;
  if (configured) return { mongoUri: configured, redisUrl: redis, stop: async () => {} };
  const embedded = await startEmbeddedMongo({ dataDir: config.mongodb.dataDir, logger });
  return { mongoUri: embedded.uri, redisUrl: redis, stop: () => embedded.stop() };
}
