import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close } from '../../core/conversations.js';
import type { Hub } from '../../core/hub.js';
import { ConsentEvent } from '../../core/store/consent.js';
import { Lead } from '../../core/store/lead.js';
import { Message } from '../../core/store/message.js';
import { cleanup, eventually, type TestEnv } from '../helpers/hub.js';
import { freePort, handshakeStatus, startWidgetHub, tokenFor, untilStored, visitorIdOf, WidgetClient, widgetEnv, workspace } from './helpers.js';

let env: TestEnv;
let hub: Hub;
let url: string;

beforeAll(async () => {
  const port = await freePort();
  env = widgetEnv({ port, autoReply: 'Thanks, noted.', account: { inboundRate: { burst: 5, perSecond: 1 } } });
  hub = await startWidgetHub(env);
  url = hub.url!;
});
afterAll(async () => {
  await hub?.stop();
  if (env) await cleanup(env);
});

const stored = (user: string) => Message.find({ workspace, channel: 'widget', user, direction: 'in' }).lean();
const idOf = visitorIdOf;

describe('widget handshake', () => {
  it('refuses a foreign Origin, a missing one, a forged visitor token and an unknown account; accepts the site', async () => {
    expect(await handshakeStatus(url, { origin: 'https://evil.example' })).toBe(403);
    expect(await handshakeStatus(url, { origin: '' })).toBe(403);
    expect(await handshakeStatus(url, { token: 'visitor1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).toBe(401);
    expect(await handshakeStatus(url, { account: 'nope' })).toBe(404);
    expect(await handshakeStatus(url, { token: tokenFor('visitor1') })).toBe(101);
  });

  it('issues a new visitor id, and a returning visitor keeps theirs and reads only their own conversation', async () => {
    const alice = await new WidgetClient(url).open();
    await alice.sendText('my secret order 1234');
    const bob = await new WidgetClient(url).open();
    expect(bob.visitor).not.toBe(alice.visitor);
    bob.send({ t: 'sync', after: -1 });
    await bob.until(() => bob.frames.some((f) => f.t === 'history'), 'history');
    expect(bob.frames.find((f) => f.t === 'history')).toMatchObject({ messages: [], status: 'none' });
    await alice.until(() => alice.replies().length === 1, 'reply');
    await untilStored(alice.visitor!, 2);
    const again = await new WidgetClient(url, { token: alice.visitor! }).open();
    expect(again.visitor).toBe(alice.visitor);
    again.send({ t: 'sync', after: -1 });
    await again.until(() => again.frames.some((f) => f.t === 'history'), 'history');
    const history = again.frames.find((f) => f.t === 'history');
    expect(history?.t === 'history' && history.messages.map((m) => m.text)).toEqual(['my secret order 1234', 'Thanks, noted.']);
    for (const c of [alice, bob, again]) c.close();
  });
});

describe('widget frames', () => {
  it('closes the socket on a 100 KB frame and stores nothing', async () => {
    const client = await new WidgetClient(url).open();
    const closed = client.closed();
    client.send({ t: 'msg', id: randomUUID(), text: 'x'.repeat(100 * 1024) });
    expect((await closed).code).toBe(1009);
    expect(await stored(idOf(client.visitor!))).toHaveLength(0);
  });

  it('answers a frame that is not the protocol with an error and keeps the socket', async () => {
    const client = await new WidgetClient(url).open();
    client.ws.send('not json');
    client.send({ t: 'msg', id: 'short', text: 'hi' });
    client.send({ t: 'msg', id: randomUUID(), text: '' });
    await client.until(() => client.frames.filter((f) => f.t === 'error').length === 3, 'errors');
    expect(client.frames.filter((f) => f.t === 'error').map((f) => f.t === 'error' && f.code)).toEqual(['invalid', 'invalid', 'invalid']);
    await client.sendText('still here');
    await eventually(async () => (await stored(idOf(client.visitor!))).length > 0, 10_000, 'stored');
    expect((await stored(idOf(client.visitor!))).map((m) => m.text)).toEqual(['still here']);
    client.close();
  });

  it('throttles a flood: beyond the burst messages are refused with rate_limited and not stored', async () => {
    const client = await new WidgetClient(url).open();
    const ids = Array.from({ length: 30 }, () => randomUUID());
    for (const id of ids) client.send({ t: 'msg', id, text: `flood ${id}` });
    await client.until(() => ids.every((id) => client.frames.some((f) => (f.t === 'ack' || f.t === 'error') && f.id === id)), 'every answer');
    const acked = client.frames.filter((f) => f.t === 'ack').length;
    const limited = client.frames.filter((f) => f.t === 'error' && f.code === 'rate_limited');
    expect(acked).toBeLessThanOrEqual(6); // the burst, plus at most one refilled while sending
    expect(acked + limited.length).toBe(30);
    expect(limited.every((f) => f.t === 'error' && (f.retryAfterMs ?? 0) > 0)).toBe(true);
    await eventually(async () => (await stored(idOf(client.visitor!))).length === acked, 10_000, 'stored');
    client.close();
  });

  it('counts malformed frames against the limit too: a flood of garbage is cut off', async () => {
    const client = await new WidgetClient(url).open();
    const closed = client.closed();
    for (let i = 0; i < 80; i++) client.ws.send('not json');
    expect((await closed).code).toBe(1008);
    expect(client.frames.filter((f) => f.t === 'error' && f.code === 'invalid').length).toBeLessThanOrEqual(6);
  });

  it("checks the widget's own forms again on the hub: a crafted one is refused, unknown fields and a made-up consent are dropped", async () => {
    const client = await new WidgetClient(url).open();
    const answer = async (frame: Record<string, unknown>) => {
      client.send(frame);
      await client.until(() => client.frames.some((f) => (f.t === 'ack' || f.t === 'error') && f.id === frame.id), 'answer');
      return client.frames.find((f) => (f.t === 'ack' || f.t === 'error') && f.id === frame.id);
    };
    const email = `eve.${randomUUID()}@example.com`;
    expect(await answer({ t: 'form', id: randomUUID(), form: 'offline', fields: { name: 'Eve', email: 'not-an-address' } })).toMatchObject({
      t: 'error',
      code: 'invalid',
    });
    expect(await answer({ t: 'form', id: randomUUID(), form: 'prechat', fields: { email } })).toMatchObject({ t: 'error', code: 'invalid' }); // no pre-chat form here
    const good = {
      t: 'form',
      id: randomUUID(),
      form: 'offline',
      fields: { email, message: 'call me', role: 'admin' },
      consent: { purpose: 'profiling', granted: true, text: 'I agree to anything.' },
    };
    expect(await answer(good)).toMatchObject({ t: 'ack' });
    await eventually(async () => (await Lead.countDocuments({ workspace, 'fields.email': email })) === 1, 10_000, 'lead');
    const lead = await Lead.findOne({ workspace, 'fields.email': email }).lean();
    expect(lead?.fields).toEqual({ email, message: 'call me' });
    expect(lead?.consent).toMatchObject({ purpose: 'marketing', granted: true, text: 'Send me news and offers.' });
    client.close();
  });

  it('records the notice and marketing consent with a coarse user agent and no IP; withdrawing is one frame', async () => {
    const client = await new WidgetClient(url).open();
    const user = idOf(client.visitor!);
    const frames = [
      { t: 'consent', id: randomUUID(), purpose: 'notice', granted: true },
      { t: 'consent', id: randomUUID(), purpose: 'marketing', granted: true },
      { t: 'consent', id: randomUUID(), purpose: 'marketing', granted: false },
    ];
    for (const f of frames) {
      client.send(f);
      await client.until(() => client.frames.some((x) => x.t === 'ack' && x.id === f.id), 'ack');
    }
    client.send(frames[0]!); // a resend after a reconnect records nothing twice
    await client.until(() => client.frames.filter((x) => x.t === 'ack' && x.id === frames[0]!.id).length === 2, 'second ack');
    const again = randomUUID(); // the notice shown again (a reload before "Continue", another tab): still once
    client.send({ t: 'consent', id: again, purpose: 'notice', granted: true });
    await client.until(() => client.frames.some((x) => x.t === 'ack' && x.id === again), 'ack of the notice shown again');
    const events = await ConsentEvent.find({ workspace, channel: 'widget', user }).sort({ at: 1 }).lean();
    expect(events.map((e) => [e.purpose, e.granted, e.textVersion, e.evidence?.source, e.evidence?.userAgent, e.evidence?.ip])).toEqual([
      ['notice', true, 'n1', 'widget-notice', 'Chrome/Linux', undefined],
      ['marketing', true, 'm1', 'widget-checkbox', 'Chrome/Linux', undefined],
      ['marketing', false, 'm1', 'widget-menu', 'Chrome/Linux', undefined],
    ]);
    expect(events[0]!.text).toBe('We keep what you write to answer you. See our https://shop.example/privacy.');
    client.close();
  });
});

describe('widget catch-up', () => {
  it('after the conversation was closed and a new one opened, a sync from the old one gets the new one from its start', async () => {
    const tab = await new WidgetClient(url).open();
    await tab.sendText('first conversation');
    await tab.until(() => tab.replies().length === 1, 'first reply');
    const old = tab.replies()[0]!;
    await close({ workspace, id: old.conv!, queues: hub.queues, actor: 'test' });
    await tab.sendText('second conversation');
    await tab.until(() => tab.replies().length === 2, 'second reply');
    await untilStored(tab.visitor!, 4);
    // The new conversation counts positions from the start again: "after" alone would skip it.
    expect(tab.replies()[1]).toMatchObject({ order: old.order });
    expect(tab.replies()[1]!.conv).not.toBe(old.conv);
    tab.send({ t: 'sync', after: old.order, conv: old.conv });
    await tab.until(() => tab.frames.some((f) => f.t === 'history'), 'history');
    const history = tab.frames.find((f) => f.t === 'history');
    expect(history?.t === 'history' && history.messages.map((m) => m.text)).toEqual(['second conversation', 'Thanks, noted.']);
    tab.close();
  });
});
