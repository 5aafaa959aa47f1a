import { join } from 'node:path';
import { expect, it } from 'vitest';
import { setWebhook, telegramAccount } from '../../adapters/telegram/commands.js';
import { Conversation } from '../../core/store/conversation.js';
import { Lead } from '../../core/store/lead.js';
import { FakeTelegram, fakeBotInfo, textUpdate, tgUser } from '../fakes/telegram-api.js';
import { agentHub } from '../helpers/agent-hub.js';
import { eventually } from '../helpers/hub.js';

// Outside opening hours a handoff takes the offline path: the contact hears when people answer,
// their next message is taken as a lead and acknowledged, and the conversation waits for the
// morning, handed to nobody even with an agent online.

const day = 24 * 3600_000;
const utcDay = (offset: number) => new Date(Date.now() + offset * day).toISOString().slice(0, 10);
// Open around the clock, but today and tomorrow are holidays: people answer from the day after, 00:00 UTC.
const hours = {
  timeZone: 'UTC',
  weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['00:00-24:00']])),
  holidays: [utcDay(0), utcDay(1)],
};
const opens = new Date(`${utcDay(2)}T00:00:00Z`).toLocaleDateString('en', { weekday: 'long', timeZone: 'UTC' });
const closedText = `We are closed right now and will answer from ${opens} 00:00. Leave us a message here and we will get back to you.`;

let telegram: FakeTelegram;
const chat = agentHub({
  secret: 'offline-api-secret-012345',
  agents: [
    { email: 'anna@shop.example', displayName: 'Anna', role: 'agent' },
    { email: 'olga@shop.example', displayName: 'Olga', role: 'admin' },
  ],
  env: {
    flows: { shop: { path: join(import.meta.dirname, 'routing-flows'), start: 'support' } },
    workspaces: { shop: { teams: [{ id: 'support', assignment: 'auto' }], hours } },
  },
  before: async () => {
    telegram = await new FakeTelegram().start();
    return {
      channels: {
        shop: {
          telegram: [{ account: 'shop-bot', token: telegram.token, secretToken: 'offline-telegram-secret-0123', apiRoot: telegram.url, botInfo: fakeBotInfo }],
        },
      },
    };
  },
  after: async () => telegram?.stop(),
});

it('tells an api-channel contact when people answer, takes their next message as a lead, and assigns nobody while closed', async () => {
  // Anna is in the support team, and online.
  const annaId = ((await chat.api('Anna', '/agents')).body.agents as { id: string; displayName: string }[]).find((a) => a.displayName === 'Anna')!.id;
  expect((await chat.api('Olga', `/agents/${annaId}/routing`, { teams: ['support'] })).status).toBe(200);
  expect((await chat.api('Anna', '/presence', { active: true })).body.presence).toBe('online');
  await chat.write('vera', 'hello');
  await chat.until('vera', 2);
  expect(chat.received('vera')).toEqual(['Passing you to a colleague.', closedText]);
  await chat.write('vera', 'Please call me back about my order 1234');
  await chat.until('vera', 3);
  expect(chat.received('vera')[2]).toBe('Thank you! We will get back to you as soon as we can.');
  const conversation = (await Conversation.findOne({ user: 'vera' }).lean())!;
  expect(conversation).toMatchObject({ status: 'waiting', team: 'support', offline: 'message' });
  expect(await Lead.find({ conversation: conversation._id }).lean()).toMatchObject([
    { form: 'offline', fields: { message: 'Please call me back about my order 1234' } },
  ]);

  // Later messages are only stored, for the agent who answers in the morning.
  await chat.write('vera', 'Anyone?');
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(chat.received('vera')).toHaveLength(3);
  expect(await Lead.countDocuments({ conversation: conversation._id })).toBe(1);
  // An online agent of the team gets nothing while it is closed; it waits in the queue.
  expect((await Conversation.findById(conversation._id).lean())?.assignee).toBeUndefined();
  const waiting = (await chat.api('Anna', '/conversations?view=waiting')).body.conversations as { id: string }[];
  expect(waiting.map((c) => c.id)).toContain(String(conversation._id));
});

it('takes the same path on Telegram', async () => {
  await setWebhook(telegramAccount(chat.env.config, 'shop-bot'), chat.url());
  const chatId = 8801;
  const from = tgUser(chatId, { first_name: 'Ada', language_code: 'en' });
  const texts = () => telegram.sentTo(chatId).map((m) => String(m.text));
  expect(await telegram.deliver(textUpdate({ updateId: 1, chatId, messageId: 1, text: 'hello', from }))).toBe(200);
  await eventually(async () => texts().length >= 2, 10_000, 'the handoff and the closed notice');
  expect(texts()).toEqual(['Passing you to a colleague.', closedText]);
  expect(await telegram.deliver(textUpdate({ updateId: 2, chatId, messageId: 2, text: 'Do you ship to Brno?', from }))).toBe(200);
  await eventually(async () => texts().length >= 3, 10_000, 'the acknowledgement');
  expect(texts()[2]).toBe('Thank you! We will get back to you as soon as we can.');
  expect(await Lead.find({ channel: 'telegram' }).lean()).toMatchObject([{ form: 'offline', fields: { message: 'Do you ship to Brno?' } }]);
});
