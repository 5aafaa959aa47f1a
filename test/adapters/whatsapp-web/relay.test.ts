import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, inject, it } from 'vitest';
import type { AdapterContext } from '../../../core/adapter.js';
import type { WorkspaceConfig } from '../../../core/config/schema.js';
import type { HttpRouter } from '../../../core/http/router.js';
import { createLogger } from '../../../core/logger.js';
import type { OutboundMessage } from '../../../core/message.js';
import type { WhatsAppTransport } from '../../../adapters/whatsapp/transport.js';
import { createWebTransport, setWebClientFactory, webAccountSchema } from '../../../adapters/whatsapp/web/index.js';
import { SendRelay } from '../../../adapters/whatsapp/web/relay.js';
import { ChannelApiError } from '../../../core/errors.js';
import { eventually } from '../../helpers/hub.js';
import { FakeWhatsApp } from './fake-whatsapp.js';

// Processes of one deployment, in one test process: each transport gets its own Redis connections.
const account = 'relay-wa';
const prefix = `sbtest-wweb-${randomBytes(4).toString('hex')}`;
const fake = new FakeWhatsApp();
const started: WhatsAppTransport[] = [];
let restore: () => void;

function hubProcess(role: 'web' | 'worker'): Promise<WhatsAppTransport> {
  const transport = createWebTransport([
    { workspace: { id: 'shop' } as WorkspaceConfig, account, config: webAccountSchema.parse({ account, transport: 'web', sendTimeoutMs: 1000 }) },
  ]);
  const ctx: AdapterContext = {
    logger: createLogger({ level: 'silent' }),
    ...(role === 'web' ? { http: {} as HttpRouter } : {}),
    receive: async () => undefined,
    statuses: async () => undefined,
    consent: async () => undefined,
    history: async () => [],
    conversation: async () => undefined,
    queue: async () => undefined,
    transcript: async () => 'unavailable' as const,
    redis: () => new Redis(inject('redisUrl')),
    keyPrefix: prefix,
    clientAddress: () => '127.0.0.1',
    typing: async () => undefined,
  };
  started.push(transport);
  return transport.start(ctx).then(() => transport);
}

const reply = (id: string, user = '420601555111@c.us'): OutboundMessage => ({
  id,
  conversationId: 'c1',
  order: 1,
  createdAt: '2026-11-22T00:00:00.000Z',
  address: { workspace: 'shop', channel: 'whatsapp', account, user },
  text: `reply ${id}`,
  sender: 'bot',
});

beforeAll(() => {
  restore = setWebClientFactory(fake.factory);
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((t) => t.stop()));
});
afterAll(async () => {
  restore?.();
  const redis = new Redis(inject('redisUrl'));
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

it("runs one client per account across web processes, and a worker's reply goes out through it, once", async () => {
  await hubProcess('web');
  await hubProcess('web');
  const worker = await hubProcess('worker');
  await eventually(async () => fake.live(account)?.ready === true, 5_000, 'a ready client');
  expect(fake.clients).toHaveLength(1);

  const result = await worker.send(reply('m1'));
  expect(fake.sent.map((s) => [s.chatId, s.text, s.id])).toEqual([['420601555111@c.us', 'reply m1', result.platformId]]);
  // The same reply again (the queue retrying after a lost answer): not sent twice, same id.
  expect(await worker.send(reply('m1'))).toEqual(result);
  expect(fake.sent).toHaveLength(1);
});

it("fails a worker's reply as retryable when no process holds the session, or it is not ready", async () => {
  const worker = await hubProcess('worker');
  const err = await worker.send(reply('m2')).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ChannelApiError);
  expect(err).toMatchObject({ retryable: true, platformCode: 'SESSION_NOT_HELD' });

  fake.nextStarts.push('manual');
  await hubProcess('web');
  await eventually(async () => fake.live(account)?.initialized === true, 5_000, 'a starting client');
  const notReady = await worker.send(reply('m3')).catch((e: unknown) => e);
  expect(notReady).toMatchObject({ retryable: true, platformCode: 'SESSION_NOT_READY' });
  fake.live(account)!.becomeReady();
  expect((await worker.send(reply('m3'))).platformId).toMatch(/^true_420601555111@c\.us_/);
});

it('fails a reply as retryable when Redis refuses the publish, and leaves no timer to reject later', async () => {
  // The publishing connection is down (no offline queue), the subscriber is fine.
  const connections = [new Redis(inject('redisUrl'), { lazyConnect: true, enableOfflineQueue: false }), new Redis(inject('redisUrl'))];
  const relay = new SendRelay({ redis: () => connections.shift()!, prefix, logger: createLogger({ level: 'silent' }) });
  await relay.start();
  try {
    const err = await relay.request(account, { messageId: 'm4', chatId: '420601555111@c.us', text: 'reply m4' }, 100).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelApiError);
    expect(err).toMatchObject({ retryable: true, platformCode: 'RELAY_UNAVAILABLE' });
    // Past the request's timeout: an orphaned timer would now reject unobserved, which vitest reports as an error.
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    await relay.stop().catch(() => undefined);
  }
});

it('shows "typing…" from a process that does not hold the session, through the one that does', async () => {
  await hubProcess('web');
  const worker = await hubProcess('worker');
  await eventually(async () => fake.live(account)?.ready === true, 5_000, 'a ready client');
  const before = fake.typing.length;
  await worker.typing!({ address: { workspace: 'shop', channel: 'whatsapp', account, user: '420601555222@c.us' } });
  expect(fake.typing.slice(before)).toEqual([{ account, chatId: '420601555222@c.us' }]);
  // Nothing was sent as a message.
  expect(fake.sent.filter((s) => s.chatId === '420601555222@c.us')).toEqual([]);
});
