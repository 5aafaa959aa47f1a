/* eslint-disable no-console -- CLI commands talk to the terminal. */
import type { Command } from 'commander';
import { GrammyError } from 'grammy';
import type { ChannelCommandContext } from '../../core/channel.js';
import type { Config } from '../../core/config/schema.js';
import { createApi } from './api.js';
import { allowedUpdates, telegramAccountSchema, webhookPath, type TelegramAccountConfig } from './config.js';

/** The `telegram` account `name` of any workspace (account ids are unique per channel). */
export function telegramAccount(config: Config, name: string): TelegramAccountConfig {
  // Parsed again (the loader already did) for the account's type: the config holds every channel's accounts alike.
  const all = config.workspaces.flatMap((w) => (w.channels.telegram ?? []).map((a) => telegramAccountSchema.parse(a)));
  const found = all.find((a) => a.account === name);
  if (!found) throw new Error(`no telegram account "${name}" in the config${all.length ? `; expected one of: ${all.map((a) => a.account).join(', ')}` : ''}`);
  return found;
}

/**
 * Registers `{base}/channels/telegram/{account}/webhook` with Telegram (setWebhook), with the
 * account's secret token and the update types the hub reads. Returns the URL set.
 */
export async function setWebhook(account: TelegramAccountConfig, publicBaseUrl: string, options: { dropPendingUpdates?: boolean } = {}): Promise<string> {
  if (account.mode !== 'webhook' || !account.secretToken)
    throw new Error(`telegram account "${account.account}" is in polling mode; set mode: webhook and a secretToken first`);
  let base: URL;
  try {
    base = new URL(publicBaseUrl);
  } catch {
    throw new Error(`--url must be the hub's public base URL, like https://hub.example.com (got "${publicBaseUrl}")`);
  }
  const url = `${base.origin}${base.pathname.replace(/\/+$/, '')}${webhookPath(account.account)}`;
  await call(() =>
    createApi(account).setWebhook(url, {
      secret_token: account.secretToken,
      allowed_updates: [...allowedUpdates],
      ...(options.dropPendingUpdates ? { drop_pending_updates: true } : {}),
    }),
  );
  return url;
}

/** Removes the account's webhook (e.g. before polling elsewhere with the same bot). */
export async function deleteWebhook(account: TelegramAccountConfig, options: { dropPendingUpdates?: boolean } = {}): Promise<void> {
  await call(() => createApi(account).deleteWebhook(options.dropPendingUpdates ? { drop_pending_updates: true } : {}));
}

/** Telegram's own words on a refusal; never the request URL (it carries the token). */
async function call<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    if (err instanceof GrammyError) throw new Error(`Telegram refused ${err.method}: ${err.description}`, { cause: err });
    throw err;
  }
}

/** `switchboard telegram set-webhook|delete-webhook <account>`. */
export function registerTelegramCommands(program: Command, { defaultConfig, loadConfig: load }: ChannelCommandContext): void {
  const telegram = program.command('telegram').description('set up Telegram bots');
  telegram
    .command('set-webhook')
    .description("tell Telegram to POST the bot's updates to this hub, with the account's secret token")
    .argument('<account>', 'telegram account id in the config')
    .requiredOption('--url <base>', "the hub's public base URL (https; Telegram accepts ports 443, 80, 88 and 8443)")
    .option('-c, --config <file>', 'config file', defaultConfig)
    .option('--drop-pending-updates', 'discard updates Telegram holds for the bot')
    .action(async (name: string, opts: { url: string; config: string; dropPendingUpdates?: boolean }) => {
      const url = await setWebhook(telegramAccount(load(opts.config), name), opts.url, { dropPendingUpdates: opts.dropPendingUpdates });
      console.log(`telegram account "${name}": webhook set to ${url}`);
    });
  telegram
    .command('delete-webhook')
    .description('stop Telegram POSTing updates to the webhook (updates then wait for getUpdates)')
    .argument('<account>', 'telegram account id in the config')
    .option('-c, --config <file>', 'config file', defaultConfig)
    .option('--drop-pending-updates', 'discard updates Telegram holds for the bot')
    .action(async (name: string, opts: { config: string; dropPendingUpdates?: boolean }) => {
      await deleteWebhook(telegramAccount(load(opts.config), name), { dropPendingUpdates: opts.dropPendingUpdates });
      console.log(`telegram account "${name}": webhook deleted`);
    });
}
