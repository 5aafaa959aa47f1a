#!/usr/bin/env node
import { Command, Option } from 'commander';
import { randomBytes } from 'node:crypto';
import { builtinRegistry } from '../adapters/index.js';
import { loadConfig } from '../core/config/load.js';
import { ConfigError } from '../core/errors.js';
import { apiKeySchema, keyDigest } from '../core/http/api-key-schema.js';
import { startHub, type Role } from '../core/hub.js';
import { refuseDefaultSecrets } from '../core/default-secrets.js';
import { createLogger } from '../core/logger.js';
import { createFlowResponder } from '../flows/setup.js';
import { registerAdminCommands } from './admin-commands.js';
import { apiSend } from './api-send.js';
import { registerFlowCommands } from './flows-commands.js';
import { registerAgentCommands } from './agents-commands.js';
import { registerInboxCommands } from './inbox-commands.js';
import { registerPrivacyCommands } from './privacy-commands.js';
import { registerRetentionCommands } from './retention-commands.js';
import { demoRoutes } from './demo-routes.js';
import { validateFlows } from './flows.js';
import { resolveServices } from './resolve.js';

const defaultConfig = process.env.SWITCHBOARD_CONFIG ?? 'config/switchboard.yaml';
const program = new Command('switchboard').description('Self-hosted messaging hub and bot framework').showHelpAfterError();

program
  .command('start')
  .description('run the hub: HTTP (webhooks, health, metrics) and queue workers')
  .option('-c, --config <file>', 'config file', defaultConfig)
  .addOption(new Option('--role <role>', 'what this process runs').choices(['all', 'web', 'worker']).default('all'))
  .action(async (opts: { config: string; role: Role }) => {
    const logger = createLogger();
    const registry = builtinRegistry();
    const config = loadConfig(opts.config, registry.loadOptions());
    // startHub checks too; here it stops the start before an embedded FerretDB is built and started for nothing.
    if (opts.role !== 'worker') refuseDefaultSecrets(config);
    // Flows load first: an invalid flow file stops the start with file:line:col, before any service.
    const { responder } = createFlowResponder({ config, channels: registry, logger, watch: true });
    const services = await resolveServices(config, logger);
    const hub = await startHub({
      config,
      registry,
      role: opts.role,
      mongoUri: services.mongoUri,
      redisUrl: services.redisUrl,
      logger,
      responder,
      ...(config.demo ? { routes: demoRoutes } : {}),
    });
    const shutdown = async (signal: string) => {
      logger.info({ signal }, 'signal received');
      try {
        await hub.stop();
        await services.stop();
        process.exit(0);
      } catch (err) {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      }
    };
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    process.once('SIGINT', () => void shutdown('SIGINT'));
  });

const configCommand = program.command('config').description('work with the config file');
configCommand
  .command('check')
  .description('validate a config file and print every problem as file:line:col')
  .argument('[file]', 'config file', defaultConfig)
  .action((file: string) => {
    const registry = builtinRegistry();
    const config = loadConfig(file, registry.loadOptions());
    const accounts = config.workspaces.reduce((n, w) => n + Object.values(w.channels).reduce((m, a) => m + a.length, 0), 0);
    console.log(`${file}: ok (${config.workspaces.length} workspace(s), ${accounts} channel account(s))`);
  });

program
  .command('api-key')
  .description('make a new admin API key: prints the key (give it to whoever calls the API) and the config entry holding only its hash')
  .option('--scopes <list>', 'comma-separated: read, write, privacy', 'read,write,privacy')
  .option('--name <name>', 'how the audit log names the key')
  .action((options: { scopes: string; name?: string }) => {
    const scopes = options.scopes.split(',').map((s) => s.trim());
    const entry = apiKeySchema.safeParse({ sha256: '0'.repeat(64), scopes, ...(options.name ? { name: options.name } : {}) });
    if (!entry.success) throw new Error(entry.error.issues.map((i) => i.message).join('; '));
    const key = `sb_${randomBytes(24).toString('base64url')}`;
    console.log(`key:    ${key}`);
    console.log(`config: - { sha256: "${keyDigest(key)}", scopes: [${entry.data.scopes.join(', ')}]${options.name ? `, name: ${options.name}` : ''} }`);
  });

const flowsCommand = program.command('flows').description('work with chatbot flows');
flowsCommand
  .command('validate')
  .description('check flow files (schema, graph, templates, channel limits); every problem as file:line:col')
  .argument('[paths...]', "flow files or folders (default: each workspace's flows in the config)")
  .option('-c, --config <file>', 'config file', defaultConfig)
  .action((paths: string[], opts: { config: string }) => {
    const config = loadConfig(opts.config, builtinRegistry().loadOptions());
    console.log(validateFlows(config, paths));
  });

registerFlowCommands(flowsCommand, defaultConfig);

program
  .command('api')
  .description('talk to a running hub through its generic api channel, as a business app would')
  .command('send')
  .description('send one signed message and print the reply that arrives at the account webhook')
  .argument('<text>', 'message text')
  .option('-c, --config <file>', 'config file', defaultConfig)
  .option('-a, --account <id>', 'api account (default: the first one in the config)')
  .option('-u, --user <id>', 'user id on the channel', 'cli-user')
  .option('--hub <url>', 'hub base URL', `http://127.0.0.1:${process.env.PORT ?? 3000}`)
  .option('--no-wait', 'do not listen on the webhook URL for the reply')
  .action(async (text: string, opts: { config: string; account?: string; user: string; hub: string; wait: boolean }) => {
    const config = loadConfig(opts.config, builtinRegistry().loadOptions());
    await apiSend(config, text, { ...opts, timeoutMs: 15_000 });
  });

registerAdminCommands(program, defaultConfig);
registerRetentionCommands(program, defaultConfig);
registerPrivacyCommands(program, defaultConfig);
registerAgentCommands(program, defaultConfig);
registerInboxCommands(program, defaultConfig);
// Each channel's own commands (`switchboard telegram …`, `switchboard whatsapp …`), from its definition.
const channels = builtinRegistry();
for (const { register } of channels.commands()) {
  register(program, { defaultConfig, loadConfig: (file) => loadConfig(file, channels.loadOptions()), services: resolveServices });
}

program.parseAsync(process.argv).catch((err: unknown) => {
  // A config problem is its file:line:col list; anything else one line, with the stack only when debugging.
  if (err instanceof ConfigError) console.error(err.message);
  else if (err instanceof Error && process.env.LOG_LEVEL !== 'debug') console.error(`switchboard: ${err.message}`);
  else console.error(err);
  process.exit(1);
});
