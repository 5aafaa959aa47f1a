import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contact } from '../../../core/store/contact.js';
import { Message } from '../../../core/store/message.js';
import { FakeBotConnector } from '../../fakes/botframework-connector.js';
import { cleanup, eventually, startTestHub, testEnv, type TestEnv } from '../../helpers/hub.js';

// The example flow over the botframework channel, against a local Bot Connector, plus what
// the conformance suite does not cover: authentication, malformed activities, ignored types.
let connector: FakeBotConnector;
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
const logs: string[] = [];
const appId = '00000000-0000-0000-0000-0000000000aa';
let n = 0;
const uid = (tag: string) => `${tag}-${Date.now() % 100000}-${n++}`;
const endpoint = (account = 'shop-bot') => `${hub.url}/channels/botframework/${account}/api/messages`;
const stored = (user: string) => Message.find({ workspace: 'shop', channel: 'botframework', user }).sort({ order: 1 }).lean();

beforeAll(async () => {
  connector = await new FakeBotConnector().start();
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bf-'));
  writeFileSync(join(dir, 'shop.yaml'), readFileSync('config/flows/shop.yaml', 'utf8'));
  env = testEnv({
    accounts: [],
    channels: {
      shop: {
        botframework: [
          { account: 'shop-bot', emulator: true, timeoutMs: 2000 },
          { account: 'secure-bot', appId, appPassword: 'never-sent-in-tests' },
        ],
      },
    },
    flows: { shop: { path: dir, start: 'shop' } },
  });
  hub = await startTestHub(env, 'all', logs);
});
afterAll(async () => {
  await hub?.stop();
  await connector?.stop();
  if (env) await cleanup(env);
});

describe('the example flow through Web Chat', () => {
  it('greets by name with suggested actions, follows a tap, and replies to each activity it answers', async () => {
    const conversationId = uid('conv');
    const say = async (id: string, text: string) =>
      expect(await connector.deliver(endpoint(), connector.message({ conversationId, userId: 'user-ada', name: 'Ada', locale: 'en-US', id, text }))).toBe(200);

    await say('act-1', 'hello');
    await eventually(async () => connector.delivered(conversationId).length >= 1, 20_000, 'welcome');
    const party = {
      from: { id: 'switchboard-bot', name: 'Switchboard' },
      recipient: { id: 'user-ada', name: 'Ada' },
      conversation: { id: conversationId },
      channelId: 'webchat',
      serviceUrl: connector.url,
      locale: 'en-US',
      textFormat: 'plain',
      type: 'message',
    };
    const imBack = (title: string) => ({ type: 'imBack', title, value: title });
    expect(connector.delivered(conversationId)).toEqual([
      {
        ...party,
        replyToId: 'act-1',
        text: "Hi Ada! I'm the Demo Shop assistant. What can I do for you?",
        suggestedActions: { to: ['user-ada'], actions: ['Opening hours', 'Order status', 'Call me back', 'Talk to a human'].map(imBack) },
      },
    ]);
    expect(connector.calls.filter((c) => c.conversationId === conversationId).map((c) => [c.replyToId, c.authorization])).toEqual([['act-1', undefined]]);

    await say('act-2', 'Opening hours');
    await eventually(async () => connector.delivered(conversationId).length >= 3, 20_000, 'hours');
    expect(connector.delivered(conversationId).slice(1)).toEqual([
      { ...party, replyToId: 'act-2', text: 'We are open Mon–Fri 9:00–18:00 and Sat 9:00–12:00.' },
      { ...party, replyToId: 'act-2', text: 'Anything else?', suggestedActions: { to: ['user-ada'], actions: ['Yes', 'No, thanks'].map(imBack) } },
    ]);

    await say('act-3', 'No, thanks');
    await eventually(async () => connector.delivered(conversationId).length >= 4, 20_000, 'goodbye');
    expect(connector.delivered(conversationId)[3]).toEqual({ ...party, replyToId: 'act-3', text: 'Thank you and have a nice day!' });
    expect(connector.calls.filter((c) => c.replyToId && c.conversationId === conversationId).map((c) => c.replyToId)).toEqual([
      'act-1',
      'act-2',
      'act-2',
      'act-3',
    ]);

    const contact = await Contact.findOne({ workspace: 'shop', channel: 'botframework', user: conversationId }).lean();
    expect([contact?.name, contact?.locale]).toEqual(['Ada', 'en-US']);
    const messages = await stored(conversationId);
    expect(messages.filter((m) => m.direction === 'in').map((m) => m.text)).toEqual(['hello', 'Opening hours', 'No, thanks']);
    await eventually(async () => (await stored(conversationId)).every((m) => m.direction === 'in' || m.status === 'sent'), 10_000, 'replies sent');
  });

  it('takes a card button value {choice} as the choice itself', async () => {
    const conversationId = uid('card');
    await connector.deliver(endpoint(), connector.message({ conversationId, userId: 'user-bo', id: 'c-1', text: 'hi' }));
    await eventually(async () => connector.delivered(conversationId).length >= 1, 20_000, 'welcome');
    await connector.deliver(endpoint(), connector.message({ conversationId, userId: 'user-bo', id: 'c-2', value: { choice: 'hours' } }));
    await eventually(async () => connector.delivered(conversationId).length >= 2, 20_000, 'hours');
    expect(connector.delivered(conversationId)[1]!.text).toBe('We are open Mon–Fri 9:00–18:00 and Sat 9:00–12:00.');
  });

  it('gives each member of a group conversation a contact of their own, answering in the group', async () => {
    const conversationId = uid('group');
    await connector.deliver(endpoint(), connector.message({ conversationId, isGroup: true, userId: 'member-1', id: 'g-1', text: 'hi' }));
    await connector.deliver(endpoint(), connector.message({ conversationId, isGroup: true, userId: 'member-2', id: 'g-2', text: 'hi' }));
    await eventually(async () => connector.delivered(conversationId).length >= 2, 20_000, 'two welcomes');
    expect(
      connector
        .delivered(conversationId)
        .map((a) => (a.recipient as { id: string }).id)
        .sort(),
    ).toEqual(['member-1', 'member-2']);
    expect(await stored(`${conversationId}/member-1`)).not.toHaveLength(0);
    expect(await stored(`${conversationId}/member-2`)).not.toHaveLength(0);
  });
});

describe('inbound requests', () => {
  const deliverSecure = (activity: unknown, headers: Record<string, string> = {}) => connector.deliver(endpoint('secure-bot'), activity, headers);

  it('with an app id, refuses missing, malformed and foreign tokens with 401 and queues nothing, without calling Microsoft', async () => {
    const conversationId = uid('forged');
    // A token no Bot Framework issuer signed is refused before any key is fetched.
    const foreign = [
      { alg: 'HS256', typ: 'JWT' },
      { iss: 'https://issuer.example', aud: appId, exp: Math.floor(Date.now() / 1000) + 600 },
    ]
      .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
      .join('.');
    const statuses = [
      await deliverSecure(connector.message({ conversationId, userId: 'u', id: 'f-1', text: 'no token' })),
      await deliverSecure(connector.message({ conversationId, userId: 'u', id: 'f-2', text: 'basic' }), { authorization: 'Basic dXNlcjpwYXNz' }),
      await deliverSecure(connector.message({ conversationId, userId: 'u', id: 'f-3', text: 'junk' }), { authorization: 'Bearer not-a-jwt' }),
      await deliverSecure(connector.message({ conversationId, userId: 'u', id: 'f-4', text: 'foreign' }), { authorization: `Bearer ${foreign}.c2lnbmF0dXJl` }),
    ];
    expect(statuses).toEqual([401, 401, 401, 401]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await stored(conversationId)).toHaveLength(0);
    expect(connector.delivered(conversationId)).toHaveLength(0);
    expect(logs.filter((l) => l.includes('"status":401') && l.includes('secure-bot'))).toHaveLength(4);
  });

  it('keeps messages of different conversations apart when their activity ids are equal (Teams ids are timestamps)', async () => {
    const [a, b] = [uid('same-id-a'), uid('same-id-b')];
    await connector.deliver(endpoint(), connector.message({ conversationId: a, userId: 'ua', id: '1594142624212', text: 'hi' }));
    await connector.deliver(endpoint(), connector.message({ conversationId: b, userId: 'ub', id: '1594142624212', text: 'hi' }));
    await eventually(async () => connector.delivered(a).length >= 1 && connector.delivered(b).length >= 1, 20_000, 'both answered');
    expect([connector.delivered(a)[0]!.replyToId, connector.delivered(b)[0]!.replyToId]).toEqual(['1594142624212', '1594142624212']);
  });

  it('in emulator mode refuses activities asking for replies to another host, storing nothing', async () => {
    const conversationId = uid('ssrf');
    const activity = { ...connector.message({ conversationId, userId: 'u', id: 's-1', text: 'hi' }), serviceUrl: 'http://169.254.169.254/latest/' };
    const res = await fetch(endpoint(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    expect([res.status, await res.json()]).toEqual([
      403,
      { error: 'forbidden', message: 'emulator mode takes only activities whose serviceUrl is on this machine' },
    ]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await stored(conversationId)).toHaveLength(0);
  });

  it('answers unknown accounts like bad tokens', async () => {
    expect(await connector.deliver(endpoint('no-such-bot'), connector.message({ conversationId: uid('x'), userId: 'u', id: 'x', text: 'hi' }))).toBe(401);
  });

  it('refuses malformed activities with 400 and a log line, and keeps serving', async () => {
    const conversationId = uid('malformed');
    const good = connector.message({ conversationId, userId: 'u', id: 'm-ok', text: 'hello' });
    const { conversation: _c, ...noConversation } = good;
    const cases: [unknown, string][] = [
      ['{"type": "message", "text": ', 'body is not valid JSON'],
      ['[1, 2]', 'expected an activity object'],
      [{ ...good, type: undefined }, '"type": expected the activity type'],
      [noConversation, '"conversation.id": expected the conversation id'],
      [{ ...good, id: undefined }, '"id": expected the activity id'],
      [{ ...good, serviceUrl: 'file:///etc/passwd' }, '"serviceUrl": expected an http(s) URL'],
    ];
    for (const [body, reason] of cases) {
      const before = logs.length;
      expect(await connector.deliver(endpoint(), body)).toBe(400);
      const line = logs
        .slice(before)
        .map((l) => JSON.parse(l) as { msg: string; reason?: string; status?: number })
        .find((l) => l.msg === 'request rejected');
      expect(line).toMatchObject({ status: 400, reason });
    }
    expect(logs.join('\n')).not.toContain('hello');
    expect(await connector.deliver(endpoint(), good)).toBe(200);
    await eventually(async () => connector.delivered(conversationId).length >= 1, 20_000, 'the next good activity is answered');
    expect((await stored(conversationId)).filter((m) => m.direction === 'in')).toHaveLength(1);
  });

  it('acknowledges conversationUpdate, typing and empty messages with 200 and stores nothing', async () => {
    const conversationId = uid('quiet');
    const base = connector.message({ conversationId, userId: 'u', id: 'q-1' });
    expect(await connector.deliver(endpoint(), { ...base, type: 'conversationUpdate', membersAdded: [{ id: 'u' }, { id: 'switchboard-bot' }] })).toBe(200);
    expect(await connector.deliver(endpoint(), { ...base, id: 'q-2', type: 'typing' })).toBe(200);
    expect(await connector.deliver(endpoint(), { ...base, id: 'q-3' })).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(await stored(conversationId)).toHaveLength(0);
    expect(connector.delivered(conversationId)).toHaveLength(0);
  });
});

describe('outbound failures', () => {
  it('waits out a 429 in the queue, not in the SDK: one throttled call, then one delivery after Retry-After', async () => {
    const conversationId = uid('throttled');
    connector.throttleNext(1);
    const sentAt = Date.now();
    await connector.deliver(endpoint(), connector.message({ conversationId, userId: 'u', id: 't-1', text: 'hi' }));
    await eventually(async () => connector.delivered(conversationId).length >= 1, 20_000, 'the reply after the wait');
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(900);
    await new Promise((r) => setTimeout(r, 500));
    expect(connector.calls.filter((c) => c.conversationId === conversationId).map((c) => c.status)).toEqual([429, 200]);
    // Two attempts of the queue: the SDK's own retry policy (which would wait inside one attempt) is off.
    const replies = (await stored(conversationId)).filter((m) => m.direction === 'out');
    expect(replies.map((m) => [m.status, m.attempts])).toEqual([['sent', 2]]);
  });

  it('stores 404 ConversationNotFound on the reply and does not retry it', async () => {
    const conversationId = uid('gone');
    connector.refuseNext({ status: 404, code: 'ConversationNotFound', message: 'Conversation not found.' });
    await connector.deliver(endpoint(), connector.message({ conversationId, userId: 'u', id: 'n-1', text: 'hi' }));
    await eventually(async () => (await stored(conversationId)).some((m) => m.status === 'failed'), 20_000, 'failed reply');
    const failed = (await stored(conversationId)).find((m) => m.status === 'failed')!;
    expect([failed.error?.platformCode, failed.error?.retryable, failed.attempts]).toEqual(['ConversationNotFound', false, 1]);
    expect(connector.calls.filter((c) => c.conversationId === conversationId)).toHaveLength(1);
  });
});
