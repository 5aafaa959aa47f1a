import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setWebhook, telegramAccount } from '../../adapters/telegram/commands.js';
import { builtinRegistry } from '../../adapters/index.js';
import { dataMap } from '../../core/privacy/data-map.js';
import { PrivacyOperations } from '../../core/privacy/operations.js';
import { mailboxKey, Queues } from '../../core/queue/queues.js';
import { ConsentEvent } from '../../core/store/consent.js';
import { Contact } from '../../core/store/contact.js';
import { Conversation } from '../../core/store/conversation.js';
import { Lead } from '../../core/store/lead.js';
import { Message } from '../../core/store/message.js';
import { PrivacyRequest } from '../../core/store/privacy-request.js';
import { FakeTelegram, fakeBotInfo, textUpdate, tgUser } from '../fakes/telegram-api.js';
import { cleanup, eventually, postApi, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';
import { Receiver } from '../helpers/receiver.js';
import { scanEverywhere } from '../helpers/scanner.js';
import { reportRow } from '../helpers/reliability-row.js';
import { freePort, WidgetClient } from '../widget/helpers.js';

// One person on three channels, linked by what they typed: the widget's pre-chat e-mail, a lead
// on Telegram with that e-mail and their phone, a lead on the api channel with the same phone.
const secret = 'erasure-api-secret-0123456';
const adminKey = 'erasure-admin-key-0123456789';
const crmSecret = 'erasure-crm-secret-0123456';
const chatId = 777000123;
const bystander = 888000456;
const apiUser = 'ada-app-31337';
const phrase = 'purple-giraffe-42';
let fake: FakeTelegram;
let replies: Receiver;
let crm: Receiver;
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
let visitor: string;
const logs: string[] = [];
let updateId = 1;

const admin = async (path: string, body?: unknown) => {
  const res = await fetch(`${hub.url}/api${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
};
const telegram = async (chat: number, text: string, from = tgUser(chat, { first_name: 'Ada', last_name: 'Lovelace' })) => {
  const before = fake.sentTo(chat).length;
  expect(await fake.deliver(textUpdate({ updateId: updateId++, chatId: chat, messageId: updateId, text, from }))).toBe(200);
  await eventually(async () => fake.sentTo(chat).length > before, 20_000, `a reply to "${text}"`);
};
const api = async (user: string, text: string) => {
  const before = replies.replies.filter((r) => r.user === user).length;
  expect((await postApi(hub.url!, 'shop-app', { id: randomUUID(), user, text }, { secret })).status).toBe(202);
  await eventually(async () => replies.replies.filter((r) => r.user === user).length > before, 20_000, `a reply to "${text}"`);
};

beforeAll(async () => {
  fake = await new FakeTelegram().start();
  replies = await new Receiver(secret).start();
  crm = await new Receiver(crmSecret).start();
  // The first lead's post fails for good (one attempt): its failed job stays in Redis.
  let posts = 0;
  crm.respond = () => (++posts === 1 ? 500 : 200);
  const port = await freePort();
  env = testEnv({
    accounts: [{ workspace: 'shop', account: 'shop-app', secret, webhookUrl: replies.url }],
    channels: {
      shop: {
        telegram: [{ account: 'shop-bot', token: fake.token, secretToken: 'erasure-telegram-secret-01', apiRoot: fake.url, botInfo: fakeBotInfo }],
        widget: [
          {
            account: 'shop',
            secret: 'erasure-widget-secret-0123456',
            allowedOrigins: [`http://127.0.0.1:${port}`],
            prechat: {
              enabled: true,
              fields: [
                { name: 'name', label: 'Name', type: 'text', required: false },
                { name: 'email', label: 'E-mail', type: 'email', required: true },
              ],
            },
          },
        ],
      },
    },
    privacy: { shop: { notice: { version: 'n1', text: 'We keep what you write to answer you.' }, pseudonymKey: 'erasure-pseudonym-key-0123456789' } },
    flows: { shop: { path: join(import.meta.dirname, 'flows'), start: 'contact' } },
    crm: { shop: { webhookUrl: crm.url, secret: crmSecret } },
    apiKeys: { shop: [adminKey] },
    pipeline: { outboundAttempts: 1 },
    extra: { server: { port } },
  });
  hub = await startTestHub(env, 'all', logs);
  await setWebhook(telegramAccount(env.config, 'shop-bot'), hub.url!);

  const widget = await new WidgetClient(hub.url!, { origin: `http://127.0.0.1:${port}` }).open();
  visitor = widget.visitor!.split('.')[0]!; // the token is the id and its signature
  const prechat = randomUUID();
  widget.send({ t: 'form', id: prechat, form: 'prechat', fields: { name: 'Ada Lovelace', email: 'ada@example.com' } });
  await widget.until(() => widget.frames.some((f) => f.t === 'ack' && f.id === prechat), 'the pre-chat form stored');
  await widget.sendText(`hello, ${phrase}`);
  // The flow's form arrives.
  await widget.until(() => widget.replies().some((m) => m.text === 'A few questions.'), 'the form');
  widget.close();

  await telegram(chatId, phrase);
  await telegram(chatId, 'ada@example.com');
  await telegram(chatId, '+420 601 123 456');
  await api(apiUser, phrase);
  await api(apiUser, 'ada.work@example.org');
  await api(apiUser, '+420601123456');
  await telegram(bystander, 'hello from bob', tgUser(bystander, { first_name: 'Bob' }));
  await eventually(async () => (await Lead.countDocuments({ workspace: 'shop' })) === 2, 10_000, 'both leads');
  await eventually(async () => (await Lead.countDocuments({ 'crm.status': { $in: ['sent', 'failed'] } })) === 2, 10_000, 'both CRM posts');
}, 120_000);
afterAll(async () => {
  await hub?.stop();
  await fake?.stop();
  await replies?.stop();
  await crm?.stop();
  if (env) await cleanup(env);
});

it('finds every identity of the person by any identifier, and asks before erasing', async () => {
  for (const identifier of [
    'email:Ada@EXAMPLE.com',
    'phone:00420 601 123 456',
    `telegram:shop-bot:${chatId}`,
    `visitor:${visitor}`,
    `api:shop-app:${apiUser}`,
  ]) {
    const found = await admin('/privacy/find', { identifier });
    expect(found.status, identifier).toBe(200);
    expect(found.body.identities.map((i: { identity: string }) => i.identity).sort(), identifier).toEqual(
      [`api:shop-app:${apiUser}`, `telegram:shop-bot:${chatId}`, `widget:shop:${visitor}`].sort(),
    );
  }
  const unknown = await admin('/privacy/find', { identifier: 'email:nobody@example.com' });
  expect(unknown).toMatchObject({ status: 404, body: { error: 'not_found' } });
  expect(unknown.body.message).toMatch(/nobody .* email:nobody@example.com; nothing was changed/);
  expect((await admin('/privacy/find', { identifier: 'phone:12' })).status).toBe(400);
  expect(await admin('/privacy/find', {})).toMatchObject({ status: 400, body: { error: 'bad_request' } });
  const anonymous = await fetch(`${hub.url}/api/privacy/find`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"identifier":"email:ada@example.com"}',
  });
  expect(anonymous.status).toBe(401);

  const unconfirmed = await admin('/privacy/erase', { identifier: 'email:ada@example.com' });
  expect(unconfirmed.status).toBe(409);
  expect(unconfirmed.body.identities).toHaveLength(3);
  expect(await Contact.countDocuments({ workspace: 'shop' })).toBe(4);
});

it('erases them from every collection, every Redis key and the CRM, keeps consent proof pseudonymised, and leaves the bystander', async () => {
  const contacts = (await Contact.find({ user: { $in: [String(chatId), apiUser, visitor] } }).lean()).map((c) => c._id);
  const conversations = (await Conversation.find({ contact: { $in: contacts } }).lean()).map((c) => String(c._id));
  const leads = (await Lead.find({ contact: { $in: contacts } }).lean()).map((l) => l._id);
  expect(leads).toHaveLength(2);
  const personal = [
    'ada@example.com',
    'ada.work@example.org',
    '+420601123456',
    '420601123456',
    '601 123 456',
    'Ada Lovelace',
    phrase,
    String(chatId),
    apiUser,
    visitor,
  ];
  const derived = [
    ...contacts,
    ...conversations,
    ...leads,
    ...[`telegram:shop-bot:${chatId}`, `api:shop-app:${apiUser}`, `widget:shop:${visitor}`].map((a) => keyOf(a)),
  ];
  const scan = () => scanEverywhere({ mongoUri: env.mongoUri, redisUrl: env.redisUrl, prefix: env.prefix, needles: [...personal, ...derived] });
  const before = await scan();
  // The scanner sees them where they are: a failed CRM job, a reminder, the messages.
  expect(before.some((t) => t.where.startsWith('redis:') && t.where.includes(':crm:'))).toBe(true);
  expect(before.some((t) => t.where.startsWith('redis:') && t.where.includes(':turns:idle_') && t.needle === String(chatId))).toBe(true);
  expect(before.some((t) => t.where.startsWith('mongodb:messages/') && t.needle === phrase)).toBe(true);

  const erased = await admin('/privacy/erase', { identifier: `telegram:shop-bot:${chatId}`, confirm: true });
  expect(erased.status).toBe(200);
  expect(erased.body.receipt).toMatchObject({ 'mongodb:contacts': 3, 'mongodb:conversations': 3, 'mongodb:leads': 2 });
  expect(erased.body.receipt['mongodb:messages']).toBeGreaterThan(6);

  // The CRM was told, signed, with the ids it had (its notice then leaves Redis too).
  await eventually(async () => crm.replies.some((r) => (r as { event?: string }).event === 'erasure'), 10_000, 'the erasure notice');
  const notice = crm.replies.find((r) => (r as { event?: string }).event === 'erasure') as unknown as { leads: string[]; signatureValid: boolean };
  expect(notice.signatureValid).toBe(true);
  expect(notice.leads.sort()).toEqual([...leads].sort());

  // (The notice's job leaves Redis as it completes, a moment after the CRM answered.)
  await eventually(async () => (await scan()).length === 0, 5000, 'nothing of theirs left').catch(() => undefined);
  const left = await scan();
  reportRow('erasure leaves no trace', {
    messages: before.length,
    notes: [`traces of the person before erasure: ${before.length} (MongoDB, Redis, CRM jobs); after: ${left.length}`],
  });
  expect(left).toEqual([]);
  const logged = logs.flatMap((line, i) => personal.filter((n) => line.toLowerCase().includes(n.toLowerCase())).map((n) => `log ${i + 1}: ${n}`));
  expect(logged).toEqual([]);

  // Consent proof stays, under a pseudonym: what was shown, the answer, when.
  const proof = await ConsentEvent.find({ workspace: 'shop', anonymisedAt: { $exists: true } }).lean();
  expect(proof.length).toBeGreaterThanOrEqual(2); // the notice shown on Telegram and on the api channel
  expect(proof.every((e) => e.user.startsWith('anon_') && e.contact.startsWith('anon_'))).toBe(true);
  // The bystander is untouched.
  expect(await Message.countDocuments({ user: String(bystander) })).toBeGreaterThan(0);

  // Logged with its deadline, and in the audit log, under the pseudonym only.
  const { body } = await admin('/privacy/requests');
  expect(body.requests[0]).toMatchObject({ kind: 'erase', status: 'done', handledBy: expect.stringMatching(/^key:/), overdue: false });
  expect(new Date(body.requests[0].dueAt).getTime() - new Date(body.requests[0].receivedAt).getTime()).toBeGreaterThan(27 * 24 * 3600_000);
  const audit = await admin('/audit');
  expect(audit.body.entries.map((e: { action: string }) => e.action)).toContain('privacy.erase');

  // Again: nobody is known by it any more, and nothing changes.
  expect((await admin('/privacy/erase', { identifier: 'email:ada@example.com', confirm: true })).status).toBe(404);
});

it('finishes an erasure a crash interrupted half-way, from what it stored before starting', async () => {
  const user = 'crash-victim-4242';
  await api(user, 'remember me: tangerine-owl-7');
  await api(user, 'eve@example.net');
  await api(user, '+420 602 222 333');
  const redis = new Redis(env.redisUrl, { maxRetriesPerRequest: null });
  const queues = new Queues({ connection: redis, prefix: env.prefix, outboundAttempts: 1 });
  const registry = builtinRegistry();
  const privacy = new PrivacyOperations({ config: env.config, redis, queues, contracts: dataMap(registry), channelModels: registry.collections().models });
  try {
    // Stop after the conversations went and before the leads: the lead that linked the phone is still there, the contact too.
    const crashing = new PrivacyOperations({
      config: env.config,
      redis,
      queues,
      contracts: dataMap(registry),
      channelModels: registry.collections().models,
      afterStep: (step) => {
        if (step === 'conversations') throw new Error('crash');
      },
    });
    await expect(crashing.erase('shop', 'phone:+420602222333', 'test')).rejects.toThrow('crash');
    expect(await PrivacyRequest.countDocuments({ kind: 'erase', status: 'in_progress' })).toBe(1);
    expect(await Contact.countDocuments({ user })).toBe(1);
    expect(await privacy.resumeErasures('test')).toHaveLength(1);
    const left = await scanEverywhere({
      mongoUri: env.mongoUri,
      redisUrl: env.redisUrl,
      prefix: env.prefix,
      needles: [user, 'tangerine-owl-7', 'eve@example.net', '+420602222333'],
    });
    expect(left).toEqual([]);
    expect(await PrivacyRequest.countDocuments({ kind: 'erase', status: 'in_progress' })).toBe(0);
  } finally {
    await queues.close();
    await redis.quit();
  }
});

/** The mailbox key of an address given as `<channel>:<account>:<user>`. */
function keyOf(address: string): string {
  const [channel, account, user] = address.split(':') as [string, string, string];
  return mailboxKey({ workspace: 'shop', channel, account, user });
}
