import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setWebClientFactory } from '../../../adapters/whatsapp/web/index.js';
import { GridFsSessionStore, sessionName } from '../../../adapters/whatsapp/web/session-store.js';
import { Contact } from '../../../core/store/contact.js';
import { Conversation } from '../../../core/store/conversation.js';
import { ConversationEvent } from '../../../core/store/conversation-event.js';
import { Message } from '../../../core/store/message.js';
import { cleanup, eventually, startTestHub, testEnv, type TestEnv } from '../../helpers/hub.js';
import { fakeNumber, FakeWhatsApp, messageEvent } from './fake-whatsapp.js';

const account = 'shop-wa';
const fake = new FakeWhatsApp();
const logs: string[] = [];
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
let restore: () => void;
let dataPath: string;
let n = 0;
const user = () => `42060${Date.now() % 1_000_000}${n++}@c.us`;
const sentTo = (chatId: string) => fake.sent.filter((s) => s.chatId === chatId).map((s) => s.text);
const logged = (text: string) => logs.some((l) => l.includes(text));
const stored = (from: string) => Message.find({ workspace: 'shop', channel: 'whatsapp', user: from }).sort({ order: 1 }).lean();
/** Sends `text` from `from` through the live client and waits for the auto-reply. */
async function roundTrip(from: string, text: string): Promise<void> {
  await eventually(async () => fake.live(account)?.ready === true, 10_000, 'a ready client');
  const before = sentTo(from).length;
  fake.incoming(account, { from, id: `3EB0${n++}`, text });
  await eventually(async () => sentTo(from).length > before, 10_000, 'the reply');
}
/** RemoteAuth saving a session, as `switchboard whatsapp login` ends. */
async function saveSession(content: string): Promise<void> {
  writeFileSync(join(dataPath, `${sessionName(account)}.zip`), content);
  await new GridFsSessionStore({ dataPath }).save({ session: sessionName(account) });
}

beforeAll(async () => {
  restore = setWebClientFactory(fake.factory);
  dataPath = mkdtempSync(join(tmpdir(), 'wweb-session-'));
  env = testEnv({
    accounts: [],
    channels: { shop: { whatsapp: [{ account, transport: 'web', dataPath, reconnect: { minMs: 50, maxMs: 400 }, sessionPollMs: 100 }] } },
    autoReply: { shop: 'Thanks, we read you.' },
    pipeline: { outboundBackoffMs: 100, outboundAttempts: 10 },
  });
  hub = await startTestHub(env, 'all', logs);
});
afterAll(async () => {
  await hub?.stop();
  restore?.();
  if (env) await cleanup(env);
  if (dataPath) rmSync(dataPath, { recursive: true, force: true });
});

describe('whatsapp web: the client behind the transport', () => {
  it("answers a one-to-one chat with the contact's WhatsApp name on file, and records read receipts", async () => {
    const from = user();
    await eventually(async () => fake.live(account)?.ready === true, 10_000, 'a ready client');
    fake.incoming(account, { from, id: '3EB0NAME', text: 'hello', name: 'Ada Lovelace' });
    await eventually(async () => sentTo(from).length === 1, 10_000, 'the reply');
    const [reply] = fake.sent.filter((s) => s.chatId === from);
    const contact = await Contact.findOne({ workspace: 'shop', channel: 'whatsapp', user: from }).lean();
    expect(contact?.name).toBe('Ada Lovelace');
    expect(reply!.text).toBe('Thanks, we read you.');
    const stored = await Message.findOne({ workspace: 'shop', channel: 'whatsapp', user: from, direction: 'out' }).lean();
    await eventually(async () => (await Message.findById(stored!._id).lean())?.status === 'sent', 5_000, 'reply marked sent');
    expect((await Message.findById(stored!._id).lean())?.platformId).toBe(reply!.id);

    fake.live(account)!.emit('message_ack', { id: { _serialized: reply!.id }, fromMe: true }, 3);
    await eventually(async () => (await Message.findById(stored!._id).lean())?.status === 'read', 5_000, 'read receipt');
  });

  it('skips groups, status updates and its own messages, and logs and skips a malformed event without crashing', async () => {
    const client = fake.live(account)!;
    const from = user();
    client.emit('message', messageEvent({ from: '120363025555555555@g.us', id: 'G1', text: 'group hello' }));
    client.emit('message', messageEvent({ from: 'status@broadcast', id: 'S1', text: 'my status' }));
    client.emit('message', messageEvent({ from, id: 'ME1', text: 'typed on the phone', fromMe: true }));
    client.emit('message', {});
    client.emit('message', { id: {}, from, body: 'no id', type: 'chat' });
    await eventually(async () => logs.filter((l) => l.includes('without the expected fields')).length >= 2, 5_000, 'malformed events logged');
    expect(logs.find((l) => l.includes('without the expected fields'))).toContain('"reason":"id:');
    await roundTrip(from, 'still there?');
    expect(
      await Message.find({
        workspace: 'shop',
        channel: 'whatsapp',
        direction: 'in',
        user: { $in: [from, 'status@broadcast', '120363025555555555@g.us'] },
      }).lean(),
    ).toHaveLength(1);
  });

  it("changes nothing for the hub's own replies, which WhatsApp reports back as this number's messages", async () => {
    const from = user();
    // The fake reports each reply as `fromMe` before sendMessage resolves, as whatsapp-web.js may.
    await roundTrip(from, 'one');
    await eventually(async () => (await stored(from)).some((m) => m.sender === 'bot' && m.status === 'sent'), 5_000, 'the reply recorded');
    await roundTrip(from, 'two');
    expect(sentTo(from)).toEqual(['Thanks, we read you.', 'Thanks, we read you.']);
    expect((await Conversation.findOne({ workspace: 'shop', user: from }).lean())?.status).toBe('bot');
    expect((await stored(from)).map((m) => m.sender)).toEqual(['contact', 'bot', 'contact', 'bot']);
  });

  it('hands the conversation to people when someone types to the contact on the phone; the bot stays silent after', async () => {
    const from = user();
    await roundTrip(from, 'hello');
    await eventually(async () => (await stored(from)).some((m) => m.sender === 'bot' && m.status === 'sent'), 5_000, 'the reply recorded');
    // A late report of the hub's own reply, then a message typed on the phone.
    const reply = fake.sent.find((s) => s.chatId === from)!;
    fake
      .live(account)!
      .emit('message_create', { ...messageEvent({ from: fakeNumber, to: from, id: 'X', text: reply.text, fromMe: true }), id: { _serialized: reply.id } });
    fake.fromPhone(account, { to: from, id: '3EB0PHONE', text: 'Hi, Jana from the shop here.' });
    await eventually(async () => (await stored(from)).length === 3, 10_000, 'the phone’s message stored');
    expect((await stored(from)).map((m) => [m.direction, m.sender, m.text])).toEqual([
      ['in', 'contact', 'hello'],
      ['out', 'bot', 'Thanks, we read you.'],
      ['out', 'agent', 'Hi, Jana from the shop here.'],
    ]);
    expect((await stored(from))[2]).toMatchObject({ senderName: 'Business device', platformId: `true_${from}_3EB0PHONE` });
    const conversation = (await Conversation.findOne({ workspace: 'shop', user: from }).lean())!;
    expect(conversation.status).toBe('agent');
    expect((await ConversationEvent.find({ conversation: conversation._id }).lean()).map((e) => [e.kind, e.actor])).toEqual([['taken', 'echo:whatsapp']]);

    fake.incoming(account, { from, id: '3EB0AFTER', text: 'thank you' });
    await eventually(async () => (await stored(from)).some((m) => m.text === 'thank you' && m.status === 'processed'), 10_000, 'the next message handled');
    expect((await stored(from)).find((m) => m.text === 'thank you')?.replies).toBe(0);
    expect(sentTo(from)).toEqual(['Thanks, we read you.']);
  });

  it('re-initializes after `disconnected`, and a reply sent meanwhile fails as retryable and arrives once ready', async () => {
    const from = user();
    await roundTrip(from, 'first');
    const first = fake.live(account)!;
    fake.nextStarts.push('manual');
    fake.incoming(account, { from, id: `3EB0${n++}`, text: 'during the drop' });
    first.emit('disconnected', 'CONFLICT');
    expect(first.destroyed).toBe(true);
    await eventually(async () => fake.live(account) !== undefined && fake.live(account) !== first, 5_000, 'a new client');
    const second = fake.live(account)!;
    expect(second.initialized).toBe(true);
    await eventually(
      async () =>
        (await Message.find({ workspace: 'shop', user: from, direction: 'out' }).lean()).some(
          (m) => m.error?.platformCode === 'SESSION_NOT_READY' && m.status === 'queued',
        ),
      10_000,
      'a retryable failure while reconnecting',
    );
    second.becomeReady();
    await eventually(async () => sentTo(from).length === 2, 10_000, 'the reply after reconnecting');
    await roundTrip(from, 'and after');
    expect(sentTo(from)).toHaveLength(3);
    expect(logged('WhatsApp Web disconnected; reconnecting')).toBe(true);
  });

  it('stops retrying after `auth_failure` with a clear log line, and starts again once a new login is saved', async () => {
    await saveSession('session before the failure');
    const failing = fake.live(account)!;
    const clients = fake.clients.length;
    failing.emit('auth_failure', 'Unable to log in. Are the session details valid?');
    expect(failing.destroyed).toBe(true);
    await new Promise((r) => setTimeout(r, 800)); // eight polls and a reconnect backoff: nothing may restart
    expect(fake.clients).toHaveLength(clients);
    expect(logged(`run \`switchboard whatsapp login ${account}\``)).toBe(true);

    await saveSession('session after login');
    await roundTrip(user(), 'back again');
    expect(fake.clients).toHaveLength(clients + 1);
  });

  it('waits for a login after LOGOUT from the phone, and on a start that shows a QR code', async () => {
    const clients = fake.clients.length;
    fake.nextStarts.push('qr');
    fake.live(account)!.emit('disconnected', 'LOGOUT');
    await saveSession('a login that turns out unusable');
    await eventually(async () => fake.clients.length === clients + 1, 5_000, 'the new session tried');
    await eventually(async () => fake.clients.every((c) => c.destroyed), 5_000, 'the QR client closed');
    await new Promise((r) => setTimeout(r, 500));
    expect(fake.clients).toHaveLength(clients + 1);
    expect(logged(`is not linked: run \`switchboard whatsapp login ${account}\``)).toBe(true);
    expect(logged('was logged out on the phone')).toBe(true);

    await saveSession('a good login');
    await roundTrip(user(), 'linked again');
  });
});
