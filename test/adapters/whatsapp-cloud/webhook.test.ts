import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contact } from '../../../core/store/contact.js';
import { Conversation } from '../../../core/store/conversation.js';
import { Message } from '../../../core/store/message.js';
import { FakeGraph, postWebhook } from '../../fakes/meta-graph.js';
import { cleanup, eventually, startTestHub, testEnv, type TestEnv } from '../../helpers/hub.js';
import { buttonReply, imageMessage, listReply, phoneNumberId, status, textMessage, webhookBody } from './events.js';

// WhatsApp over the Cloud API end to end: Meta's webhook in (signed), the example flow, the fake Graph API out.
const appSecret = 'whatsapp-test-app-secret-0123';
const accessToken = 'EAAwhatsappTestAccessToken012345';
const verifyToken = 'whatsapp-verify-token';
const workspace = 'shop';
let graph: FakeGraph;
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
const logs: string[] = [];
let n = 0;
/** A WhatsApp id (the contact's phone number), unique per test. */
const waId = () => `4206${String(Date.now() % 100000).padStart(5, '0')}${String(n++).padStart(3, '0')}`;
const wamid = () => `wamid.HBgL${Date.now()}${n++}`;
const webhook = () => `${hub.url}/channels/whatsapp/shop-wa/webhook`;
const post = (body: unknown, secret = appSecret, signature?: string) => postWebhook(webhook(), body, secret, signature);
const stored = (user: string) => Message.find({ workspace, channel: 'whatsapp', user }).sort({ order: 1 }).lean();
const sent = (user: string) => graph.accepted('whatsapp', user);

beforeAll(async () => {
  graph = await new FakeGraph({ whatsapp: { accessToken, phoneNumberId } }).start();
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-whatsapp-'));
  writeFileSync(join(dir, 'shop.yaml'), readFileSync('config/flows/shop.yaml', 'utf8'));
  env = testEnv({
    accounts: [],
    channels: {
      [workspace]: {
        whatsapp: [
          {
            account: 'shop-wa',
            transport: 'cloud',
            phoneNumberId,
            accessToken,
            appSecret,
            verifyToken,
            graphUrl: graph.url,
            apiVersion: 'v21.0',
            timeoutMs: 2000,
          },
        ],
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

describe('whatsapp webhook verification (GET)', () => {
  const get = (query: string) => fetch(`${hub.url}/channels/whatsapp/shop-wa/webhook?${query}`);

  it('echoes the challenge as plain text for the right verify token, 403 otherwise', async () => {
    const ok = await get(`hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=87654321`);
    expect([ok.status, ok.headers.get('content-type')?.split(';')[0], await ok.text()]).toEqual([200, 'text/plain', '87654321']);
    expect((await get('hub.mode=subscribe&hub.verify_token=wrong-token-here&hub.challenge=1')).status).toBe(403);
    expect((await get(`hub.verify_token=${verifyToken}&hub.challenge=1`)).status).toBe(403);
  });
});

describe('the example flow through WhatsApp', () => {
  it('runs the buttons path: a list for four choices, reply buttons for two; the profile name greets; exact bodies at the API', async () => {
    const user = waId();
    const first = wamid();
    expect((await post(webhookBody({ messages: [textMessage({ user, id: first, text: 'hello' })], names: { [user]: 'Ada Lovelace' } }))).status).toBe(200);
    await graph.waitUntil(() => sent(user).length >= 1, 20_000, 'welcome');
    const welcome = sent(user)[0]!;
    expect(welcome.path).toBe(`/v21.0/${phoneNumberId}/messages`);
    expect(welcome.authorization).toBe(`Bearer ${accessToken}`);
    expect(welcome.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: user,
      type: 'interactive',
      interactive: {
        type: 'list',
        body: { text: "Hi Ada Lovelace! I'm the Demo Shop assistant. What can I do for you?" },
        action: {
          button: 'Choose',
          sections: [
            {
              rows: [
                { id: 'hours', title: 'Opening hours' },
                { id: 'order_status', title: 'Order status' },
                { id: 'callback', title: 'Call me back' },
                { id: 'human', title: 'Talk to a human' },
              ],
            },
          ],
        },
      },
    });

    await post(webhookBody({ messages: [listReply({ user, id: wamid(), choiceId: 'hours', title: 'Opening hours' })] }));
    await graph.waitUntil(() => sent(user).length >= 3, 20_000, 'hours');
    expect(
      sent(user)
        .slice(1)
        .map((r) => r.body),
    ).toEqual([
      {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: user,
        type: 'text',
        text: { body: 'We are open Mon–Fri 9:00–18:00 and Sat 9:00–12:00.', preview_url: false },
      },
      {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: user,
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: 'Anything else?' },
          action: {
            buttons: [
              { type: 'reply', reply: { id: 'more', title: 'Yes' } },
              { type: 'reply', reply: { id: 'done', title: 'No, thanks' } },
            ],
          },
        },
      },
    ]);

    await post(webhookBody({ messages: [buttonReply({ user, id: wamid(), choiceId: 'done', title: 'No, thanks' })] }));
    await graph.waitUntil(() => sent(user).length >= 4, 20_000, 'bye');
    expect(sent(user)[3]!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: user,
      type: 'text',
      text: { body: 'Thank you and have a nice day!', preview_url: false },
    });

    // A turn sends its replies first and then stores them with its message.
    await eventually(async () => (await stored(user)).filter((m) => m.direction === 'in').length === 3, 10_000, 'messages stored');
    const inbound = (await stored(user)).filter((m) => m.direction === 'in');
    expect(inbound.map((m) => [m.platformId, m.text, m.choiceId])).toEqual([
      [first, 'hello', undefined],
      [inbound[1]!.platformId, 'Opening hours', 'hours'],
      [inbound[2]!.platformId, 'No, thanks', 'done'],
    ]);
    expect((await Contact.findOne({ workspace, channel: 'whatsapp', user }).lean())?.name).toBe('Ada Lovelace');
  });
});

describe('whatsapp webhook POST', () => {
  it('refuses a bad or missing signature with 403 and queues nothing', async () => {
    const user = waId();
    const body = webhookBody({ messages: [textMessage({ user, id: wamid(), text: 'let me in' })] });
    expect((await post(body, 'some-other-app-secret-value')).status).toBe(403);
    expect((await post(body, appSecret, '')).status).toBe(403);
    await new Promise((r) => setTimeout(r, 500));
    expect(await stored(user)).toHaveLength(0);
  });

  it('answers a malformed payload with 400 and a log line; a bad part of a batch is skipped, the rest kept', async () => {
    expect((await post('{"object":"whatsapp_business_account"')).status).toBe(400);
    expect((await post({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: 'x' }] })).status).toBe(400);
    expect(logs.some((l) => l.includes('request rejected') && l.includes('"status":400') && l.includes('changes'))).toBe(true);

    const user = waId();
    const image = wamid();
    const res = await post(
      webhookBody({ messages: [{ type: 'text', id: 'no-sender' }, imageMessage({ user, id: image, mediaId: '1479537139650973', caption: 'my receipt' })] }),
    );
    expect(res.status).toBe(200);
    await eventually(async () => (await stored(user)).some((m) => m.direction === 'in'), 20_000, 'image stored');
    const [stored0] = (await stored(user)).filter((m) => m.direction === 'in');
    expect([stored0!.platformId, stored0!.text, stored0!.media?.kind, stored0!.media?.ref, stored0!.media?.mimeType]).toEqual([
      image,
      'my receipt',
      'image',
      '1479537139650973',
      'image/jpeg',
    ]);
    expect(logs.some((l) => l.includes('whatsapp webhook part skipped') && l.includes('messages.0'))).toBe(true);
    expect(logs.some((l) => l.includes('my receipt'))).toBe(false);
  });
});

describe('delivery statuses', () => {
  it('sent → delivered → read updates our reply; a late delivered changes nothing; failed stores the error', async () => {
    const user = waId();
    await post(webhookBody({ messages: [textMessage({ user, id: wamid(), text: 'hello' })] }));
    await graph.waitUntil(() => sent(user).length >= 1, 20_000, 'welcome');
    const id = sent(user)[0]!.id!;
    const reply = async () => (await stored(user)).find((m) => m.platformId === id);
    await eventually(async () => (await reply())?.status === 'sent', 10_000, 'reply sent');

    await post(webhookBody({ statuses: [status({ id, user, status: 'sent' }), status({ id, user, status: 'delivered' })] }));
    await eventually(async () => (await reply())?.status === 'delivered', 10_000, 'delivered');
    await post(webhookBody({ statuses: [status({ id, user, status: 'read' })] }));
    await eventually(async () => (await reply())?.status === 'read', 10_000, 'read');
    await post(webhookBody({ statuses: [status({ id, user, status: 'delivered' })] }));
    await new Promise((r) => setTimeout(r, 300));
    expect((await reply())?.status).toBe('read');

    // Another reply that WhatsApp accepted, then could not deliver.
    await post(webhookBody({ messages: [listReply({ user, id: wamid(), choiceId: 'hours', title: 'Opening hours' })] }));
    await graph.waitUntil(() => sent(user).length >= 3, 20_000, 'more replies');
    const lost = sent(user)[2]!.id!;
    await eventually(async () => (await stored(user)).some((m) => m.platformId === lost && m.status === 'sent'), 10_000, 'reply sent');
    await post(
      webhookBody({
        statuses: [status({ id: lost, user, status: 'failed', error: { code: 131026, title: 'Message undeliverable', details: 'Message Undeliverable.' } })],
      }),
    );
    await eventually(async () => (await stored(user)).some((m) => m.platformId === lost && m.status === 'failed'), 10_000, 'failed');
    const failed = (await stored(user)).find((m) => m.platformId === lost)!;
    expect([failed.error?.platformCode, failed.error?.message, failed.error?.retryable]).toEqual([
      '131026',
      'Message undeliverable: Message Undeliverable.',
      false,
    ]);
  });

  it('a status that arrives before the send returned is kept and applied', async () => {
    const user = waId();
    // WhatsApp's "delivered" webhook beats the Send API's answer.
    graph.beforeAnswer = async (record) => {
      if (record.id && (record.body as { to?: string }).to === user) {
        expect((await post(webhookBody({ statuses: [status({ id: record.id, user, status: 'delivered' })] }))).status).toBe(200);
      }
    };
    try {
      await post(webhookBody({ messages: [textMessage({ user, id: wamid(), text: 'hello' })] }));
      await graph.waitUntil(() => sent(user).length >= 1, 20_000, 'welcome');
      const id = sent(user)[0]!.id!;
      await eventually(async () => (await stored(user)).some((m) => m.platformId === id && m.status === 'delivered'), 10_000, 'the early report applied');
    } finally {
      graph.beforeAnswer = undefined;
    }
  });
});

describe('the 24-hour customer-service window', () => {
  it('stores a bot reply outside the window as failed with a clear reason and sends nothing', async () => {
    const user = waId();
    graph.failNext({ status: 500, error: { message: 'Something went wrong', code: 131000 } });
    graph.beforeAnswer = async (r) => {
      if (r.body.to !== user) return;
      graph.beforeAnswer = undefined;
      // The turn sends before it stores its messages; the conversation it opened is there already.
      await Conversation.updateOne({ workspace, channel: 'whatsapp', user }, { $set: { lastInboundAt: new Date(Date.now() - 26 * 3600_000) } });
    };
    await post(webhookBody({ messages: [textMessage({ user, id: wamid(), text: 'hello' })] }));
    await eventually(async () => (await stored(user)).some((m) => m.direction === 'out' && m.status === 'failed'), 20_000, 'reply failed');
    const failed = (await stored(user)).find((m) => m.direction === 'out')!;
    expect([failed.error?.platformCode, failed.error?.retryable, failed.attempts]).toEqual(['outside_window', false, 2]);
    expect(failed.error?.message).toBe(
      'not sent: the contact last wrote 26 hours ago, outside WhatsApp\'s 24-hour customer-service window; outside it WhatsApp only delivers approved templates, and no "templates.reopen" is configured for this account',
    );
    expect(sent(user)).toHaveLength(0);
  });
});
