import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { builtinRegistry } from '../../../adapters/index.js';
import { deleteWebhook, setWebhook, telegramAccount } from '../../../adapters/telegram/commands.js';
import { loadConfig } from '../../../core/config/load.js';
import { FakeTelegram } from '../../fakes/telegram-api.js';

// `switchboard telegram set-webhook|delete-webhook` as an operator runs them, against the fake Bot API.
let fake: FakeTelegram;
let configFile: string;
const secretToken = 'cli-test-secret-token-0123456';

const run = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/switchboard.js', ...args, '--config', configFile]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

beforeAll(async () => {
  fake = await new FakeTelegram().start();
  configFile = join(mkdtempSync(join(tmpdir(), 'switchboard-tg-cli-')), 'switchboard.yaml');
  const account = (name: string, extra: object) => ({ account: name, token: fake.token, apiRoot: fake.url, ...extra });
  writeFileSync(
    configFile,
    JSON.stringify({
      workspaces: [
        {
          id: 'shop',
          name: 'Shop',
          channels: {
            telegram: [account('shop-bot', { secretToken }), account('dev-bot', { mode: 'polling', token: '7000002:AAAnotherBotOfTheSameOperator_0123' })],
          },
        },
      ],
    }),
  );
});
afterAll(async () => {
  await fake?.stop();
});

it('`switchboard telegram set-webhook` registers the hub route with the secret token; delete-webhook removes it', async () => {
  const set = await run('telegram', 'set-webhook', 'shop-bot', '--url', 'https://hub.example.com/base/', '--drop-pending-updates');
  expect(set.stderr).toBe('');
  expect(set.stdout).toBe('telegram account "shop-bot": webhook set to https://hub.example.com/base/channels/telegram/shop-bot/webhook\n');
  expect(fake.callsOf('setWebhook').map((c) => c.body)).toEqual([
    {
      url: 'https://hub.example.com/base/channels/telegram/shop-bot/webhook',
      secret_token: secretToken,
      allowed_updates: ['message', 'edited_message', 'callback_query'],
      drop_pending_updates: true,
    },
  ]);
  expect(fake.webhook).toEqual({
    url: 'https://hub.example.com/base/channels/telegram/shop-bot/webhook',
    secret_token: secretToken,
    allowed_updates: ['message', 'edited_message', 'callback_query'],
  });

  // delete-webhook, in process (a CLI start costs seconds).
  await deleteWebhook(telegramAccount(loadConfig(configFile, { channelSchemas: builtinRegistry().schemas() }), 'shop-bot'));
  expect(fake.webhook).toBeUndefined();
});

it('refuses unknown accounts, polling accounts and Telegram refusals with one clear line, never the token', async () => {
  // In process (each CLI start costs seconds); the CLI prints these messages as `switchboard: <message>`.
  const config = loadConfig(configFile, { channelSchemas: builtinRegistry().schemas() });
  expect(() => telegramAccount(config, 'nope')).toThrow('no telegram account "nope" in the config; expected one of: shop-bot, dev-bot');
  await expect(setWebhook(telegramAccount(config, 'dev-bot'), 'https://hub.example.com')).rejects.toThrow(
    'telegram account "dev-bot" is in polling mode; set mode: webhook and a secretToken first',
  );
  await expect(setWebhook(telegramAccount(config, 'shop-bot'), 'hub.example.com')).rejects.toThrow("--url must be the hub's public base URL");
  fake.failNext('setWebhook', { code: 400, description: 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook' });
  const refused = await setWebhook(telegramAccount(config, 'shop-bot'), 'http://hub.example.com').catch((err: Error) => err.message);
  expect(refused).toBe('Telegram refused setWebhook: Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
  expect(refused).not.toContain(fake.token.split(':')[1]!);
});

it('a config with a webhook account and no secretToken is refused at load, naming the key', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'switchboard-tg-cli-')), 'bad.yaml');
  writeFileSync(
    file,
    [
      'workspaces:',
      '  - id: shop',
      '    name: Shop',
      '    channels:',
      '      telegram:',
      '        - account: shop-bot',
      '          token: "123456:AAFakeTokenForSwitchboardTests_0123"',
      '',
    ].join('\n'),
  );
  expect(() => loadConfig(file, { channelSchemas: builtinRegistry().schemas() })).toThrow(
    /bad\.yaml:6:\d+: workspaces\.0\.channels\.telegram\.0\.secretToken: webhook mode needs a secretToken/,
  );
});
