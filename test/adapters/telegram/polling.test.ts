import { randomBytes } from 'node:crypto';
import type { Update } from 'grammy/types';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApi } from '../../../adapters/telegram/api.js';
import { TelegramPoller } from '../../../adapters/telegram/polling.js';
import { createLogger } from '../../../core/logger.js';
import { Message } from '../../../core/store/message.js';
import { cleanup, eventually, startTestHub, testEnv, type TestEnv } from '../../helpers/hub.js';
import { FakeTelegram, fakeBotInfo, postUpdate, textUpdate } from '../../fakes/telegram-api.js';

// Local development: no public URL, the hub asks Telegram (the fake) with getUpdates.
let fake: FakeTelegram;

beforeAll(async () => {
  fake = await new FakeTelegram().start();
});
afterAll(async () => {
  await fake?.stop();
});

describe('telegram long polling', () => {
  let env: TestEnv;
  let hub: Awaited<ReturnType<typeof startTestHub>> | undefined;
  afterAll(async () => {
    await hub?.stop();
    if (env) await cleanup(env);
  });

  it('removes a leftover webhook, answers polled updates, and confirms them on stop', async () => {
    fake.webhook = { url: 'https://old.example/hook' }; // left from a deployment: getUpdates would get 409
    env = testEnv({
      accounts: [],
      channels: { dev: { telegram: [{ account: 'dev-bot', token: fake.token, mode: 'polling', apiRoot: fake.url, botInfo: fakeBotInfo }] } },
      autoReply: { dev: 'Hello from the polling hub.' },
    });
    hub = await startTestHub(env);
    const chats = [6001, 6002, 6003];
    chats.forEach((chatId, i) => fake.pushUpdate(textUpdate({ updateId: 500 + i, chatId, messageId: 1, text: `hi ${i}` })));
    await eventually(async () => chats.every((c) => fake.sentTo(c).length >= 1), 20_000, 'replies');
    for (const chatId of chats) expect(fake.sentTo(chatId)).toEqual([{ chat_id: chatId, text: 'Hello from the polling hub.' }]);
    expect(fake.callsOf('deleteWebhook')).toHaveLength(1);
    expect(fake.callsOf('getMe')).toHaveLength(0); // botInfo in the config spares the call
    expect(fake.webhook).toBeUndefined();
    expect(fake.callsOf('getUpdates')[0]!.body).toMatchObject({ offset: 0, allowed_updates: ['message', 'edited_message', 'callback_query'] });

    // A polling account has no webhook: a POST to its route is refused like a forged one.
    expect(await postUpdate(hub.url!, 'dev-bot', textUpdate({ updateId: 900, chatId: 6009, messageId: 1, text: 'x' }), 'any-secret-token-0000000')).toBe(401);

    const stored = await Message.find({ workspace: 'dev', channel: 'telegram', direction: 'in' }).lean();
    expect(stored.map((m) => m.user).sort()).toEqual(['6001', '6002', '6003']);

    await hub.stop();
    hub = undefined;
    // The last getUpdates confirmed everything: a restart would not fetch those updates again.
    expect(fake.calls.filter((c) => c.method === 'getUpdates').at(-1)!.body).toMatchObject({ offset: 503 });
    expect(fake.pending).toEqual([]);
  });
});

describe('one poller per bot across processes', () => {
  const redis = new Redis(inject('redisUrl'));
  const lockKey = `sbtest-${randomBytes(3).toString('hex')}:telegram:poller:bot`;
  afterAll(async () => {
    await redis.del(lockKey);
    await redis.quit();
  });

  it('two pollers share the work without conflict: each update handled once, no 409 from Telegram', async () => {
    const handled: number[] = [];
    const pollers = [0, 1].map(
      () =>
        new TelegramPoller({
          account: 'bot',
          api: createApi({ token: fake.token, apiRoot: fake.url, timeoutSeconds: 10, maxRetryAfterSeconds: 0 }),
          redis,
          lockKey,
          logger: createLogger({ level: 'silent' }),
          pollSeconds: 1,
          handle: async (update: Update) => void handled.push(update.update_id),
        }),
    );
    fake.calls.length = 0;
    pollers.forEach((p) => p.start());
    for (let i = 0; i < 5; i++) fake.pushUpdate(textUpdate({ updateId: 700 + i, chatId: 6100 + i, messageId: 1, text: 'x' }));
    await eventually(async () => handled.length >= 5, 10_000, 'updates handled');
    await new Promise((r) => setTimeout(r, 1500)); // a second poller would have conflicted by now
    await Promise.all(pollers.map((p) => p.stop()));
    expect(handled).toEqual([700, 701, 702, 703, 704]);
    expect(fake.calls.filter((c) => c.refused?.error_code === 409)).toEqual([]);
  });

  it('an update that cannot be queued is retried, in order, not skipped', async () => {
    const handled: number[] = [];
    let failures = 2;
    const poller = new TelegramPoller({
      account: 'bot',
      api: createApi({ token: fake.token, apiRoot: fake.url, timeoutSeconds: 10, maxRetryAfterSeconds: 0 }),
      redis,
      lockKey,
      logger: createLogger({ level: 'silent' }),
      pollSeconds: 1,
      handle: async (update: Update) => {
        if (update.update_id === 800 && failures-- > 0) throw new Error('Redis is down');
        handled.push(update.update_id);
      },
    });
    poller.start();
    fake.pushUpdate(textUpdate({ updateId: 800, chatId: 6200, messageId: 1, text: 'x' }));
    fake.pushUpdate(textUpdate({ updateId: 801, chatId: 6201, messageId: 1, text: 'y' }));
    await eventually(async () => handled.length >= 2, 10_000, 'updates handled');
    await poller.stop();
    expect(handled).toEqual([800, 801]);
    expect(failures).toBe(-1);
  });
});
