import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message } from '../../core/store/message.js';
import { Conversation } from '../../core/store/conversation.js';
import { Contact } from '../../core/store/contact.js';
import type { Hub } from '../../core/hub.js';
import { Receiver } from '../helpers/receiver.js';
import { cleanup, eventually, postApi, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';

const secret = 'shop-secret-0123456789';
let receiver: Receiver;
let env: TestEnv;
let hub: Hub;
const logs: string[] = [];

beforeAll(async () => {
  receiver = await new Receiver(secret).start();
  env = testEnv({ accounts: [{ workspace: 'shop', account: 'shop-app', secret, webhookUrl: receiver.url }], pipeline: { outboundAttempts: 3 } });
  hub = await startTestHub(env, 'all', logs);
});
afterAll(async () => {
  await hub?.stop();
  await receiver?.stop();
  if (env) await cleanup(env);
});

describe('api channel, end to end', () => {
  it('stores a message and delivers the auto-reply, signed, to the webhook', async () => {
    const res = await postApi(hub.url!, 'shop-app', { id: 'm-1', user: 'alice', text: 'Where is my order?' }, { secret });
    expect(res).toEqual({ status: 202, body: { status: 'queued', id: 'm-1' } });

    const [reply] = await receiver.waitFor(1);
    expect(reply).toMatchObject({ user: 'alice', text: 'auto-reply from shop', inReplyTo: 'm-1', signatureValid: true });
    expect(reply!.id).toMatch(/^out_/);

    // The webhook can answer before the hub records the delivery.
    await eventually(async () => (await Message.countDocuments({ workspace: 'shop', status: 'sent' })) === 1, 5000, 'the delivery record');
    const stored = await Message.find({ workspace: 'shop' }).sort({ order: 1 }).lean();
    expect(stored.map((m) => [m.direction, m.text, m.status])).toEqual([
      ['in', 'Where is my order?', 'processed'],
      ['out', 'auto-reply from shop', 'sent'],
    ]);
    expect(await Contact.countDocuments({ workspace: 'shop', user: 'alice' })).toBe(1);
    expect(await Conversation.countDocuments({ workspace: 'shop', user: 'alice', status: 'bot' })).toBe(1);
  });

  it('stores and answers a message delivered three times concurrently only once', async () => {
    const body = { id: 'dup-1', user: 'bob', text: 'hello?' };
    const results = await Promise.all([1, 2, 3].map(() => postApi(hub.url!, 'shop-app', body, { secret })));
    expect(results.map((r) => r.status)).toEqual([202, 202, 202]);
    await eventually(async () => (await Message.countDocuments({ workspace: 'shop', user: 'bob', status: 'sent' })) === 1, 10_000, 'the reply');
    // A late redelivery, after the first was fully handled, is recognised too.
    expect((await postApi(hub.url!, 'shop-app', body, { secret })).status).toBe(202);
    await new Promise((r) => setTimeout(r, 500));
    expect(await Message.countDocuments({ workspace: 'shop', user: 'bob', direction: 'in' })).toBe(1);
    expect(await Message.countDocuments({ workspace: 'shop', user: 'bob', direction: 'out' })).toBe(1);
    expect(receiver.replies.filter((r) => r.user === 'bob')).toHaveLength(1);
  });

  it('retries a webhook that answers 5xx and records the delivery', async () => {
    receiver.respond = (reply, attempt) => (reply.user === 'carol' && attempt < 3 ? 503 : 200);
    await postApi(hub.url!, 'shop-app', { id: 'r-1', user: 'carol', text: 'hi' }, { secret });
    await eventually(async () => receiver.replies.some((r) => r.user === 'carol'), 10_000, 'the retried reply');
    // The receiver has the reply a moment before the hub records its answer.
    await eventually(async () => (await Message.countDocuments({ user: 'carol', direction: 'out', status: 'sent' })) === 1, 5000, 'the delivery record');
    const reply = await Message.findOne({ workspace: 'shop', user: 'carol', direction: 'out' }).lean();
    expect(reply).toMatchObject({ status: 'sent', attempts: 3 });
    expect(receiver.attemptsFor(reply!._id)).toBe(3);
  });

  it("keeps a conversation's later reply behind one that waits for its retry", async () => {
    const order: string[] = [];
    receiver.respond = (reply, attempt) => {
      if (reply.user !== 'erin') return 200;
      order.push(`${reply.inReplyTo}#${attempt}`);
      return reply.inReplyTo === 'e-1' && attempt < 3 ? 503 : 200;
    };
    await postApi(hub.url!, 'shop-app', { id: 'e-1', user: 'erin', text: 'first' }, { secret });
    await eventually(async () => order.length > 0, 10_000, 'the first attempt');
    await postApi(hub.url!, 'shop-app', { id: 'e-2', user: 'erin', text: 'second' }, { secret });
    await eventually(async () => receiver.replies.filter((r) => r.user === 'erin').length === 2, 10_000, 'both replies');
    // The second message's reply was not tried before the first reply got through.
    expect(order).toEqual(['e-1#1', 'e-1#2', 'e-1#3', 'e-2#1']);
    await eventually(async () => (await Message.countDocuments({ user: 'erin', direction: 'out', status: 'sent' })) === 2, 5000, 'the delivery records');
    const replies = await Message.find({ workspace: 'shop', user: 'erin', direction: 'out' }).sort({ order: 1 }).lean();
    expect(replies.map((r) => r.attempts)).toEqual([3, 1]);
  });

  it('stores the failure on the message when every attempt fails', async () => {
    receiver.respond = (reply) => (reply.user === 'dave' ? 500 : 200);
    await postApi(hub.url!, 'shop-app', { id: 'f-1', user: 'dave', text: 'hi' }, { secret });
    await eventually(async () => (await Message.countDocuments({ user: 'dave', status: 'failed' })) === 1, 10_000, 'the failure');
    const reply = await Message.findOne({ workspace: 'shop', user: 'dave', direction: 'out' }).lean();
    expect(reply).toMatchObject({ status: 'failed', attempts: 3, error: { status: 500, message: 'webhook answered 500', retryable: true } });
  });
});

describe('api channel, bad input', () => {
  const attempts: [string, () => Promise<{ status: number; body: Record<string, unknown> }>, number, RegExp][] = [
    ['no signature', () => postApi(hub.url!, 'shop-app', { id: 'x1', user: 'eve', text: 'a' }, { signature: null }), 401, /signature/],
    ['a wrong signature', () => postApi(hub.url!, 'shop-app', { id: 'x2', user: 'eve', text: 'a' }, { secret: 'wrong-secret-0123456789' }), 401, /signature/],
    ['a garbled signature', () => postApi(hub.url!, 'shop-app', { id: 'x3', user: 'eve', text: 'a' }, { signature: 'sha256=zz' }), 401, /signature/],
    ['an unknown account', () => postApi(hub.url!, 'nobody', { id: 'x4', user: 'eve', text: 'a' }, { secret }), 401, /signature/],
    ['invalid JSON', () => postApi(hub.url!, 'shop-app', '{"id": "x5",', { secret }), 400, /not valid JSON/],
    ['no text or choice', () => postApi(hub.url!, 'shop-app', { id: 'x6', user: 'eve' }, { secret }), 400, /"text" or "choice"/],
    ['a missing user', () => postApi(hub.url!, 'shop-app', { id: 'x7', text: 'a' }, { secret }), 400, /"user"/],
    ['an unknown field', () => postApi(hub.url!, 'shop-app', { id: 'x8', user: 'eve', text: 'a', html: '<b>' }, { secret }), 400, /html/],
    ['a body over the limit', () => postApi(hub.url!, 'shop-app', { id: 'x9', user: 'eve', text: 'a'.repeat(70 * 1024) }, { secret }), 413, /too large/],
  ];
  it.each(attempts)('rejects %s with a clear error and stores nothing', async (_name, attempt, status, reason) => {
    const res = await attempt();
    expect(res.status).toBe(status);
    expect(String(res.body.message)).toMatch(reason);
    await new Promise((r) => setTimeout(r, 100));
    expect(await Message.countDocuments({ user: 'eve' })).toBe(0);
    expect(await Contact.countDocuments({ user: 'eve' })).toBe(0);
    const depth = await hub.queues.depth();
    expect(depth.inbound).toBe(0);
  });
});

describe('logs', () => {
  // Reads the logs of the tests above in this file (vitest runs them in order).
  it('log every refused request with its reason, and never a message body or a secret', async () => {
    const lines = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const rejected = lines.filter((l) => l.msg === 'request rejected');
    expect(rejected.map((l) => l.status).sort()).toEqual([400, 400, 400, 400, 401, 401, 401, 401, 413]);
    expect(rejected[0]).toMatchObject({ level: 40, method: 'POST', path: expect.stringMatching(/^\/channels\/api\//) });
    // No line per inbound message at info: they add up, and a platform id can be a phone number (WhatsApp Web).
    expect(lines.filter((l) => l.msg === 'inbound queued')).toEqual([]);
    expect(lines.some((l) => 'platformId' in l)).toBe(false);
    const all = logs.join('\n');
    for (const body of ['Where is my order?', 'auto-reply from shop', 'hello?']) expect(all).not.toContain(body);
    expect(all).not.toContain(secret);
  });
});

describe('operations endpoints', () => {
  it('reports health, readiness and metrics with security headers', async () => {
    const health = await fetch(`${hub.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await (await fetch(`${hub.url}/readyz`)).json()).toEqual({ status: 'ready' });
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_messages_in_total\{channel="api"\} [1-9]/);
    expect(metrics).toMatch(/switchboard_messages_out_total\{channel="api",outcome="sent"\} [1-9]/);
    expect(metrics).toMatch(/switchboard_queue_depth\{queue="inbound"\} 0/);
    expect(metrics).toMatch(/switchboard_processing_seconds_count\{channel="api"\} [1-9]/);
    const missing = await fetch(`${hub.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
  });
});
