import type { Command } from 'commander';
import { builtinRegistry } from '../adapters/index.js';
import { loadConfig } from '../core/config/load.js';
import type { Config } from '../core/config/schema.js';
import { close, handBack } from '../core/conversations.js';
import { leadsToCsv, listLeads } from '../core/leads.js';
import { createLogger } from '../core/logger.js';
import { connectStore, disconnectStore } from '../core/store/connect.js';
import { Queues } from '../core/queue/queues.js';
import { connectRedis } from '../core/queue/redis.js';
import { resolveServices } from './resolve.js';

/** The workspace a command acts on: the one named, or the only one there is. */
function pickWorkspace(config: Config, name: string | undefined): string {
  if (name) {
    if (!config.workspaces.some((w) => w.id === name))
      throw new Error(`no workspace "${name}"; expected one of: ${config.workspaces.map((w) => w.id).join(', ')}`);
    return name;
  }
  if (config.workspaces.length === 1) return config.workspaces[0]!.id;
  throw new Error(`--workspace is required: the config has ${config.workspaces.map((w) => w.id).join(', ')}`);
}

/** Runs `work` against the configured store (the embedded FerretDB when no MONGODB_URI is set). */
async function withStore<T>(file: string, work: (config: Config, services: { redisUrl: string }) => Promise<T>): Promise<T> {
  const config = loadConfig(file, { channelSchemas: builtinRegistry().schemas() });
  const services = await resolveServices(config, createLogger({ level: 'warn' }));
  try {
    await connectStore(services.mongoUri);
    return await work(config, services);
  } finally {
    await disconnectStore();
    await services.stop();
  }
}

/** `leads list` and `conversations handback|close`: the admin API's actions from a terminal. */
export function registerAdminCommands(program: Command, defaultConfig: string): void {
  program
    .command('leads')
    .description('captured leads')
    .command('list')
    .description("list a workspace's leads, newest first, as CSV (default) or JSON")
    .option('-c, --config <file>', 'config file', defaultConfig)
    .option('-w, --workspace <id>', 'workspace (default: the only one)')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--limit <n>', 'at most this many', '1000')
    .action(async (opts: { config: string; workspace?: string; format: string; limit: string }) => {
      if (!['csv', 'json'].includes(opts.format)) throw new Error(`--format must be csv or json, not "${opts.format}"`);
      await withStore(opts.config, async (config) => {
        const leads = await listLeads(pickWorkspace(config, opts.workspace), { limit: Math.max(1, Number(opts.limit) || 1000) });
        process.stdout.write(opts.format === 'csv' ? leadsToCsv(leads) : `${JSON.stringify(leads, null, 2)}\n`);
      });
    });

  const conversations = program.command('conversations').description('hand conversations back to the bot or close them');
  for (const [name, run, description] of [
    ['handback', handBack, 'give a handed-off conversation back to the bot'],
    ['close', close, 'close a conversation'],
  ] as const) {
    conversations
      .command(name)
      .description(description)
      .argument('<id>', 'conversation id')
      .option('-c, --config <file>', 'config file', defaultConfig)
      .option('-w, --workspace <id>', 'workspace (default: the only one)')
      .action(async (id: string, opts: { config: string; workspace?: string }) => {
        await withStore(opts.config, async (config, services) => {
          // The conversation's running turns keep a snapshot of it in Redis: mark it stale.
          const redis = connectRedis(services.redisUrl);
          try {
            const queues = new Queues({ connection: redis, prefix: config.redis.prefix, outboundAttempts: config.pipeline.outboundAttempts });
            await run(pickWorkspace(config, opts.workspace), id, (address) => queues.staleSnapshot(address));
            await queues.close();
          } finally {
            await redis.quit();
          }
          console.log(`conversation ${id}: ${name === 'close' ? 'closed' : 'back with the bot'}`);
        });
      });
  }
}
