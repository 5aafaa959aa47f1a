/* eslint-disable no-console -- CLI commands talk to the terminal. */
import type { Command } from 'commander';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import qrcode from 'qrcode-terminal';
import type { ChannelCommandContext } from '../../core/channel.js';
import type { Config } from '../../core/config/schema.js';
import { createLogger } from '../../core/logger.js';
import { connectStore, disconnectStore } from '../../core/store/connect.js';
import type { WebClientFactory } from './web/client.js';
import { linkByQr } from './web/link.js';
import { lockTtlMs } from './web/holder.js';
import { webClientFactory, webAccountSchema, type WebAccountConfig } from './web/index.js';
import { SessionLock, sessionLockKey } from './web/lock.js';
import { GridFsSessionStore } from './web/session-store.js';
import { checkSessionStorage } from './web/session-policy.js';

export interface LoginOptions {
  config: Config;
  account: string;
  mongoUri: string;
  redisUrl: string;
  /** Builds the whatsapp-web.js client (a fake in tests). */
  factory: WebClientFactory;
  /** Where the QR code and progress go (the terminal). */
  print(text: string): void;
  logger: Logger;
  /** Give up when not linked and saved by then. */
  timeoutMs: number;
}

/** The web account `account` of the config, with its workspace; a clear error otherwise. */
function findWebAccount(config: Config, account: string): { workspace: string; config: WebAccountConfig } {
  for (const workspace of config.workspaces) {
    const found = workspace.channels.whatsapp?.find((a) => a.account === account);
    if (!found) continue;
    if ((found as { transport?: string }).transport !== 'web') throw new Error(`whatsapp account "${account}" uses the Cloud API: nothing to link by QR`);
    return { workspace: workspace.id, config: webAccountSchema.parse(found) };
  }
  const web = config.workspaces.flatMap((w) =>
    (w.channels.whatsapp ?? []).filter((a) => (a as { transport?: string }).transport === 'web').map((a) => a.account),
  );
  throw new Error(
    `no whatsapp account "${account}" in the config${web.length ? `; WhatsApp Web accounts: ${web.join(', ')}` : ' (add one with transport: web)'}`,
  );
}

/**
 * `switchboard whatsapp login`: links the number in the terminal (see web/link.ts), printing each
 * QR code to scan. Refuses while a hub process uses the session.
 */
export async function whatsappLogin(o: LoginOptions): Promise<'linked' | 'already linked'> {
  const { config } = findWebAccount(o.config, o.account);
  const store = new GridFsSessionStore({ dataPath: config.dataPath });
  // The same rule as the hub's: the session this saves is the one the hub will run.
  checkSessionStorage({ encrypted: store.encrypts, host: o.config.server.host, accounts: [o.account], logger: o.logger });
  await connectStore(o.mongoUri);
  const redis = new Redis(o.redisUrl, { maxRetriesPerRequest: 3 });
  try {
    const result = await linkByQr({
      account: o.account,
      config,
      factory: o.factory,
      store,
      lock: new SessionLock(redis, sessionLockKey(o.config.redis.prefix, o.account), lockTtlMs),
      logger: o.logger,
      timeoutMs: o.timeoutMs,
      progress: {
        qr(code) {
          o.print(`Scan this QR code in WhatsApp on the phone of account "${o.account}": Settings > Linked devices > Link a device.`);
          qrcode.generate(code, { small: true }, (art) => o.print(art));
        },
        scanned: () => o.print('Scanned. Opening WhatsApp Web...'),
        saving: () => o.print('Linked. Saving the session to MongoDB (whatsapp-web.js waits about a minute first)...'),
      },
    });
    o.print(
      result === 'linked'
        ? `WhatsApp account "${o.account}" is linked; a running hub picks the session up within ${Math.round(config.sessionPollMs / 1000)} s.`
        : `WhatsApp account "${o.account}" is already linked.`,
    );
    return result;
  } finally {
    await redis.quit();
    await disconnectStore();
  }
}

/** `whatsapp login <account>`: link a number by QR for the WhatsApp Web transport. */
export function registerWhatsAppCommands(program: Command, { defaultConfig, loadConfig, services: resolveServices }: ChannelCommandContext): void {
  program
    .command('whatsapp')
    .description('WhatsApp accounts')
    .command('login')
    .description('link a WhatsApp number to a `transport: web` account: scan the QR code shown in the terminal')
    .argument('<account>', 'the whatsapp account id')
    .option('-c, --config <file>', 'config file', defaultConfig)
    .option('--timeout <seconds>', 'give up after this long', '300')
    .action(async (account: string, opts: { config: string; timeout: string }) => {
      const config = loadConfig(opts.config);
      findWebAccount(config, account);
      const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
      const services = await resolveServices(config, logger);
      try {
        await whatsappLogin({
          config,
          account,
          mongoUri: services.mongoUri,
          redisUrl: services.redisUrl,
          factory: webClientFactory(),
          print: (text) => console.log(text),
          logger,
          timeoutMs: Math.max(10, Number(opts.timeout) || 300) * 1000,
        });
      } finally {
        await services.stop();
      }
    });
}
