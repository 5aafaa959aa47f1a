import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { AdapterContext, ChannelAdapter } from '../../../core/adapter.js';
import { ChannelApiError } from '../../../core/errors.js';
import { createLogger } from '../../../core/logger.js';
import type { OutboundMessage } from '../../../core/message.js';
import { createTelegramAdapter, telegramAccountSchema } from '../../../adapters/telegram/index.js';
import { FakeTelegram } from '../../fakes/telegram-api.js';

// The adapter's send against the fake Bot API, as a worker process runs it (no HTTP).
const prefix = `sbtest-tg-${randomBytes(3).toString('hex')}`;
let fake: FakeTelegram;
let adapter: ChannelAdapter;
let redis: Redis;
let n = 0;

const reply = (text: string, extra: Partial<OutboundMessage> = {}): OutboundMessage => ({
  id: `reply-${prefix}-${n++}`,
  conversationId: 'c1',
  order: 1,
  createdAt: '2026-11-22T00:00:00.000Z',
  address: { workspace: 'shop', channel: 'telegram', account: 'shop-bot', user: '4242' },
  text,
  sender: 'bot',
  ...extra,
});

beforeAll(async () => {
  fake = await new FakeTelegram().start();
  const config = telegramAccountSchema.parse({
    account: 'shop-bot',
    token: fake.token,
    secretToken: 'outbound-test-secret-0123',
    apiRoot: fake.url,
    maxRetryAfterSeconds: 1,
  });
  const workspace = { id: 'shop', privacy: { keywords: { start: ['start'] } } } as never;
  adapter = createTelegramAdapter([{ workspace, account: 'shop-bot', config }]);
  redis = new Redis(inject('redisUrl'));
  const ctx = { logger: createLogger({ level: 'silent' }), redis: () => redis.duplicate(), keyPrefix: prefix } as unknown as AdapterContext;
  await adapter.start(ctx);
});
afterAll(async () => {
  await adapter?.stop();
  await fake?.stop();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});
beforeEach(() => {
  fake.calls.length = 0;
});

describe('telegram replies', () => {
  it('sends text with choices as an inline keyboard, one button per row, ids as callback_data', async () => {
    const result = await adapter.send(
      reply('Which colour?', {
        choices: [
          { id: 'red', label: 'Red' },
          { id: 'x'.repeat(70), label: 'Long id' },
        ],
      }),
    );
    const [body] = fake.sentTo(4242);
    expect(body).toEqual({
      chat_id: 4242,
      text: 'Which colour?',
      reply_markup: {
        inline_keyboard: [[{ text: 'Red', callback_data: 'red' }], [{ text: 'Long id', callback_data: expect.stringMatching(/^~[A-Za-z0-9_-]{43}$/) }]],
      },
    });
    expect(result.platformId).toBe('4242:1000');
  });

  it('splits a long reply into messages of at most 4096 characters, the keyboard on the last', async () => {
    const paragraphs = Array.from({ length: 6 }, (_, i) => `${i}`.repeat(2000)).join('\n\n');
    await adapter.send(reply(paragraphs, { choices: [{ id: 'ok', label: 'OK' }] }));
    const bodies = fake.sentTo(4242);
    expect(bodies.map((b) => String(b.text).length)).toEqual([4002, 4002, 4002]);
    expect(bodies.map((b) => b.text).join('\n\n')).toBe(paragraphs);
    expect(bodies.map((b) => Boolean(b.reply_markup))).toEqual([false, false, true]);
  });

  it('a failure part-way is retryable, and the retry sends only the parts not yet sent', async () => {
    const message = reply(['first', 'second', 'third'].map((w) => `${w} `.repeat(500).trim()).join('\n\n'));
    fake.failNext('sendMessage', { code: 429, retryAfter: 1 }); // waited out in place (maxRetryAfterSeconds 1)
    fake.failNext('sendMessage', { code: 500 }, (body) => String(body.text).startsWith('second'));
    const error = await adapter.send(message).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ChannelApiError);
    expect(error).toMatchObject({ retryable: true, platformCode: '500' });
    await adapter.send(message);
    expect(fake.sentTo(4242).map((b) => String(b.text).slice(0, 5))).toEqual(['first', 'secon', 'third']);
  });

  it('maps refusals: 403 (blocked) and 400 are permanent with their code; a long 429 asks the queue to wait it out', async () => {
    fake.failNext('sendMessage', { code: 403 });
    await expect(adapter.send(reply('hi'))).rejects.toMatchObject({
      retryable: false,
      platformCode: '403',
      status: 403,
      message: 'Telegram sendMessage: Forbidden: bot was blocked by the user',
    });
    fake.failNext('sendMessage', { code: 429, retryAfter: 30 });
    await expect(adapter.send(reply('hi'))).rejects.toMatchObject({ retryable: true, platformCode: '429', retryAfterMs: 30_000 });
    fake.failNext('sendMessage', { code: 400, description: 'Bad Request: chat not found' });
    await expect(adapter.send(reply('hi'))).rejects.toMatchObject({ retryable: false, platformCode: '400' });
    expect(fake.sentTo(4242)).toHaveLength(0);
  });

  it('a network failure is retryable and does not reveal the token', async () => {
    const config = telegramAccountSchema.parse({
      account: 'down-bot',
      token: fake.token,
      secretToken: 'outbound-test-secret-0123',
      apiRoot: 'http://127.0.0.1:9',
      timeoutSeconds: 2,
    });
    const down = createTelegramAdapter([{ workspace: { id: 'shop', privacy: { keywords: { start: ['start'] } } } as never, account: 'down-bot', config }]);
    await down.start({ logger: createLogger({ level: 'silent' }), redis: () => redis.duplicate(), keyPrefix: prefix } as unknown as AdapterContext);
    const error = (await down
      .send(reply('hi', { address: { workspace: 'shop', channel: 'telegram', account: 'down-bot', user: '1' } }))
      .catch((err: unknown) => err)) as ChannelApiError;
    await down.stop();
    expect(error).toMatchObject({ retryable: true });
    expect(error.message).not.toContain(fake.token.split(':')[1]!);
  });
});
