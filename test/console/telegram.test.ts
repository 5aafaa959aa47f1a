import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addAgent } from '../../core/agents/accounts.js';
import { repoRoot } from '../../core/embedded/ferretdb.js';
import { setWebhook, telegramAccount } from '../../adapters/telegram/commands.js';
import { callbackUpdate, FakeTelegram, fakeBotInfo, textUpdate, tgUser } from '../fakes/telegram-api.js';
import { cleanup, eventually, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';
import { chromiumOptions, consoleAs } from './helpers.js';

// A Telegram contact asks the demo shop's bot for a human and is answered from the console: the
// console's reply leaves through the Telegram adapter (the fake Bot API), and the bot says nothing
// once the agent has taken the chat.
const artifacts = 'test-artifacts/console';
const anna = { email: 'anna@shop.example', password: 'correct horse battery staple' };
const chatId = 7301;
let fake: FakeTelegram;
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
let browser: Browser;
let updateId = 1;

const texts = () => fake.sentTo(chatId).map((m) => String(m.text));

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  fake = await new FakeTelegram().start();
  env = testEnv({
    accounts: [],
    channels: {
      shop: { telegram: [{ account: 'shop-bot', token: fake.token, secretToken: 'console-telegram-secret-0123', apiRoot: fake.url, botInfo: fakeBotInfo }] },
    },
    flows: { shop: { path: join(repoRoot, 'config/flows'), start: 'shop' } },
    extra: { console: { secureCookie: false } },
  });
  hub = await startTestHub(env);
  await setWebhook(telegramAccount(env.config, 'shop-bot'), hub.url!);
  await addAgent({ workspace: 'shop', ...anna, displayName: 'Anna', role: 'agent', actor: 'test' });
  browser = await chromium.launch(chromiumOptions);
});
afterAll(async () => {
  await browser?.close();
  await hub?.stop();
  await fake?.stop();
  if (env) await cleanup(env);
});

it('answers a Telegram contact handed off by the bot from the console, through the Bot API, with the bot silent', async () => {
  const { page: agent, problems } = await consoleAs(browser, hub.url!, anna);
  await agent.goto(`${hub.url}/console/waiting`);
  await agent.locator('.inbox').waitFor();

  const from = tgUser(chatId, { first_name: 'Ada', last_name: 'Lovelace', language_code: 'en' });
  expect(await fake.deliver(textUpdate({ updateId: updateId++, chatId, messageId: 1, text: 'hello', from }))).toBe(200);
  await eventually(async () => fake.messagesTo(chatId).some((m) => JSON.stringify(m.reply_markup ?? '').includes('"Talk to a human"')), 20_000, 'the welcome');
  const welcome = fake.messagesTo(chatId).findLast((m) => JSON.stringify(m.reply_markup ?? '').includes('"Talk to a human"'))!;
  expect(await fake.deliver(callbackUpdate({ updateId: updateId++, queryId: 'q-human', chatId, message: welcome, label: 'Talk to a human', from }))).toBe(200);

  // The handoff shows in Waiting by itself.
  const row = agent.locator('.rows .row', { hasText: 'Ada' });
  await row.waitFor({ timeout: 20_000 });
  await eventually(async () => texts().some((t) => t.startsWith('I am passing you to a colleague')), 20_000, 'the handoff message');
  const botSaid = texts().length;
  await row.click();
  await agent.getByRole('button', { name: 'Take', exact: true }).click();
  await expect.poll(() => agent.locator('.owner').textContent()).toBe('Yours');
  const reply = agent.getByRole('textbox', { name: 'Reply' });
  await reply.fill('Hello Ada, Anna here. How can I help?');
  await reply.press('Enter');
  await eventually(async () => texts().includes('Hello Ada, Anna here. How can I help?'), 20_000, 'the reply on Telegram');
  await agent.screenshot({ path: `${artifacts}/telegram-answered.png` });

  // The contact writes again: it reaches the console, and the bot does not answer.
  expect(await fake.deliver(textUpdate({ updateId: updateId++, chatId, messageId: 3, text: 'my parcel is late', from }))).toBe(200);
  await agent.locator('.timeline .msg-contact', { hasText: 'my parcel is late' }).waitFor({ timeout: 20_000 });
  expect(texts().slice(botSaid)).toEqual(['Anna joined the chat.', 'Hello Ada, Anna here. How can I help?']);
  expect(problems).toEqual([]);
});
