import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setWebhook, telegramAccount } from '../../adapters/telegram/commands.js';
import { addAgent } from '../../core/agents/accounts.js';
import type { InboxSummary } from '../../core/agents/inbox-summary.js';
import { runRetention } from '../../core/privacy/retention.js';
import { Contact } from '../../core/store/contact.js';
import { Conversation } from '../../core/store/conversation.js';
import { ConversationNote } from '../../core/store/conversation-note.js';
import { Message } from '../../core/store/message.js';
import { AuditEntry } from '../../core/store/audit-entry.js';
import { FakeTelegram, fakeBotInfo, textUpdate } from '../fakes/telegram-api.js';
import { signInAgent } from '../helpers/agent.js';
import { runCli } from '../helpers/cli.js';
import { cleanup, eventually, postApi, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';
import { Receiver } from '../helpers/receiver.js';

// The console's inbox (docs/console-api.md) on a running hub: conversations handed off by the
// support flow on the api channel and Telegram, agents of two workspaces, the real Redis and FerretDB.
const secret = 'inbox-api-secret-0123';
const otherSecret = 'inbox-other-secret-0123';
const apiKey = 'inbox-admin-key-0123456789';
const password = 'correct horse battery staple';
const telegramSecret = 'inbox-telegram-secret-token-0123';
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
let receiver: Receiver;
let telegram: FakeTelegram;
let subscriber: Redis;
const published: { t: string; conversation: InboxSummary }[] = [];
const cookies: Record<string, string> = {};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
const request = async (method: 'GET' | 'POST', path: string, options: { as?: string; key?: string; body?: unknown } = {}) => {
  const headers: Record<string, string> = { origin: hub.url! };
  if (options.as) headers.cookie = cookies[options.as]!;
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (method === 'POST') headers['content-type'] = 'application/json';
  const res = await fetch(`${hub.url}/api${path}`, { method, headers, ...(method === 'POST' ? { body: JSON.stringify(options.body ?? {}) } : {}) });
  return { status: res.status, body: (await res.json()) as Json };
};
const get = (path: string, as = 'anna') => request('GET', path, { as });
const post = (path: string, as = 'anna', body?: unknown) => request('POST', path, { as, body });
/** The ids a view lists, first page. */
const listed = async (query: string, as = 'anna') => {
  const res = await get(`/conversations?${query}`, as);
  expect(res.status).toBe(200);
  return (res.body.conversations as InboxSummary[]).map((c) => c.id);
};
const summaryIn = async (query: string, id: string, as = 'anna') =>
  ((await get(`/conversations?${query}&limit=100`, as)).body.conversations as InboxSummary[]).find((c) => c.id === id);

const write = (user: string, text: string, name?: string) =>
  postApi(hub.url!, 'shop-app', { id: randomUUID(), user, text, ...(name ? { name } : {}) }, { secret });
const received = (user: string) => receiver.replies.filter((r) => r.user === user).map((r) => r.text);
const repliesTo = (user: string, count: number) => eventually(async () => received(user).length >= count, 10_000, `${count} replies to ${user}`);
const conversationOf = async (user: string) => String((await Conversation.findOne({ user }).sort({ createdAt: -1 }).lean())!._id);
/** A contact's conversation handed off to people by the support flow. */
async function handedOff(user: string, name?: string): Promise<string> {
  await write(user, 'hello', name);
  await repliesTo(user, 1);
  await write(user, 'I need a human');
  await repliesTo(user, 2);
  const id = await conversationOf(user);
  await eventually(async () => (await listed('view=waiting&limit=100')).includes(id), 10_000, 'the conversation in waiting');
  return id;
}

beforeAll(async () => {
  receiver = await new Receiver(secret).start();
  telegram = await new FakeTelegram().start();
  const flows = { path: join(import.meta.dirname, 'flows'), start: 'support' };
  env = testEnv({
    accounts: [
      { workspace: 'shop', account: 'shop-app', secret, webhookUrl: receiver.url },
      { workspace: 'other', account: 'other-app', secret: otherSecret, webhookUrl: receiver.url },
    ],
    channels: {
      shop: { telegram: [{ account: 'shop-bot', token: telegram.token, secretToken: telegramSecret, apiRoot: telegram.url, botInfo: fakeBotInfo }] },
    },
    flows: { shop: flows, other: flows },
    apiKeys: { shop: [apiKey] },
    privacy: { shop: { retention: { conversations: '12mo' } } },
    extra: { console: { secureCookie: false } },
  });
  hub = await startTestHub(env);
  await setWebhook(telegramAccount(env.config, 'shop-bot'), hub.url!);
  for (const [workspace, email, displayName] of [
    ['shop', 'anna@shop.example', 'Anna'],
    ['shop', 'bob@shop.example', 'Bob'],
    ['other', 'olaf@other.example', 'Olaf'],
  ] as const) {
    await addAgent({ workspace, email, displayName, role: 'agent', password, actor: 'test' });
    cookies[displayName.toLowerCase()] = await signInAgent(hub.url!, email, password, workspace);
  }
  // What the console's WebSocket would forward: the summaries published on the workspace's channel.
  subscriber = new Redis(env.redisUrl);
  subscriber.on('message', (_channel, message) => published.push(JSON.parse(message) as (typeof published)[number]));
  await subscriber.subscribe(`${env.prefix}:console:shop`);
});
afterAll(async () => {
  subscriber?.disconnect();
  await hub?.stop();
  await receiver?.stop();
  await telegram?.stop();
  if (env) await cleanup(env);
});

it('a handoff puts the conversation in waiting and open, with what the inbox shows, and publishes it', async () => {
  const id = await handedOff('eva', 'Eva');
  const summary = await summaryIn('view=waiting', id);
  expect(summary).toMatchObject({
    id,
    channel: 'api',
    account: 'shop-app',
    status: 'waiting',
    contact: { name: 'Eva' },
    lastMessage: { text: 'I need a human', sender: 'contact' },
    unread: 2,
  });
  expect(Date.parse(summary!.waitingSince!)).toBe(Date.parse(summary!.lastMessageAt!));
  expect(await listed('view=open&limit=100')).toContain(id);
  expect(await listed('view=mine')).not.toContain(id);
  await eventually(
    async () => published.some((p) => p.t === 'conversation' && p.conversation.id === id && p.conversation.status === 'waiting'),
    5000,
    'the event',
  );
  expect(published.find((p) => p.conversation.id === id && p.conversation.status === 'waiting')!.conversation).toEqual(summary);
  // The bot's handoff is on the conversation's timeline.
  expect((await get(`/conversations/${id}`)).body.events).toEqual([{ kind: 'handed_off', actor: 'bot', at: expect.any(String) }]);
});

it('take moves it to the agent’s mine and out of waiting; a contact’s message raises unread and puts it on top of open; read resets it', async () => {
  const id = await handedOff('fred', 'Fred');
  expect((await post(`/conversations/${id}/take`)).status).toBe(200);
  expect(await listed('view=mine')).toContain(id);
  expect(await listed('view=mine', 'bob')).not.toContain(id);
  expect(await listed('view=waiting&limit=100')).not.toContain(id);
  expect(await summaryIn('view=open', id)).toMatchObject({
    status: 'agent',
    assignee: { name: 'Anna' },
    lastMessage: { text: 'Anna joined the chat.', sender: 'system' },
  });

  await write('gina', 'hello');
  await repliesTo('gina', 1);
  const gina = await conversationOf('gina');
  await eventually(async () => (await listed('view=open'))[0] === gina, 10_000, 'a newer conversation on top');
  await write('fred', 'are you there?');
  await eventually(async () => (await listed('view=open'))[0] === id, 10_000, 'Fred back on top');
  expect(await summaryIn('view=mine', id)).toMatchObject({ unread: 3, lastMessage: { text: 'are you there?', sender: 'contact' } });

  expect(await post(`/conversations/${id}/read`)).toMatchObject({ status: 200, body: { unread: 0 } });
  expect((await summaryIn('view=mine', id))!.unread).toBe(0);
  await write('fred', 'hello?');
  await eventually(async () => (await summaryIn('view=mine', id))?.unread === 1, 10_000, 'one unread again');
  // An agent's reply is the preview now; it is not unread.
  expect((await post(`/conversations/${id}/messages`, 'anna', { text: 'Yes, Anna here.' })).status).toBe(200);
  expect(await summaryIn('view=mine', id)).toMatchObject({ unread: 1, lastMessage: { text: 'Yes, Anna here.', sender: 'agent' } });
  expect(await AuditEntry.find({ target: id }).sort({ at: 1 }).lean()).toMatchObject([
    { action: 'conversation.taken', actor: expect.stringMatching(/^agent:ag_/) },
    { action: 'conversation.read' },
    { action: 'conversation.agent_reply' },
  ]);
});

it('close puts it in closed; reopen puts it back in waiting, and the contact’s next message comes back to it', async () => {
  const id = await handedOff('hugo');
  expect((await post(`/conversations/${id}/take`)).status).toBe(200);
  expect((await post(`/conversations/${id}/close`)).status).toBe(200);
  expect(await listed('view=closed')).toContain(id);
  for (const view of ['open', 'waiting', 'mine']) expect(await listed(`view=${view}&limit=100`)).not.toContain(id);
  expect((await post(`/conversations/${id}/reopen`, 'bob')).status).toBe(200);
  expect(await post(`/conversations/${id}/reopen`, 'bob')).toMatchObject({ status: 409 });
  expect(await summaryIn('view=waiting', id)).toMatchObject({ status: 'waiting' });
  expect(await listed('view=closed&limit=100')).not.toContain(id);

  await write('hugo', 'one more thing');
  await eventually(
    async () => (await summaryIn('view=waiting', id))?.lastMessage?.text === 'one more thing',
    10_000,
    'the message in the reopened conversation',
  );
  const { body } = await get(`/conversations/${id}`);
  expect(body.events.map((e: Json) => [e.kind, e.actor])).toEqual([
    ['handed_off', 'bot'],
    ['taken', 'Anna'],
    ['closed', 'Anna'],
    ['reopened', 'Bob'],
  ]);
});

it('reopen leaves the contact’s newer open conversation where it is', async () => {
  const id = await handedOff('ines');
  expect((await post(`/conversations/${id}/close`)).status).toBe(200);
  await write('ines', 'hello again');
  await repliesTo('ines', 3);
  const newer = await conversationOf('ines');
  expect(newer).not.toBe(id);
  expect(await post(`/conversations/${id}/reopen`)).toMatchObject({ status: 200, body: { pointer: false } });
  expect(String((await Contact.findOne({ user: 'ines' }).lean())!.openConversation)).toBe(newer);
});

it('filters by channel: a Telegram conversation is listed with channel=telegram only', async () => {
  expect(await telegram.deliver(textUpdate({ updateId: 1, chatId: 7001, messageId: 1, text: 'hello' }))).toBe(200);
  await eventually(async () => telegram.sentTo(7001).length >= 1, 10_000, 'the bot’s question on Telegram');
  const id = String((await Conversation.findOne({ channel: 'telegram' }).lean())!._id);
  await eventually(async () => (await listed('view=open&channel=telegram')).includes(id), 10_000, 'the Telegram conversation');
  const telegramOnly = await listed('view=open&channel=telegram&limit=100');
  expect(telegramOnly).toEqual([id]);
  expect(await listed('view=open&channel=api&limit=100')).not.toContain(id);
  expect((await listed('view=open&limit=100')).length).toBeGreaterThan(telegramOnly.length);
  expect(await listed('view=open&channel=whatsapp')).toEqual([]);
});

it('pages through a view with its cursor: every conversation once, also when one moves to the top meanwhile', async () => {
  for (const user of ['p1', 'p2', 'p3', 'p4', 'p5']) await write(user, 'hello');
  await eventually(async () => (await Conversation.countDocuments({ user: /^p\d$/ })) === 5, 10_000, 'five conversations');
  const all = await listed('view=open&limit=100');
  const ids: string[] = [];
  let next: string | undefined;
  let pages = 0;
  do {
    const page = await get(`/conversations?view=open&limit=2${next ? `&before=${next}` : ''}`);
    expect(page.status).toBe(200);
    ids.push(...(page.body.conversations as InboxSummary[]).map((c) => c.id));
    next = page.body.next;
    if (++pages === 2) {
      // The oldest conversation gets a message: it moves above the cursor, the others stay where they were.
      await postApi(hub.url!, 'shop-app', { id: randomUUID(), user: 'eva', text: 'still waiting' }, { secret });
      await eventually(async () => (await listed('view=open'))[0] === (await conversationOf('eva')), 10_000, 'Eva on top');
    }
  } while (next);
  // Nothing twice, nothing that stayed where it was skipped (Eva's moved above the pages still to come: she may be missing).
  expect(new Set(ids).size).toBe(ids.length);
  const eva = await conversationOf('eva');
  expect(all.filter((id) => id !== eva && !ids.includes(id))).toEqual([]);
  expect(ids.every((id) => all.includes(id))).toBe(true);
  expect((await get('/conversations?view=open&limit=101')).status).toBe(400);
  expect((await get('/conversations?view=open&before=nonsense')).status).toBe(400);
  expect((await get('/conversations?view=everything')).status).toBe(400);
  expect((await request('GET', '/conversations?view=mine', { key: apiKey })).status).toBe(403);
});

it('another workspace’s agent gets 404 for the conversation and never sees it in a list', async () => {
  const id = await conversationOf('eva');
  expect((await get(`/conversations/${id}`, 'olaf')).status).toBe(404);
  for (const action of ['notes', 'read', 'reopen', 'take', 'close'])
    expect((await post(`/conversations/${id}/${action}`, 'olaf', { text: 'hi' })).status, action).toBe(404);
  for (const view of ['open', 'waiting', 'closed', 'mine']) expect(await listed(`view=${view}&limit=100`, 'olaf'), view).toEqual([]);
  expect((await get(`/conversations/${id}`, 'anna')).status).toBe(200);
});

it('notes are listed with their author and never reach the contact', async () => {
  const id = await conversationOf('fred');
  expect((await post(`/conversations/${id}/notes`, 'bob', { text: 'Regular customer, be quick.' })).status).toBe(200);
  expect((await post(`/conversations/${id}/notes`, 'bob', { text: '  ' })).status).toBe(400);
  expect((await request('POST', `/conversations/${id}/notes`, { key: apiKey, body: { text: 'from a key' } })).status).toBe(403);
  // The conversation's next message goes out after the note; the contact gets that, never the note.
  expect((await post(`/conversations/${id}/messages`, 'anna', { text: 'Your parcel left today.' })).status).toBe(200);
  await eventually(async () => received('fred').includes('Your parcel left today.'), 10_000, 'the agent’s reply');
  expect(received('fred').join('\n')).not.toContain('Regular customer');
  expect(await Message.countDocuments({ text: /Regular customer/ })).toBe(0);

  const { body } = await get(`/conversations/${id}`);
  expect(body.notes).toEqual([
    { id: expect.any(String), author: { id: expect.stringMatching(/^ag_/), name: 'Bob' }, text: 'Regular customer, be quick.', at: expect.any(String) },
  ]);
});

it('shows a conversation: messages oldest first with their state, events by agents’ names, the contact panel; never an agent’s e-mail', async () => {
  const id = await conversationOf('fred');
  const { status, body } = await get(`/conversations/${id}`);
  expect(status).toBe(200);
  expect(body.conversation).toMatchObject({ id, status: 'agent', assignee: { name: 'Anna' }, restricted: false });
  expect(body.messages.map((m: Json) => [m.sender, m.text])).toEqual([
    ['contact', 'hello'],
    ['bot', 'What is it about?'],
    ['contact', 'I need a human'],
    ['bot', 'Passing you to a colleague.'],
    ['system', 'Anna joined the chat.'],
    ['contact', 'are you there?'],
    ['contact', 'hello?'],
    ['agent', 'Yes, Anna here.'],
    ['agent', 'Your parcel left today.'],
  ]);
  expect(body.messages[1]).toMatchObject({ status: 'sent', at: expect.any(String) });
  expect(body.messages.at(-1)).toMatchObject({ senderName: 'Anna' });
  expect(body.contact).toMatchObject({ name: 'Fred', identities: ['api:shop-app:fred'], typed: {}, leads: [] });
  expect(JSON.stringify(body)).not.toMatch(/@shop\.example/);
});

it('rebuild restores the sets after they are deleted', async () => {
  const before = { open: await listed('view=open&limit=100'), closed: await listed('view=closed&limit=100'), mine: await listed('view=mine&limit=100') };
  const redis = new Redis(env.redisUrl);
  try {
    const keys = await redis.keys(`${env.prefix}:inbox:shop:*`);
    expect(keys.length).toBeGreaterThan(3);
    await redis.del(...keys);
    expect(await listed('view=open')).toEqual([]);
    const rebuilt = await runCli('inbox', 'rebuild', '--workspace', 'shop', '--config', env.configFile);
    expect(rebuilt.stdout).toMatch(/^shop: \d+ conversation\(s\) indexed\n$/);
    expect({ open: await listed('view=open&limit=100'), closed: await listed('view=closed&limit=100'), mine: await listed('view=mine&limit=100') }).toEqual(
      before,
    );
  } finally {
    redis.disconnect();
  }
});

it('erasure and retention take the conversations out of every set; a note is exported with the person and erased with them', async () => {
  const eva = await conversationOf('eva');
  expect((await post(`/conversations/${eva}/notes`, 'bob', { text: 'Eva prefers e-mail.' })).status).toBe(200);
  const exported = await request('POST', '/privacy/export', { key: apiKey, body: { identifier: 'api:shop-app:eva' } });
  const noted = (exported.body as { conversations: { id: string; notes: { text: string }[] }[] }).conversations.find((c) => c.id === eva);
  expect(noted?.notes.map((n) => n.text)).toEqual(['Eva prefers e-mail.']);
  const erased = await request('POST', '/privacy/erase', { key: apiKey, body: { identifier: 'api:shop-app:eva', confirm: true } });
  expect(erased.status).toBe(200);
  expect(await ConversationNote.countDocuments({ workspace: 'shop', conversation: eva })).toBe(0);
  for (const view of ['open', 'waiting', 'closed']) expect(await listed(`view=${view}&limit=100`)).not.toContain(eva);
  const redis = new Redis(env.redisUrl);
  try {
    expect(await redis.hexists(`${env.prefix}:inbox:shop:where`, eva)).toBe(0);

    // Two years on, the 12-month policy takes every conversation of the workspace, notes too.
    expect(await ConversationNote.countDocuments({ workspace: 'shop' })).toBeGreaterThan(0);
    await runRetention({ config: env.config, redis, queues: hub.queues, trigger: 'cli', asOf: new Date(Date.now() + 730 * 24 * 3600_000) });
    expect(await Conversation.find({ workspace: 'shop' }, { user: 1, status: 1, channel: 1, lastMessageAt: 1 }).lean()).toEqual([]);
    expect(await ConversationNote.countDocuments({ workspace: 'shop' })).toBe(0);
    for (const view of ['open', 'waiting', 'closed', 'mine']) expect(await listed(`view=${view}&limit=100`), view).toEqual([]);
    expect(await redis.hlen(`${env.prefix}:inbox:shop:where`)).toBe(0);
    const left = await redis.keys(`${env.prefix}:inbox:shop:*`);
    expect(left).toEqual([]);
  } finally {
    redis.disconnect();
  }
});
