import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { expect, it } from 'vitest';
import { setWebhook, telegramAccount } from '../../adapters/telegram/commands.js';
import { setWebClientFactory } from '../../adapters/whatsapp/web/index.js';
import { listAudit } from '../../core/privacy/audit.js';
import { FakeWhatsApp } from '../adapters/whatsapp-web/fake-whatsapp.js';
import { FakeTelegram, fakeBotInfo } from '../fakes/telegram-api.js';
import { agentHub, agentPassword } from '../helpers/agent-hub.js';
import { eventually } from '../helpers/hub.js';
import { chromiumOptions, consoleAs } from './helpers.js';

// The admins' channels page: each account's last message in and last delivery error, whether
// Telegram has the webhook, whether a WhatsApp Web number is linked; and linking one by the QR
// code the console shows, as `switchboard whatsapp login` does in a terminal.

let telegram: FakeTelegram;
const whatsapp = new FakeWhatsApp();
let restore: () => void;
let dataPath: string;
const chat = agentHub({
  secret: 'channels-api-secret-01234',
  agents: [
    { email: 'anna@shop.example', displayName: 'Anna', role: 'agent' },
    { email: 'olga@shop.example', displayName: 'Olga', role: 'admin' },
  ],
  env: { autoReply: { shop: 'Thanks!' } },
  // The app refuses replies to "rejected" for good.
  respond: (reply) => (reply.user === 'rejected' ? 400 : 200),
  before: async () => {
    telegram = await new FakeTelegram().start();
    restore = setWebClientFactory(whatsapp.factory);
    // The number is not linked: its first client asks for a QR code, and the hub lets the session go.
    whatsapp.nextStarts.push('qr');
    dataPath = mkdtempSync(join(tmpdir(), 'wweb-channels-'));
    return {
      channels: {
        shop: {
          telegram: [{ account: 'shop-bot', token: telegram.token, secretToken: 'channels-telegram-secret-012', apiRoot: telegram.url, botInfo: fakeBotInfo }],
          whatsapp: [{ account: 'shop-wa', transport: 'web', dataPath, sessionPollMs: 200 }],
        },
      },
    };
  },
  after: async () => {
    restore?.();
    await telegram?.stop();
    if (dataPath) rmSync(dataPath, { recursive: true, force: true });
  },
});
type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const accounts = async () => {
  const res = await chat.api('Olga', '/channels');
  expect(res.status).toBe(200);
  return new Map((res.body.accounts as Row[]).map((a) => [`${a.channel}:${a.account}`, a]));
};

it('lists every account with its state, for admins only', async () => {
  expect((await chat.api('Anna', '/channels')).status).toBe(403);
  let rows = await accounts();
  expect([...rows.keys()].sort()).toEqual(['api:shop-app', 'telegram:shop-bot', 'whatsapp:shop-wa']);
  expect(rows.get('telegram:shop-bot')).toMatchObject({
    intake: { mode: 'webhook', registered: false, detail: 'no webhook set: run `switchboard telegram set-webhook`' },
  });
  await eventually(async () => (await accounts()).get('whatsapp:shop-wa')?.session?.state === 'unlinked', 10_000, 'the session unlinked');
  expect((await accounts()).get('whatsapp:shop-wa')).toMatchObject({ transport: 'web', linkable: true, session: { linked: false } });

  await setWebhook(telegramAccount(chat.env.config, 'shop-bot'), chat.url());
  // A message in, and a reply the app refuses for good.
  await chat.write('rejected', 'hello');
  await eventually(async () => Boolean((await accounts()).get('api:shop-app')?.lastError), 10_000, 'the delivery error');
  rows = await accounts();
  expect(rows.get('telegram:shop-bot')).toMatchObject({ intake: { mode: 'webhook', registered: true, detail: '0 update(s) pending' } });
  const api = rows.get('api:shop-app')!;
  expect(Date.parse(api.lastEventAt)).toBeGreaterThan(Date.now() - 60_000);
  expect(api.lastError.reason).toMatch(/400/);
  expect(JSON.stringify(api)).not.toContain('rejected'); // the contact's id is nowhere on the page
  expect(rows.get('telegram:shop-bot')?.lastEventAt).toBeUndefined();
});

it('links a WhatsApp Web number: the admin gets each QR code as modules to draw, then "linked"', async () => {
  expect((await chat.api('Olga', '/channels/telegram/shop-bot/link', {})).status).toBe(404);
  whatsapp.nextStarts.push('qr');
  const res = await fetch(`${chat.url()}/api/channels/whatsapp/shop-wa/link`, {
    method: 'POST',
    headers: { origin: chat.url(), cookie: chat.cookies.Olga!, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/x-ndjson');
  const reader = res.body!.getReader();
  const lines: Row[] = [];
  let buffered = '';
  const nextLine = async (): Promise<Row> => {
    for (;;) {
      const cut = buffered.indexOf('\n');
      if (cut >= 0) {
        const line = JSON.parse(buffered.slice(0, cut)) as Row;
        buffered = buffered.slice(cut + 1);
        lines.push(line);
        return line;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended');
      buffered += new TextDecoder().decode(value);
    }
  };
  const first = await nextLine();
  expect(first.qr.size).toBeGreaterThanOrEqual(21); // a real QR code, version 1 or more
  expect(first.qr.modules).toMatch(new RegExp(`^[01]{${first.qr.size ** 2}}$`));
  // The phone scans it; whatsapp-web.js saves the session.
  const client = whatsapp.live('shop-wa')!;
  client.becomeReady();
  client.emit('remote_session_saved');
  expect(await nextLine()).toEqual({ done: 'linked' });
  const audited = (await listAudit('shop')).find((e) => e.action === 'channel.linked');
  expect(audited).toMatchObject({ target: 'whatsapp:shop-wa', details: { outcome: 'linked' } });
  // The QR code is nowhere in the audit log.
  expect(JSON.stringify(audited)).not.toContain('fake-key');
});

it('shows the channels page in Chromium and links the number by the QR code drawn on it', async () => {
  const browser = await chromium.launch(chromiumOptions);
  try {
    const { page, problems } = await consoleAs(browser, chat.url(), { email: 'olga@shop.example', password: agentPassword });
    await page.getByRole('link', { name: 'Channels' }).click();
    const row = page.locator('.channels tr[data-account="whatsapp:shop-wa"]');
    await row.waitFor();
    expect(await page.locator('.channels tr[data-account="telegram:shop-bot"] .intake').textContent()).toBe('Webhook registered: 0 update(s) pending');
    whatsapp.nextStarts.push('qr');
    await row.getByRole('button', { name: 'Link by QR code' }).click();
    const qr = row.locator('svg.qr');
    await qr.waitFor();
    expect(await qr.locator('.qr-dark rect').count()).toBeGreaterThan(100);
    await page.screenshot({ path: 'test-artifacts/console/channels-qr.png' });
    const client = whatsapp.live('shop-wa')!;
    client.becomeReady();
    client.emit('remote_session_saved');
    await row.getByText('Linked. The hub picks the session up in a moment.').waitFor();
    expect(problems).toEqual([]);
  } finally {
    await browser.close();
  }
});
