import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../../core/embedded/ferretdb.js';
import { Contact } from '../../../core/store/contact.js';
import { Message } from '../../../core/store/message.js';
import { setWebhook, telegramAccount } from '../../../adapters/telegram/commands.js';
import { cleanup, eventually, startTestHub, testEnv, type TestEnv } from '../../helpers/hub.js';
import { callbackUpdate, FakeTelegram, fakeBotInfo, postUpdate, textUpdate, tgUser } from '../../fakes/telegram-api.js';

// The demo shop's flow behind a Telegram bot: Telegram (the fake) POSTs updates to the webhook
// registered with set-webhook, and receives the replies; it checks every body it is sent.
const secretToken = 'webhook-test-secret-token-0123';
const account = 'shop-bot';
let fake: FakeTelegram;
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
const logs: string[] = [];
let updateId = 1;

const stored = (chatId: number) =>
  Message.find({ workspace: 'shop', channel: 'telegram', user: String(chatId) })
    .sort({ order: 1 })
    .lean();
const keyboard = (...buttons: [string, string][]) => ({ inline_keyboard: buttons.map(([text, data]) => [{ text, callback_data: data }]) });
const press = (chatId: number, label: string, queryId: string, from = tgUser(chatId)) => {
  const message = fake.messagesTo(chatId).findLast((m) => JSON.stringify(m.reply_markup ?? '').includes(`"${label}"`));
  if (!message) throw new Error(`no message with a "${label}" button`);
  return fake.deliver(callbackUpdate({ updateId: updateId++, queryId, chatId, message, label, from }));
};

beforeAll(async () => {
  fake = await new FakeTelegram().start();
  env = testEnv({
    accounts: [],
    channels: { shop: { telegram: [{ account, token: fake.token, secretToken, apiRoot: fake.url, botInfo: fakeBotInfo }] } },
    flows: { shop: { path: join(repoRoot, 'config/flows'), start: 'shop' } },
  });
  hub = await startTestHub(env, 'all', logs);
  // As an operator would with `switchboard telegram set-webhook shop-bot --url <hub>`.
  await setWebhook(telegramAccount(env.config, account), hub.url!);
});
afterAll(async () => {
  await hub?.stop();
  await fake?.stop();
  if (env) await cleanup(env);
});

describe('telegram webhook', () => {
  it('set-webhook registered the hub route with the secret token and the update types it reads', () => {
    expect(fake.callsOf('setWebhook').map((c) => c.body)).toEqual([
      { url: `${hub.url}/channels/telegram/shop-bot/webhook`, secret_token: secretToken, allowed_updates: ['message', 'edited_message', 'callback_query'] },
    ]);
  });

  it('runs the shop flow: welcome with buttons, opening hours, goodbye; every button press is answered', async () => {
    const chatId = 5001;
    const from = tgUser(chatId, { first_name: 'Ada', last_name: 'Lovelace', language_code: 'en' });
    expect(await fake.deliver(textUpdate({ updateId: updateId++, chatId, messageId: 1, text: '/start', from }))).toBe(200);
    await eventually(async () => fake.sentTo(chatId).length >= 1, 20_000, 'welcome');
    expect(fake.sentTo(chatId)).toEqual([
      {
        chat_id: chatId,
        text: "Hi Ada Lovelace! I'm the Demo Shop assistant. What can I do for you?",
        reply_markup: keyboard(['Opening hours', 'hours'], ['Order status', 'order_status'], ['Call me back', 'callback'], ['Talk to a human', 'human']),
      },
    ]);

    expect(await press(chatId, 'Opening hours', 'q-hours', from)).toBe(200);
    await eventually(async () => fake.sentTo(chatId).length >= 3, 20_000, 'hours and the next question');
    expect(fake.sentTo(chatId).slice(1)).toEqual([
      { chat_id: chatId, text: 'We are open Mon–Fri 9:00–18:00 and Sat 9:00–12:00.' },
      { chat_id: chatId, text: 'Anything else?', reply_markup: keyboard(['Yes', 'more'], ['No, thanks', 'done']) },
    ]);

    expect(await press(chatId, 'No, thanks', 'q-done', from)).toBe(200);
    await eventually(async () => fake.sentTo(chatId).length >= 4, 20_000, 'goodbye');
    expect(fake.sentTo(chatId)[3]).toEqual({ chat_id: chatId, text: 'Thank you and have a nice day!' });
    await eventually(async () => fake.callsOf('answerCallbackQuery').length >= 2, 5000, 'callback answers');
    expect(fake.callsOf('answerCallbackQuery').map((c) => c.body)).toEqual([{ callback_query_id: 'q-hours' }, { callback_query_id: 'q-done' }]);

    const inbound = (await stored(chatId)).filter((m) => m.direction === 'in');
    expect(inbound.map((m) => [m.text, m.choiceId ?? null])).toEqual([
      ['start', null],
      ['Opening hours', 'hours'],
      ['No, thanks', 'done'],
    ]);
    expect(await Contact.findOne({ workspace: 'shop', channel: 'telegram', user: String(chatId) }).lean()).toMatchObject({
      name: 'Ada Lovelace',
      locale: 'en',
    });
    // Info logs name messages by id, never by what they say.
    expect(logs.join('\n')).not.toContain('Opening hours');
  });

  it('a button press delivered twice is stored, answered and acted on once', async () => {
    const chatId = 5002;
    await fake.deliver(textUpdate({ updateId: updateId++, chatId, messageId: 1, text: 'hello' }));
    await eventually(async () => fake.sentTo(chatId).length >= 1, 20_000, 'welcome');
    const message = fake.messagesTo(chatId)[0]!;
    const update = callbackUpdate({ updateId: updateId++, queryId: 'q-twice', chatId, message, label: 'Opening hours' });
    expect(await fake.deliver(update)).toBe(200);
    expect(await fake.deliver(update)).toBe(200);
    await eventually(async () => fake.sentTo(chatId).length >= 3, 20_000, 'answer');
    await new Promise((r) => setTimeout(r, 700)); // a second answer would have arrived by now
    expect(fake.sentTo(chatId).map((b) => b.text)).toEqual([
      expect.stringMatching(/^Hi Ada!/),
      'We are open Mon–Fri 9:00–18:00 and Sat 9:00–12:00.',
      'Anything else?',
    ]);
    expect((await stored(chatId)).filter((m) => m.direction === 'in')).toHaveLength(2);
  });

  it('refuses a wrong or missing secret token with 401 and stores nothing', async () => {
    const chatId = 5003;
    const update = textUpdate({ updateId: updateId++, chatId, messageId: 1, text: 'let me in' });
    expect(await fake.deliver(update, { secret: 'webhook-test-secret-token-0124' })).toBe(401);
    expect(await fake.deliver(update, { secret: null })).toBe(401);
    // A right secret for an account that does not exist gets the same answer.
    expect(await postUpdate(hub.url!, 'other-bot', update, secretToken)).toBe(401);
    await new Promise((r) => setTimeout(r, 500));
    expect(await stored(chatId)).toHaveLength(0);
    expect(fake.sentTo(chatId)).toHaveLength(0);
    expect(logs.some((l) => l.includes('"status":401') && l.includes('request rejected'))).toBe(true);
  });

  it('answers a malformed update with 400 and a log line, and loses nothing after it', async () => {
    const chatId = 5004;
    expect(await postUpdate(hub.url!, account, '{"update_id": 77, "message": ', secretToken)).toBe(400);
    expect(await postUpdate(hub.url!, account, { update_id: 78, message: { message_id: 1, date: 1700000000, text: 'no chat' } }, secretToken)).toBe(400);
    const rejected = logs
      .filter((l) => l.includes('request rejected') && l.includes('"status":400'))
      .map((l) => JSON.parse(l) as { reason: string; path: string });
    expect(rejected.map((l) => l.reason)).toEqual([
      'body is not valid JSON',
      'not a Telegram update: "message.chat": Invalid input: expected object, received undefined',
    ]);
    expect(rejected[0]!.path).toBe('/channels/telegram/shop-bot/webhook');
    // An update of a kind the hub does not read is taken (200) so Telegram does not resend it.
    expect(await fake.deliver({ update_id: updateId++, poll: { id: 'p1', question: 'Q?', options: [] } } as never)).toBe(200);
    expect(await fake.deliver(textUpdate({ updateId: updateId++, chatId, messageId: 1, text: 'still here' }))).toBe(200);
    await eventually(async () => fake.sentTo(chatId).length >= 1, 20_000, 'reply after the bad ones');
    expect((await stored(chatId)).filter((m) => m.direction === 'in').map((m) => m.text)).toEqual(['still here']);
  });

  it('waits out a short 429 retry_after in place and delivers the reply once', async () => {
    const chatId = 5005;
    fake.failNext('sendMessage', { code: 429, retryAfter: 1 }, (body) => body.chat_id === chatId);
    const sentAt = Date.now();
    await fake.deliver(textUpdate({ updateId: updateId++, chatId, messageId: 1, text: 'hi' }));
    await eventually(async () => fake.sentTo(chatId).length >= 1, 20_000, 'reply after the wait');
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1000);
    await new Promise((r) => setTimeout(r, 500));
    expect(fake.sentTo(chatId)).toHaveLength(1);
    const refused = fake.calls.filter((c) => c.method === 'sendMessage' && c.body.chat_id === chatId && c.refused);
    expect(refused.map((c) => c.refused!.error_code)).toEqual([429]);
    // Retried inside the one delivery attempt: the queue saw a success.
    const reply = (await stored(chatId)).find((m) => m.direction === 'out')!;
    expect(reply).toMatchObject({ status: 'sent', attempts: 1, platformId: `${chatId}:1000` });
  });

  it('stores photos and documents as media, and edits as new messages pointing at the original', async () => {
    const chatId = 5006;
    const base = { chat: { id: chatId, type: 'private', first_name: 'Ada' }, from: tgUser(chatId), date: 1700000000 };
    await fake.deliver({
      update_id: updateId++,
      message: {
        ...base,
        message_id: 10,
        photo: [
          { file_id: 'AgAD-small', file_unique_id: 's', width: 90, height: 90 },
          { file_id: 'AgAD-large', file_unique_id: 'l', width: 800, height: 800 },
        ],
        caption: 'broken item',
      },
    } as never);
    await fake.deliver({
      update_id: updateId++,
      message: { ...base, message_id: 11, document: { file_id: 'BQAD-doc', file_unique_id: 'd', file_name: 'invoice.pdf', mime_type: 'application/pdf' } },
    } as never);
    await fake.deliver({ update_id: updateId++, message: { ...base, message_id: 12, text: 'my order is 1234' } } as never);
    await fake.deliver({ update_id: updateId++, edited_message: { ...base, message_id: 12, edit_date: 1700000060, text: 'my order is 12345' } } as never);
    await eventually(async () => (await stored(chatId)).filter((m) => m.direction === 'in').length >= 4, 20_000, 'four messages stored');
    const inbound = (await stored(chatId)).filter((m) => m.direction === 'in');
    expect(
      inbound.map((m) => ({
        text: m.text ?? null,
        media: m.media?.ref ? { kind: m.media.kind, ref: m.media.ref, name: m.media.name ?? null } : null,
        platformId: m.platformId,
        editOf: m.editOf ?? null,
      })),
    ).toEqual([
      { text: 'broken item', media: { kind: 'image', ref: 'AgAD-large', name: null }, platformId: `${chatId}:10`, editOf: null },
      { text: null, media: { kind: 'document', ref: 'BQAD-doc', name: 'invoice.pdf' }, platformId: `${chatId}:11`, editOf: null },
      { text: 'my order is 1234', media: null, platformId: `${chatId}:12`, editOf: null },
      { text: 'my order is 12345', media: null, platformId: expect.stringMatching(new RegExp(`^${chatId}:12:edit:\\d+$`)), editOf: `${chatId}:12` },
    ]);
  });
});
