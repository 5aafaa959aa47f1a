import { stringify } from 'yaml';
import { builtinRegistry } from '../adapters/index.js';
import { parseConfig } from '../core/config/load.js';
import { startHub, type Hub } from '../core/hub.js';
import { createLogger } from '../core/logger.js';
import { AutoReplyResponder, type Responder } from '../core/responder.js';
import { createFlowResponder } from '../flows/setup.js';

export interface BenchHubOptions {
  mongoUri: string;
  redisUrl: string;
  /** Redis key prefix (a lowercase id). */
  prefix: string;
  workspace: string;
  account: string;
  secret: string;
  webhookUrl: string;
  /** The hub's `pipeline.concurrency` (conversations each worker process handles at once); the default when absent. */
  workers?: number;
  /** The workspace's `flows` (path absolute): the hub runs them; without, it answers the auto-reply. */
  flows?: { path: string; start: string };
  /** The workspace's admin API keys (`Authorization: Bearer …`), for benchmarks of the admin API. */
  apiKeys?: string[];
  /** Wraps the responder the hub is given (e.g. to time it); the hub itself is unchanged. */
  wrapResponder?: (responder: Responder) => Responder;
}

/** The real hub, role `all`, in this process, from a config parsed like an operator's file. */
export async function startBenchHub(options: BenchHubOptions): Promise<Hub> {
  const registry = builtinRegistry();
  const yaml = stringify({
    server: { host: '127.0.0.1', port: 0 },
    redis: { prefix: options.prefix },
    ...(options.workers ? { pipeline: { concurrency: options.workers } } : {}),
    workspaces: [
      {
        id: options.workspace,
        name: 'Bench',
        // The benchmark's receiver and order API listen on loopback.
        outbound: { allow: ['127.0.0.1'] },
        ...(options.flows ? { flows: options.flows } : {}),
        ...(options.apiKeys ? { apiKeys: options.apiKeys } : {}),
        channels: { api: [{ account: options.account, secret: options.secret, webhookUrl: options.webhookUrl }] },
      },
    ],
  });
  const config = parseConfig(yaml, 'bench.yaml', registry.loadOptions());
  const logger = createLogger({ level: 'warn' });
  // As the CLI does: the flow responder when a workspace has flows (it falls back to the auto-reply for the others).
  const responder = options.flows ? createFlowResponder({ config, channels: registry, logger }).responder : new AutoReplyResponder();
  return startHub({
    config,
    registry,
    role: 'all',
    mongoUri: options.mongoUri,
    redisUrl: options.redisUrl,
    logger,
    responder: options.wrapResponder ? options.wrapResponder(responder) : responder,
  });
}
