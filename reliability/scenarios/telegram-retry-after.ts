/**
 * Scenario 6: Telegram answers some sendMessage calls 429 with `retry_after` (test/fakes/telegram-api.ts),
 * short ones (waited out in place by the adapter's auto-retry) and long ones (the account is paused
 * in Redis and the reply waits in its mailbox). No chat may get a send before its retry_after has
 * passed, and every message gets its one reply. Telegram replies carry no id of ours, so a reply sent
 * twice is a duplicate the person sees.
 */
import { fakeBotInfo, FakeTelegram, textUpdate } from '../../test/fakes/telegram-api.js';
import { hubUnderTest, now, Sender, sharedServices, sleep, storedMessages, type Delivery, type Row, type Scenario } from '../harness.js';

const account = 'shop-bot';
const secretToken = 'reliability-telegram-secret';

export const telegramRetryAfter: Scenario = {
  name: 'telegram-429',
  async run({ short }): Promise<Row> {
    const chats = short ? 40 : 100;
    const perChat = short ? 5 : 10;
    const messages = chats * perChat;
    /** retry_after seconds of the 429s, injected after these fractions of the replies. */
    const throttles = [
      { after: 0.2, seconds: 1 },
      { after: 0.4, seconds: 4 },
      { after: 0.7, seconds: 3 },
    ];
    const { redis, mongo } = await sharedServices();
    const fake = await new FakeTelegram().start();
    const hub = await hubUnderTest(
      'telegram-429',
      { mongoUri: mongo.uri, redisUrl: redis.url },
      {
        accounts: [],
        channels: { shop: { telegram: [{ account, token: fake.token, secretToken, apiRoot: fake.url, botInfo: fakeBotInfo }] } },
      },
    );
    try {
      await hub.spawn('web');
      await hub.spawn('worker');
      // Telegram delivers each chat's updates in order, one at a time; chats in parallel.
      let updateId = 1;
      const deliveries: Delivery[][] = Array.from({ length: chats }, (_, c) =>
        Array.from({ length: perChat }, (_, m) => {
          const update = textUpdate({ updateId: updateId++, chatId: 500_000 + c, messageId: m + 1, text: `message ${m}` });
          const body = JSON.stringify(update);
          return {
            id: `${500_000 + c}:${m + 1}`,
            async send(signal: AbortSignal) {
              const res = await fetch(`${hub.url}/channels/telegram/${account}/webhook`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secretToken },
                body,
                signal,
              });
              await res.arrayBuffer();
              return res.status;
            },
          };
        }),
      );
      let sends = 0;
      let lastSendAt = 0;
      const pending = [...throttles];
      fake.onMessage = () => {
        sends++;
        lastSendAt = Date.now();
        while (pending[0] && sends >= messages * pending[0].after) fake.failNext('sendMessage', { code: 429, retryAfter: pending.shift()!.seconds });
      };
      const sender = new Sender();
      await Promise.all(
        deliveries.map(async (chat) => {
          for (const d of chat) await sender.deliver(d);
        }),
      );
      const deadline = now() + 120_000;
      while (fake.callsOf('sendMessage').length < messages && now() < deadline) await sleep(100);
      await sleep(2000);

      const calls = fake.calls.filter((c) => c.method === 'sendMessage');
      const throttled = calls.filter((c) => c.refused?.error_code === 429);
      // A chat's next call after its 429 must wait retry_after; other chats' calls count as the account's early sends.
      let earlyForChat = 0;
      const earlyForAccount: string[] = [];
      for (const t of throttled) {
        const until = t.at + Number(/retry after (\d+)/.exec(t.refused!.description)![1]) * 1000;
        const next = calls.find((c) => c !== t && c.at >= t.at && String(c.body.chat_id) === String(t.body.chat_id));
        if (next && next.at < until) earlyForChat++;
        // Calls already in flight when the 429 was answered arrive within a few ms of it.
        const early = calls.filter((c) => c !== t && c.at > t.at + 50 && c.at < until);
        earlyForAccount.push(
          `${early.length} in retry_after ${(until - t.at) / 1000} s (${early.filter((c) => c.at < t.at + 1000).length} in its first second)`,
        );
      }
      const faultEnd = Math.max(...throttled.map((t) => t.at + Number(/retry after (\d+)/.exec(t.refused!.description)![1]) * 1000));
      let lost = 0;
      let duplicated = 0;
      for (let c = 0; c < chats; c++) {
        const got = fake.sentTo(500_000 + c).length;
        if (got < perChat) lost += perChat - got;
        if (got > perChat) duplicated += got - perChat;
      }
      const stored = await storedMessages(hub.env.mongoUri, 'shop');
      duplicated += stored.inTwice;
      const recoveryMs = throttled.length ? Math.max(0, lastSendAt - faultEnd) : null;
      const pass =
        sender.accepted.size === messages &&
        throttled.length === throttles.length &&
        earlyForChat === 0 &&
        lost === 0 &&
        duplicated === 0 &&
        sender.http5xx === 0 &&
        stored.in === messages &&
        stored.out === messages &&
        stored.notSent === 0;
      return {
        scenario: telegramRetryAfter.name,
        messages,
        lost,
        duplicated,
        resent: 0,
        http5xx: sender.http5xx,
        maxAckMs: sender.maxAckMs,
        recoveryMs,
        pass,
        criteria: `${throttles.length} sendMessage 429s (retry_after ${throttles.map((t) => `${t.seconds} s`).join(', ')}) across ${chats} chats x ${perChat} messages: no chat sent to before its retry_after passed, every message answered once, stored once; recovery from the last retry_after's end until the last reply`,
        notes: [
          `${throttled.length} 429s answered; ${earlyForChat} chats sent to early; sends to other chats of the account more than 50 ms after a 429: ${earlyForAccount.join('; ')}`,
          `webhook answers: ${sender.outcomes()}`,
          `stored: ${stored.in} inbound, ${stored.out} replies, ${stored.notSent} not 'sent'`,
        ],
      };
    } finally {
      await hub.stop();
      await fake.stop();
    }
  },
};
