import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../adapters/widget/protocol.js';
import type { Hub } from '../../core/hub.js';
import { cleanup, type TestEnv } from '../helpers/hub.js';
import { freePort, handshakeStatus, startWidgetHub, tokenFor, untilStored, visitorIdOf, WidgetClient, widgetEnv, widgetSecret, workspace } from './helpers.js';

// The visitor token's lifetime (`visitorTokenLifetime`, here 30 days): counted from its first
// issue, not renewed by coming back; after it, the browser is a new visitor.
let env: TestEnv;
let hub: Hub;
let url: string;
const day = 24 * 3600_000;
const daysAgo = (n: number) => new Date(Date.now() - n * day);

beforeAll(async () => {
  env = widgetEnv({ port: await freePort(), autoReply: 'Thanks, noted.', account: { visitorTokenLifetime: '30d' } });
  hub = await startWidgetHub(env);
  url = hub.url!;
});
afterAll(async () => {
  await hub?.stop();
  if (env) await cleanup(env);
});

const helloOf = (c: WidgetClient) => c.frames.find((f): f is Extract<ServerFrame, { t: 'hello' }> => f.t === 'hello')!;

async function historyOf(c: WidgetClient): Promise<string[]> {
  c.send({ t: 'sync', after: -1 });
  await c.until(() => c.frames.some((f) => f.t === 'history'), 'history');
  const h = c.frames.find((f) => f.t === 'history');
  return h?.t === 'history' ? h.messages.map((m) => m.text ?? '') : [];
}

/** A visitor id with a conversation, made through a token of that id that is still valid. */
async function visitorWithConversation(): Promise<string> {
  const user = `v${randomUUID().replaceAll('-', '')}`;
  const c = await new WidgetClient(url, { token: tokenFor(user, daysAgo(29)) }).open();
  await c.sendText('my order is 1234');
  await c.until(() => c.replies().length === 1, 'reply');
  await untilStored(user, 2);
  c.close();
  return user;
}

describe('the visitor token lifetime', () => {
  it('a first visit gets a new id whose token lives the configured lifetime', async () => {
    const c = await new WidgetClient(url).open();
    const hello = helloOf(c);
    expect(hello.newVisitor).toBe(true);
    expect(hello.visitor.split('.')).toHaveLength(3); // {id}.{issued}.{signature}
    expect(Math.abs(hello.visitorExpiresInMs - 30 * day)).toBeLessThan(60_000);
    c.close();
  });

  it('a valid token keeps its id and comes back unchanged: returning does not extend it', async () => {
    const user = await visitorWithConversation();
    const token = tokenFor(user, daysAgo(29));
    const c = await new WidgetClient(url, { token }).open();
    const hello = helloOf(c);
    expect([hello.visitor, hello.newVisitor]).toEqual([token, false]);
    expect(Math.abs(hello.visitorExpiresInMs - day)).toBeLessThan(60_000);
    expect(await historyOf(c)).toEqual(['my order is 1234', 'Thanks, noted.']);
    c.close();
  });

  it('an expired token gets a new visitor id, and the old conversation is not reachable with it', async () => {
    const user = await visitorWithConversation();
    const c = await new WidgetClient(url, { token: tokenFor(user, daysAgo(31)) }).open();
    const hello = helloOf(c);
    expect(hello.newVisitor).toBe(true);
    expect(visitorIdOf(hello.visitor)).not.toBe(user);
    expect(Math.abs(hello.visitorExpiresInMs - 30 * day)).toBeLessThan(60_000);
    expect(await historyOf(c)).toEqual([]);
    c.close();
    // The new token is a returning visitor's from now on.
    const again = await new WidgetClient(url, { token: hello.visitor }).open();
    expect([visitorIdOf(helloOf(again).visitor), helloOf(again).newVisitor]).toEqual([visitorIdOf(hello.visitor), false]);
    again.close();
  });

  it('a token in the old format (no issue time) is replaced by a new visitor id', async () => {
    const user = await visitorWithConversation();
    const legacy = `${user}.${createHmac('sha256', widgetSecret).update(`${workspace}\u0000shop\u0000${user}`).digest('base64url')}`;
    const c = await new WidgetClient(url, { token: legacy }).open();
    expect(helloOf(c).newVisitor).toBe(true);
    expect(visitorIdOf(helloOf(c).visitor)).not.toBe(user);
    expect(await historyOf(c)).toEqual([]);
    c.close();
  });

  it('refuses a token whose issue time was edited (a lifetime cannot be stretched), and starts afresh on one from the future', async () => {
    const user = await visitorWithConversation();
    const [id, , sig] = tokenFor(user, daysAgo(31)).split('.');
    const edited = `${id}.${Math.floor(Date.now() / 1000)}.${sig}`;
    expect(await handshakeStatus(url, { token: edited })).toBe(401);
    const future = await new WidgetClient(url, { token: tokenFor(user, new Date(Date.now() + day)) }).open();
    expect(visitorIdOf(helloOf(future).visitor)).not.toBe(user);
    future.close();
  });
});
