import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createWhatsAppAdapter, whatsappAccountSchema } from '../../../adapters/whatsapp/index.js';
import type { AdapterContext, ChannelAdapter } from '../../../core/adapter.js';
import type { WorkspaceConfig } from '../../../core/config/schema.js';
import { ChannelApiError } from '../../../core/errors.js';
import { createLogger } from '../../../core/logger.js';
import type { OutboundMessage } from '../../../core/message.js';
import { FakeGraph } from '../../fakes/meta-graph.js';
import { phoneNumberId } from './events.js';

// The Cloud transport's send on its own, against the fake Graph API: rendering, the window and its template, Graph's errors.
const accessToken = 'EAAwhatsappSendTestToken01234567';
const prefix = `sbtest-wa-${randomBytes(4).toString('hex')}`;
let graph: FakeGraph;
let adapter: ChannelAdapter;
let n = 0;
const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();
const reply = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  id: `out_${n++}`,
  conversationId: 'c1',
  order: 1,
  createdAt: '2026-11-22T00:00:00.000Z',
  address: { workspace: 'ws', channel: 'whatsapp', account: 'wa', user: `42060000${String(n).padStart(4, '0')}` },
  text: 'Your parcel left the warehouse.',
  sender: 'bot',
  lastInboundAt: hoursAgo(1),
  ...over,
});
const failure = async (message: OutboundMessage): Promise<ChannelApiError> => {
  const err = await adapter.send(message).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChannelApiError);
  return err as ChannelApiError;
};
const ctx = (): AdapterContext => ({
  logger: createLogger({ level: 'silent' }),
  receive: async () => {},
  statuses: async () => {},
  consent: async () => {},
  history: async () => [],
  conversation: async () => undefined,
  queue: async () => undefined,
  transcript: async () => 'unavailable' as const,
  redis: () => new Redis(inject('redisUrl')),
  keyPrefix: prefix,
  clientAddress: () => '127.0.0.1',
  typing: async () => {},
});

beforeAll(async () => {
  graph = await new FakeGraph({ whatsapp: { accessToken, phoneNumberId } }).start();
  const config = whatsappAccountSchema.parse({
    account: 'wa',
    transport: 'cloud',
    phoneNumberId,
    accessToken,
    appSecret: 'whatsapp-send-test-app-secret',
    verifyToken: 'verify-token',
    graphUrl: graph.url,
    timeoutMs: 2000,
    templates: { reopen: { name: 'conversation_reopen', language: 'en' } },
  });
  adapter = createWhatsAppAdapter([{ workspace: { id: 'ws' } as WorkspaceConfig, account: 'wa', config }]);
  await adapter.start(ctx());
});
afterAll(async () => {
  await adapter?.stop();
  await graph?.stop();
  const redis = new Redis(inject('redisUrl'));
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe('whatsapp cloud send: rendering', () => {
  const choices = (k: number, label = (i: number) => `Option ${i + 1}`) => Array.from({ length: k }, (_, i) => ({ id: `o${i + 1}`, label: label(i) }));

  it('returns the wamid as platformId, so delivery statuses find the reply', async () => {
    const { platformId } = await adapter.send(reply());
    expect(platformId).toBe(graph.requests.at(-1)!.id);
    expect(platformId).toMatch(/^wamid\./);
  });

  it('three choices with a body over 1024 characters go as a list (lists allow 4096)', async () => {
    await adapter.send(reply({ text: 'x'.repeat(1500), choices: choices(3) }));
    const interactive = graph.requests.at(-1)!.body.interactive as { type: string; action: { button: string } };
    expect([interactive.type, interactive.action.button]).toEqual(['list', 'Choose']);
  });

  it('choices WhatsApp cannot show (an id over 200 characters) fall back to a numbered list in the text', async () => {
    await adapter.send(reply({ text: 'Pick one:', choices: [...choices(4), { id: 'x'.repeat(201), label: 'Long id' }] }));
    expect(graph.requests.at(-1)!.body.text).toEqual({
      body: 'Pick one:\n\n1. Option 1\n2. Option 2\n3. Option 3\n4. Option 4\n5. Long id',
      preview_url: false,
    });
    // A text already at WhatsApp's 4096 limit is shortened so the numbers still fit; the fake refuses anything longer.
    const { platformId } = await adapter.send(reply({ text: 'y'.repeat(4096), choices: [...choices(2), { id: 'x'.repeat(201), label: 'Long id' }] }));
    const body = (graph.requests.at(-1)!.body.text as { body: string }).body;
    expect(platformId).toBe(graph.requests.at(-1)!.id);
    expect([...body].length).toBe(4096);
    expect(body.endsWith('…\n\n1. Option 1\n2. Option 2\n3. Long id')).toBe(true);
  });
});

describe('whatsapp cloud send: the 24-hour window', () => {
  it("replaces an agent's late reply by the reopen template once a day, and stores the reply as failed", async () => {
    const user = '420777000111';
    const late = (text: string) =>
      reply({ sender: 'agent', text, lastInboundAt: hoursAgo(30), address: { workspace: 'ws', channel: 'whatsapp', account: 'wa', user } });
    const before = graph.requests.length;
    const first = await failure(late('Your refund was approved.'));
    expect([first.platformCode, first.retryable]).toEqual(['outside_window', false]);
    expect(first.message).toBe(
      'not sent: the contact last wrote 30 hours ago, outside WhatsApp\'s 24-hour customer-service window; the approved template "conversation_reopen" was sent instead, inviting the contact to write again; send this reply once they have',
    );
    expect(graph.requests.slice(before).map((r) => r.body)).toEqual([
      {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: user,
        type: 'template',
        template: { name: 'conversation_reopen', language: { code: 'en' } },
      },
    ]);
    // A second late reply: no second template.
    expect((await failure(late('And the invoice too.'))).platformCode).toBe('outside_window');
    expect(graph.requests.length).toBe(before + 1);
  });

  it('a reopen template that Graph failed to take is sent on the retry', async () => {
    const user = '420777000222';
    const late = () =>
      reply({
        sender: 'agent',
        text: 'Your refund was approved.',
        lastInboundAt: hoursAgo(30),
        address: { workspace: 'ws', channel: 'whatsapp', account: 'wa', user },
      });
    graph.failNext({ status: 500, error: { message: 'Something went wrong', code: 131000 } });
    const down = await failure(late());
    expect([down.platformCode, down.retryable]).toEqual(['131000', true]);
    expect((await failure(late())).platformCode).toBe('outside_window');
    expect(graph.accepted('whatsapp', user).map((r) => r.body.type)).toEqual(['template']);
  });

  it("a bot's late reply fails without a template", async () => {
    const before = graph.requests.length;
    const err = await failure(reply({ lastInboundAt: hoursAgo(50) }));
    expect(err.message).toBe(
      'not sent: the contact last wrote 2 days ago, outside WhatsApp\'s 24-hour customer-service window; outside it only agents\' replies are replaced by the "conversation_reopen" template (this one is from the bot)',
    );
    expect(graph.requests.length).toBe(before);
  });
});

describe('whatsapp cloud send: Graph errors', () => {
  it('130429 (throughput) pauses the account; 131056 (pair rate) is retried without pausing; 131047 (re-engagement) is permanent', async () => {
    graph.failNext({ status: 400, error: { message: '(#130429) Rate limit hit', code: 130429 } });
    expect((await failure(reply())).retryAfterMs).toBe(30_000);
    graph.failNext({ status: 400, error: { message: '(#131056) (Business Account, Consumer Account) pair rate limit hit', code: 131056 } });
    const pair = await failure(reply());
    expect([pair.retryable, pair.retryAfterMs]).toEqual([true, undefined]);
    graph.failNext({
      status: 400,
      error: {
        message: '(#131047) Re-engagement message',
        code: 131047,
        error_data: { details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' },
      },
    });
    const window = await failure(reply());
    expect([window.platformCode, window.retryable]).toEqual(['131047', false]);
    expect(window.message).toContain('more than 24 hours have passed');
  });
});
