import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setWebClientFactory } from '../../../adapters/whatsapp/web/index.js';
import { Message } from '../../../core/store/message.js';
import { cleanup, eventually, startTestHub, testEnv, type TestEnv } from '../../helpers/hub.js';
import { FakeWhatsApp } from './fake-whatsapp.js';

// The example flow through WhatsApp Web: no buttons there, so every choice goes as numbered text and the answer "1" or "2" picks it.
const account = 'shop-web';
const fake = new FakeWhatsApp();
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
let restore: () => void;
const sentTo = (chatId: string) => fake.sent.filter((s) => s.chatId === chatId).map((s) => s.text);

beforeAll(async () => {
  restore = setWebClientFactory(fake.factory);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-wweb-flow-'));
  writeFileSync(join(dir, 'shop.yaml'), readFileSync('config/flows/shop.yaml', 'utf8'));
  env = testEnv({
    accounts: [],
    channels: {
      shop: { whatsapp: [{ account, transport: 'web', dataPath: mkdtempSync(join(tmpdir(), 'wweb-flow-')), reconnect: { minMs: 50, maxMs: 200 } }] },
    },
    flows: { shop: { path: dir, start: 'shop' } },
    pipeline: { outboundBackoffMs: 50 },
  });
  hub = await startTestHub(env);
});
afterAll(async () => {
  await hub?.stop();
  restore?.();
  if (env) await cleanup(env);
});

it('runs the example flow with numbered choices; WhatsApp Web gets exactly these texts', async () => {
  const from = `42060${Date.now() % 1_000_000}@c.us`;
  await eventually(async () => fake.live(account)?.ready === true, 10_000, 'a ready client');
  fake.incoming(account, { from, id: '3EB0F1', text: 'hello', name: 'Ada Lovelace' });
  await eventually(async () => sentTo(from).length >= 1, 20_000, 'welcome');
  expect(sentTo(from)).toEqual([
    "Hi Ada Lovelace! I'm the Demo Shop assistant. What can I do for you?\n\n1. Opening hours\n2. Order status\n3. Call me back\n4. Talk to a human",
  ]);

  fake.incoming(account, { from, id: '3EB0F2', text: '1' });
  await eventually(async () => sentTo(from).length >= 3, 20_000, 'hours');
  expect(sentTo(from).slice(1)).toEqual(['We are open Mon–Fri 9:00–18:00 and Sat 9:00–12:00.', 'Anything else?\n\n1. Yes\n2. No, thanks']);

  fake.incoming(account, { from, id: '3EB0F3', text: '2' });
  await eventually(async () => sentTo(from).length >= 4, 20_000, 'bye');
  expect(sentTo(from)[3]).toBe('Thank you and have a nice day!');

  const inbound = await Message.find({ workspace: 'shop', channel: 'whatsapp', user: from, direction: 'in' }).sort({ order: 1 }).lean();
  expect(inbound.map((m) => [m.platformId, m.text])).toEqual([
    [`false_${from}_3EB0F1`, 'hello'],
    [`false_${from}_3EB0F2`, '1'],
    [`false_${from}_3EB0F3`, '2'],
  ]);
  await eventually(
    async () =>
      (await Message.find({ workspace: 'shop', channel: 'whatsapp', user: from, direction: 'out' }).lean()).every(
        (m) => m.status === 'sent' && m.platformId?.startsWith('true_'),
      ),
    10_000,
    'replies recorded with their WhatsApp ids',
  );
  expect(sentTo(from)).toHaveLength(4);
});
