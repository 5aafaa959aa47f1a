import { createHash } from 'node:crypto';
import { conformanceSuite, type ConformanceHarness } from '../conformance.js';
import { callbackUpdate, FakeTelegram, fakeBotInfo, postUpdate, textUpdate } from '../../fakes/telegram-api.js';

// The hub behind Telegram: updates POSTed to its webhook as Telegram would, replies at a fake Bot API.
const secretToken = 'conformance-telegram-secret_0123';
const account = 'conf-bot';
let fake: FakeTelegram;
let updateId = 1;

/** Chat ids are integers; the suite's users are strings, so each maps to a stable number. */
const chatOf = (user: string) => chatIds.get(user) ?? chatIds.set(user, 100_000 + chatIds.size).get(user)!;
const chatIds = new Map<string, number>();
const userOf = (chatId: string) => [...chatIds].find(([, id]) => String(id) === chatId)?.[0];
/** A redelivered update is the same update: the same message id for the same suite id. */
const messageIdOf = (id: string) => createHash('sha256').update(id).digest().readUInt32BE(0);

const deliver = async (hubUrl: string, update: unknown) => {
  const status = await postUpdate(hubUrl, account, update, secretToken);
  if (status !== 200) throw new Error(`hub answered ${status}`);
};

/**
 * Telegram chat ids are integers, the suite's users are words: `platformUser` tells the suite
 * which stored user (chat id) a suite user became, to look up its messages and consents.
 */
const harness: ConformanceHarness & { platformUser(user: string): string } = {
  channel: 'telegram',
  platformUser: (user) => String(chatOf(user)),
  async setup() {
    fake = await new FakeTelegram().start();
    return { accounts: [{ account, token: fake.token, secretToken, apiRoot: fake.url, botInfo: fakeBotInfo, maxRetryAfterSeconds: 0 }] };
  },
  async teardown() {
    await fake?.stop();
  },
  async sendText(hubUrl, m) {
    const chatId = chatOf(m.user);
    await deliver(hubUrl, textUpdate({ updateId: messageIdOf(m.id), chatId, messageId: messageIdOf(m.id), text: m.text }));
  },
  async sendChoice(hubUrl, m) {
    const chatId = chatOf(m.user);
    const withKeyboard = fake
      .sentTo(chatId)
      .filter((b) => b.reply_markup)
      .at(-1);
    if (!withKeyboard) throw new Error('no message with buttons was sent to this chat');
    // The message as Telegram stored it: what a callback_query carries.
    const message = { message_id: 1, chat: { id: chatId, type: 'private' }, date: 0, text: withKeyboard.text, reply_markup: withKeyboard.reply_markup };
    await deliver(hubUrl, callbackUpdate({ updateId: updateId++, queryId: `q${m.id}`, chatId, message, label: m.label }));
  },
  received: (user) =>
    fake
      .callsOf('sendMessage')
      .filter((c) => userOf(String(c.body.chat_id)) === user)
      .map(({ body }) => {
        const keyboard = (body.reply_markup as { inline_keyboard?: { text: string }[][] } | undefined)?.inline_keyboard;
        return { text: String(body.text), ...(keyboard ? { choices: keyboard.flat().map((b) => b.text) } : {}) };
      }),
  forged: async (hubUrl, m) =>
    postUpdate(hubUrl, account, textUpdate({ updateId: updateId++, chatId: chatOf(m.user), messageId: 1, text: m.text }), 'not-the-secret-token-0000'),
  malformed: async (hubUrl) => postUpdate(hubUrl, account, '{"update_id": 1, "message": {"chat": ', secretToken),
  // maxRetryAfterSeconds 0: every 429 goes through the queue's account pause, the path a long wait takes.
  throttleNextSend: (seconds) => fake.failNext('sendMessage', { code: 429, retryAfter: seconds }),
  refuseNextSend: () => {
    fake.failNext('sendMessage', { code: 403 });
    return '403';
  },
};

conformanceSuite(harness);
