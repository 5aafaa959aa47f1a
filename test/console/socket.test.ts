import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addAgent } from '../../core/agents/accounts.js';
import { SignIn } from '../../core/agents/sign-in.js';
import { consoleChannel } from '../../core/console/channel.js';
import { ConsoleFanout } from '../../core/console/fanout.js';
import { consoleSocket } from '../../core/console/socket.js';
import { createLogger } from '../../core/logger.js';
import { signInAgent } from '../helpers/agent.js';
import { openConsoleSocket } from '../helpers/console-socket.js';
import WebSocket from 'ws';
import { cleanup, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';

// Two workspaces on one hub, an agent in each: the console socket lets in only a signed-in
// agent from the hub's own page, and gives each only their own workspace's events.
const password = 'correct horse battery staple';
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
let redis: Redis;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  env = testEnv({
    accounts: ['a', 'b'].map((w) => ({ workspace: w, account: `${w}-app`, secret: `console-socket-secret-${w}`, webhookUrl: 'http://127.0.0.1:9/x' })),
    extra: { console: { secureCookie: false } },
  });
  hub = await startTestHub(env);
  redis = new Redis(env.redisUrl);
  for (const w of ['a', 'b']) {
    await addAgent({ workspace: w, email: `agent@${w}.example`, displayName: `Agent ${w}`, role: 'agent', password, actor: 'test' });
    cookies[w] = await signInAgent(hub.url!, `agent@${w}.example`, password, w);
  }
});
afterAll(async () => {
  await redis?.quit();
  await hub?.stop();
  if (env) await cleanup(env);
});

const open = (headers: { cookie?: string; origin?: string }, url = hub.url!) => openConsoleSocket(url, headers);
const refusal = (headers: { cookie?: string; origin?: string }) =>
  open(headers).then(
    ({ ws }) => (ws.terminate(), 101),
    (err: { status?: number }) => err.status,
  );

it('refuses a socket without a session cookie, or with one that ended', async () => {
  expect(await refusal({})).toBe(401);
  expect(await refusal({ cookie: 'sb_session=made-up' })).toBe(401);
  const other = await signInAgent(hub.url!, 'agent@a.example', password, 'a');
  await fetch(`${hub.url}/console/api/sign-out`, { method: 'POST', headers: { cookie: other, origin: hub.url! } });
  expect(await refusal({ cookie: other })).toBe(401);
});

it('refuses a signed-in agent’s socket opened from another origin (another site’s page would read the inbox)', async () => {
  expect(await refusal({ cookie: cookies.a!, origin: 'https://evil.example' })).toBe(403);
  expect(await refusal({ cookie: cookies.a!, origin: hub.url!.replace('127.0.0.1', 'localhost') })).toBe(403);
  expect(await refusal({ cookie: cookies.a!, origin: '' })).toBe(403);
});

it('gives each agent their own workspace’s events, forwarded as published, and never another workspace’s', async () => {
  const a = await open({ cookie: cookies.a! });
  const b = await open({ cookie: cookies.b! });
  const event = (w: string, n: number) =>
    JSON.stringify({ t: 'conversation', conversation: { id: `${w}${n}`, channel: 'api', status: 'waiting', contact: { name: `Contact ${w}` } } });
  // Published in this order on one connection, so a leak to the wrong socket would arrive before that socket's own event.
  await redis.publish(consoleChannel(env.prefix, 'b'), event('b', 1));
  await redis.publish(consoleChannel(env.prefix, 'a'), event('a', 1));
  await redis.publish(consoleChannel(env.prefix, 'b'), event('b', 2));
  expect(await a.next()).toBe(event('a', 1));
  expect(await b.next()).toBe(event('b', 1));
  expect(await b.next()).toBe(event('b', 2));
  await redis.publish(consoleChannel(env.prefix, 'a'), event('a', 2));
  expect(await a.next()).toBe(event('a', 2));
  expect(a.frames).toEqual([event('a', 1), event('a', 2)]);
  expect(b.frames).toEqual([event('b', 1), event('b', 2)]);
  a.ws.terminate();
  b.ws.terminate();
});

it('closes a socket once its session ended (signed out elsewhere), with the code the app takes as "signed out"', async () => {
  // The socket server on a server of its own, so the test runs its periodic check instead of waiting 30 s for it.
  const logger = createLogger({ level: 'silent' });
  const fanout = new ConsoleFanout(redis.duplicate(), { prefix: env.prefix, workspaces: ['a'], logger });
  await fanout.start();
  const sockets = consoleSocket({ signIn: new SignIn(env.config, redis), fanout, logger });
  const server = createServer();
  server.on('upgrade', sockets.upgrade);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const cookie = await signInAgent(hub.url!, 'agent@a.example', password, 'a');
  const kept = await open({ cookie: cookies.a! }, url);
  const ended = await open({ cookie }, url);
  const closed = new Promise<number>((r) => ended.ws.once('close', (code) => r(code)));
  // The check pings too: both answer (the sign-out's round trip below gives their pongs time to arrive).
  const pinged = Promise.all([kept, ended].map((s) => new Promise((r) => s.ws.once('ping', r))));
  await sockets.check();
  await pinged;
  expect(ended.ws.readyState).toBe(WebSocket.OPEN);
  await fetch(`${hub.url}/console/api/sign-out`, { method: 'POST', headers: { cookie, origin: hub.url! } });
  await sockets.check();
  expect(await closed).toBe(4401);
  expect(kept.ws.readyState).toBe(WebSocket.OPEN);
  kept.ws.terminate();
  sockets.stop();
  await fanout.close();
  await new Promise((r) => server.close(r));
});
