import { mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromiumOptions } from '../console/helpers.js';
import { cleanup, eventually, type TestEnv } from '../helpers/hub.js';
import { LocalSmtp } from '../helpers/smtp.js';
import { freePort, startWidgetHub, WidgetClient, widgetEnv } from '../widget/helpers.js';

// The visitor asks from the widget's menu for the conversation by e-mail, confirms the address
// they typed, and it arrives at the (local, real) SMTP server; a bad address is refused.

let smtp: LocalSmtp;
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startWidgetHub>>;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  mkdirSync('test-artifacts/widget', { recursive: true });
  smtp = await new LocalSmtp().start();
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  env = widgetEnv({ port, flows: 'shop', workspace: { email: { smtp: smtp.smtp, from: 'hub@shop.example', replyTo: 'hello@shop.example' } } });
  hub = await startWidgetHub(env);
  browser = await chromium.launch(chromiumOptions);
});
afterAll(async () => {
  await browser?.close();
  await hub?.stop();
  await smtp?.stop();
  if (env) await cleanup(env);
});

it('e-mails the conversation from the widget’s menu, after the visitor confirmed the address', async () => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${hub.url}/demo`);
  const widget = page.locator('#switchboard-widget');
  await widget.locator('.sb-bubble').click();
  await widget.getByRole('button', { name: 'Continue' }).click();
  const input = widget.getByRole('textbox', { name: 'Write a message…' });
  await input.fill('hi');
  await input.press('Enter');
  await widget.locator('.sb-text', { hasText: "I'm the Demo Shop assistant" }).waitFor({ timeout: 20_000 });
  const visitor = { page };
  // The visitor's own message keeps to the right, the bot's to the left.
  const own = (await widget.locator('.sb-msg.sb-in').first().boundingBox())!;
  const bot = (await widget.locator('.sb-msg.sb-out').first().boundingBox())!;
  const log = (await widget.locator('.sb-log').boundingBox())!;
  expect(log.x + log.width - (own.x + own.width)).toBeLessThan(30);
  expect(own.x).toBeGreaterThan(bot.x + 20);
  await widget.getByRole('button', { name: 'Menu' }).click();
  await widget.getByRole('menuitem', { name: 'Email me this conversation' }).click();
  await widget.getByRole('textbox', { name: 'Your e-mail address' }).fill('ada@example.com');
  await widget.locator('.sb-transcript-form button[type="submit"]').click();
  await widget.getByText('Send the conversation to ada@example.com?').waitFor();
  await visitor.page.screenshot({ path: 'test-artifacts/widget/transcript-confirm.png' });
  await widget.locator('.sb-transcript').getByRole('button', { name: 'Send' }).click();
  await widget.getByText('On its way to ada@example.com.').waitFor();

  await eventually(async () => smtp.received.length > 0, 15_000, 'the transcript');
  const mail = smtp.received[0]!;
  expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('ada@example.com');
  expect(mail.replyTo?.text).toBe('hello@shop.example');
  expect(mail.text).toContain('You: hi');
  expect(mail.text).toContain("I'm the Demo Shop assistant.");
});

it('refuses an address that is none, and a visitor with nothing to send yet', async () => {
  const client = await new WidgetClient(hub.url!, { origin }).open();
  const id = randomUUID();
  client.send({ t: 'transcript', id, email: 'not an address' });
  await client.until(() => client.frames.some((f) => f.t === 'error' && f.id === id), 'the refusal');
  expect(client.frames.find((f) => f.t === 'error' && f.id === id)).toMatchObject({ code: 'invalid', message: 'expected an e-mail address' });
  const second = randomUUID();
  client.send({ t: 'transcript', id: second, email: 'new@example.com' });
  await client.until(() => client.frames.some((f) => f.t === 'error' && f.id === second), 'the refusal');
  expect(client.frames.find((f) => f.t === 'error' && f.id === second)).toMatchObject({ message: 'no conversation to send yet' });
  client.close();
});
