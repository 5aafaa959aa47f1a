import { stringify } from 'yaml';
import { builtinRegistry } from '../adapters/index.js';
import { parseConfig } from '../core/config/load.js';
import { startHub, type Hub } from '../core/hub.js';
import { createLogger } from '../core/logger.js';

export interface BenchHubOptions {
  mongoUri: string;
  redisUrl: string;
  /** Redis key prefix (a lowercase id). */
  prefix: string;
  workspace: string;
  account: string;
  secret: string;
  webhookUrl: string;
  /** The hub's `pipeline.shards`. */
  shards: number;
}

/** The real hub, role `all`, in this process, from a config parsed like an operator's file. */
export async function startBenchHub(options: BenchHubOptions): Promise<Hub> {
  const registry = builtinRegistry();
  const yaml = stringify({
    server: { host: '127.0.0.1', port: 0 },
    redis: { prefix: options.prefix },
    pipeline: { shards: options.shards },
    workspaces: [
      {
        id: options.workspace,
        name: 'Bench',
        channels: { api: [{ account: options.account, secret: options.secret, webhookUrl: options.webhookUrl }] },
      },
    ],
  });
  const config = parseConfig(yaml, 'bench.yaml', { channelSchemas: registry.schemas() });
  return startHub({
    config,
    registry,
    role: 'all',
    mongoUri: options.mongoUri,
    redisUrl: options.redisUrl,
    logger: createLogger({ level: 'warn' }),
  });
}
