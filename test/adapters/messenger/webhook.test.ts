import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contact } from '../../../core/store/contact.js';
import { Conversation } from '../../../core/store/conversation.js';
import { contactId } from '../../../core/store/ids.js';
import { Message } from '../../../core/store/message.js';
import { FakeGraph, postWebhook } from '../../fakes/meta-graph.js';
import { cleanup, eventually, startTestHub, testEnv, type TestEnv } from '../../helpers/hub.js';
import { deliveryEvent, echoEvent, imageEvent, pageId, pageInboxAppId, postbackEvent, quickReplyEvent, textEvent, webhookBody } from './events.js';

// The Messenger channel end to end: Meta's webhook in (signed), the example flow, the fake Send API out.
const appSecret = 'messenger-test-app-secret-0123';
const pageAccessToken = 'EAAmessengerTestPageToken0123456';
const verifyToken = 'messenger-verify-token';
const workspace = 'shop';
let graph: FakeGraph;
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
const logs: string[] = [];
let n = 0;
const uid = (tag: string) => `${tag}${Date.now() % 100000}${n++}`;
const webhook = () => `${hub.url}/channels/messenger/shop-page/webhook`;
const post = (body: unknown, secret = appSecret, signature?: string) => postWebhook(webhook(), body, secret, signature);
const stored = (user: string) => Message.find({ workspace, channel: 'messenger', user }).sort({ order: 1 }).lean();
const sent = (user: string) => graph.accepted('messenger', user);
const texts = (user: string) => sent(user).map((r) => (r.body.message as { text: string }).text);

beforeAll(async () => {
  graph = await new FakeGraph({ pageAccessToken }).start();
  // The example flow as shipped (its buttons path needs no order API): its labels fit 20-character buttons.
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-messenger-'));
  writeFileSync(join(dir, 'shop.yaml'), readFileSync('config/flows/shop.yaml', 'utf8'));
  env = testEnv({
    accounts: [],
    channels: {
      [workspace]: {
        messenger: [{ account: 'shop-page', pageId, pageAccessToken, appSecret, verifyToken, graphUrl: graph.url, apiVersion: 'v21.0', timeoutMs: 2000 }],
      },
    },
    flows: { [workspace]: { path: dir, start: 'shop' } },
    pipeline: { outboundBackoffMs: 50 },
  });
  hub = await startTestHub(env, 'all', logs);
});
afterAll(async () => {
  await hub?.stop();
  await graph?.stop();
  if (env) await cleanup(env);
});

describe('messenger webhook verification (GET)', () => {
  const get = (query: string, account = 'shop-page') => fetch(`${hub.url}/channels/messenger/${account}/webhook?${query}`);

  it('echoes the challenge as plain text for the right verify token', async () => {
    const res = await get(`hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=1158201444`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('1158201444');
  });

  it('answers 403 for a wrong token, a wrong mode or an unknown account', async () => {
    expect((await get('hub.mode=subscribe&hub.verify_token=guess-the-token&hub.challenge=1')).status).toBe(403);
    expect((await get(`hub.mode=unsubscribe&hub.verify_token=${verifyToken}&hub.challenge=1`)).status).toBe(403);
    expect((await get(`hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=1`, 'other-page')).status).toBe(403);
    // A mistyped token in the dashboard shows in the log, without the token.
    expect(logs.some((l) => l.includes('webhook verification refused') && l.includes('hub.verify_token does not match'))).toBe(true);
    expect(logs.some((l) => l.includes('guess-the-token'))).toBe(false);
  });
});

describe('the example flow through Messenger', () => {
  it('runs the buttons path with quick replies and a postback; the Send API gets exactly these bodies', async () => {
    const user = uid('psid');
    expect((await post(webhookBody({ events: [textEvent({ user, id: uid('mid.'), text: 'hello' })] }))).status).toBe(200);
    await graph.waitUntil(() => sent(user).length >= 1, 20_000, 'welcome');
    const welcome = sent(user)[0]!;
    expect(welcome.path).toBe('/v21.0/me/messages');
    expect(welcome.query.access_token).toBe(pageAccessToken);
    expect(welcome.query.appsecret_proof).toMatch(/^[0-9a-f]{64}$/);
    expect(welcome.body).toEqual({
      recipient: { id: user },
      messaging_type: 'RESPONSE',
      message: {
        text: "Hi there! I'm the Demo Shop assistant. What can I do for you?",
        quick_replies: [
          { content_type: 'text', title: 'Opening hours', payload: 'hours' },
          { content_type: 'text', title: 'Order status', payload: 'order_status' },
          { content_type: 'text', title: 'Call me back', payload: 'callback' },
          { content_type: 'text', title: 'Talk to a human', payload: 'human' },
        ],
      },
    });

    await post(webhookBody({ events: [quickReplyEvent({ user, id: uid('mid.'), payload: 'hours', title: 'Opening hours' })] }));
    await graph.waitUntil(() => sent(user).length >= 3, 20_000, 'hours');
    expect(
      sent(user)
        .slice(1)
        .map((r) => r.body),
    ).toEqual([
      { recipient: { id: user }, messaging_type: 'RESPONSE', message: { text: 'We are open Mon–Fri 9:00–18:00 and Sat 9:00–12:00.' } },
      {
        recipient: { id: user },
        messaging_type: 'RESPONSE',
        message: {
          text: 'Anything else?',
          quick_replies: [
            { content_type: 'text', title: 'Yes', payload: 'more' },
            { content_type: 'text', title: 'No, thanks', payload: 'done' },
          ],
        },
      },
    ]);

    // A postback (e.g. from a button template or the persistent menu) is a choice too.
    await post(webhookBody({ events: [postbackEvent({ user, id: uid('mid.'), payload: 'more', title: 'Yes' })] }));
    await graph.waitUntil(() => sent(user).length >= 4, 20_000, 'welcome again');
    expect(texts(user)[3]).toBe("Hi there! I'm the Demo Shop assistant. What can I do for you?");

    await post(webhookBody({ events: [quickReplyEvent({ user, id: uid('mid.'), payload: 'human', title: 'Talk to a human' })] }));
    await graph.waitUntil(() => sent(user).length >= 5, 20_000, 'handoff');
    expect(texts(user)[4]).toBe('I am passing you to a colleague; someone will answer here shortly.');

    // A turn sends its replies first and then stores them with its message.
    await eventually(async () => (await stored(user)).filter((m) => m.direction === 'in').length === 4, 10_000, 'messages stored');
    const messages = await stored(user);
    expect(messages.filter((m) => m.direction === 'in').map((m) => [m.text, m.choiceId])).toEqual([
      ['hello', undefined],
      ['Opening hours', 'hours'],
      ['Yes', 'more'],
      ['Talk to a human', 'human'],
    ]);
    await eventually(
      async () => (await stored(user)).filter((m) => m.direction === 'out').every((m) => m.status === 'sent' && m.platformId?.startsWith('m_')),
      10_000,
      'replies sent',
    );
  });
});

describe('messenger webhook POST', () => {
  it('refuses a bad or missing signature with 403 and queues nothing', async () => {
    const user = uid('forged');
    const body = webhookBody({ events: [textEvent({ user, id: uid('mid.'), text: 'let me in' })] });
    const forbidden = { error: 'forbidden', message: 'missing or invalid X-Hub-Signature-256' };
    const wrongSecret = await post(body, 'some-other-app-secret-value');
    expect([wrongSecret.status, JSON.parse(wrongSecret.text)]).toEqual([403, forbidden]);
    expect((await post(body, appSecret, 'sha256=' + '0'.repeat(64))).status).toBe(403);
    expect((await post(body, appSecret, '')).status).toBe(403);
    const res = await fetch(`${hub.url}/channels/messenger/nobody/webhook`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    expect([res.status, await res.json()]).toEqual([403, forbidden]);
    await new Promise((r) => setTimeout(r, 500));
    expect(await stored(user)).toHaveLength(0);
    expect(logs.some((l) => l.includes('"status":403') && l.includes('X-Hub-Signature-256'))).toBe(true);
  });

  it('answers a malformed payload with 400 and a log line, and keeps the good events of a batch', async () => {
    expect((await post('{"object":"page","entry":[')).status).toBe(400);
    expect((await post({ object: 'page', entry: 'nope' })).status).toBe(400);
    expect((await post({ object: 'instagram', entry: [] })).status).toBe(400);
    expect(logs.filter((l) => l.includes('request rejected') && l.includes('"status":400')).length).toBeGreaterThanOrEqual(3);
    expect(logs.some((l) => l.includes('body is not valid JSON'))).toBe(true);

    const user = uid('batch');
    const res = await post(webhookBody({ events: [{ sender: {}, message: { mid: 'broken' } }, textEvent({ user, id: uid('mid.'), text: 'still here' })] }));
    expect(res.status).toBe(200);
    await eventually(async () => (await stored(user)).some((m) => m.text === 'still here'), 20_000, 'good event stored');
    expect(logs.some((l) => l.includes('messenger event skipped'))).toBe(true);
    // Never the body in the logs.
    expect(logs.some((l) => l.includes('still here'))).toBe(false);
  });

  it('ignores every echo of an account without an appId (saying why at start), and stores an image as media', async () => {
    expect(logs.some((l) => l.includes('"account":"shop-page"') && l.includes('has no appId'))).toBe(true);
    const user = uid('echo');
    const image = uid('mid.');
    await post(
      webhookBody({
        events: [
          echoEvent({ user, id: uid('mid.'), text: 'an echo' }),
          echoEvent({ user, id: uid('mid.'), text: 'from the Page inbox', appId: pageInboxAppId }),
          imageEvent({ user, id: image, url: 'https://scontent.example/photo.jpg' }),
        ],
      }),
    );
    await eventually(async () => (await stored(user)).some((m) => m.direction === 'in'), 20_000, 'image stored');
    const inbound = (await stored(user)).filter((m) => m.direction === 'in');
    expect(inbound.map((m) => [m.platformId, m.media?.kind, m.media?.ref])).toEqual([[image, 'image', 'https://scontent.example/photo.jpg']]);
    // Queued before the image, had it been taken for the business writing.
    expect((await stored(user)).filter((m) => m.sender === 'agent')).toEqual([]);
  });

  it("fills a new contact's name from the User Profile API, once per person, and goes on without one when Graph has none", async () => {
    const [known, unknown] = [uid('2610'), uid('2620')];
    graph.profiles.set(known, { first_name: 'Ada', last_name: 'Lovelace' });
    await post(webhookBody({ events: [textEvent({ user: known, id: uid('mid.'), text: 'hi' })] }));
    await post(webhookBody({ events: [textEvent({ user: known, id: uid('mid.'), text: 'again' })] }));
    await post(webhookBody({ events: [textEvent({ user: unknown, id: uid('mid.'), text: 'hi' })] }));
    // The example flow greets by the contact's name.
    await eventually(async () => texts(known).length >= 3 && texts(unknown).length >= 1, 20_000, 'greetings');
    expect(texts(known)[0]).toMatch(/^Hi Ada Lovelace!/);
    expect(texts(unknown)[0]).toMatch(/^Hi there!/);
    expect(graph.profileLookups.filter((p) => p === known)).toHaveLength(1);
    const contact = await Contact.findById(contactId({ workspace, channel: 'messenger', account: 'shop-page', user: known })).lean();
    expect(contact?.name).toBe('Ada Lovelace');
  });

  it('routes the events of one POST to the account of their Page, and ignores Pages not configured', async () => {
    const user = uid('other');
    const res = await post(webhookBody({ page: '999000111', events: [textEvent({ user, id: uid('mid.'), text: 'wrong page', page: '999000111' })] }));
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(await stored(user)).toHaveLength(0);
    expect(logs.some((l) => l.includes('no account of this app is configured for'))).toBe(true);
  });

  it('records delivery reports on the replies they name', async () => {
    const user = uid('delivered');
    await post(webhookBody({ events: [textEvent({ user, id: uid('mid.'), text: 'hi' })] }));
    await graph.waitUntil(() => sent(user).length >= 1, 20_000, 'reply');
    const mid = sent(user)[0]!.id!;
    await eventually(async () => (await stored(user)).some((m) => m.platformId === mid && m.status === 'sent'), 10_000, 'reply recorded');
    await post(webhookBody({ events: [deliveryEvent({ user, mids: [mid] })] }));
    await eventually(async () => (await stored(user)).some((m) => m.platformId === mid && m.status === 'delivered'), 10_000, 'delivered');
  });
});

describe('the 24-hour window', () => {
  it('stores a bot reply that falls outside the window as failed with a clear reason, and does not send it', async () => {
    const user = uid('late');
    // The first attempt fails (the platform is down); by the retry, the contact's last message is 25 hours old.
    graph.failNext({ status: 503, error: { message: 'Service temporarily unavailable', code: 2 } });
    graph.beforeAnswer = async (r) => {
      if ((r.body.recipient as { id: string }).id !== user) return;
      graph.beforeAnswer = undefined;
      // The turn sends before it stores its messages; the conversation it opened is there already.
      await Conversation.updateOne({ workspace, channel: 'messenger', user }, { $set: { lastInboundAt: new Date(Date.now() - 25 * 3600_000) } });
    };
    await post(webhookBody({ events: [textEvent({ user, id: uid('mid.'), text: 'hello' })] }));
    await eventually(async () => (await stored(user)).some((m) => m.direction === 'out' && m.status === 'failed'), 20_000, 'reply failed');
    const failed = (await stored(user)).find((m) => m.direction === 'out')!;
    expect(failed.error?.platformCode).toBe('outside_window');
    expect(failed.error?.retryable).toBe(false);
    expect(failed.error?.message).toMatch(/last wrote 25 hours ago.*only a human agent may reply \(HUMAN_AGENT tag, within 7 days\)/);
    expect(failed.attempts).toBe(2);
    expect(sent(user)).toHaveLength(0);
  });
});
