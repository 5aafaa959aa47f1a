import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addAgent, disableAgent, resetPassword } from '../../core/agents/accounts.js';
import { Agent, agentId } from '../../core/store/agent.js';
import { AuditEntry } from '../../core/store/audit-entry.js';
import { cleanup, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';

let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
let redis: Redis;
const password = 'correct horse battery staple';

/** A request as the console page makes it: same origin, with its cookie. */
const call = async (path: string, options: { method?: string; body?: unknown; cookie?: string; origin?: string | null } = {}) => {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.cookie) headers.cookie = options.cookie;
  const origin = options.origin === undefined ? hub.url! : options.origin;
  if (origin) headers.origin = origin;
  const res = await fetch(`${hub.url}${path}`, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
};
const signIn = (email: string, pass = password) => call('/console/api/sign-in', { body: { email, password: pass } });
const cookieOf = (res: { headers: Headers }) => res.headers.get('set-cookie')!.split(';')[0]!;

beforeAll(async () => {
  env = testEnv({
    accounts: [{ workspace: 'shop', account: 'shop-app', secret: 'agents-api-secret-0123', webhookUrl: 'http://127.0.0.1:9/x' }],
    extra: { console: { lockout: { failures: 3, minutes: 15 }, attemptsPerAddress: 14, secureCookie: false } },
  });
  hub = await startTestHub(env);
  redis = new Redis(env.redisUrl);
  for (const [email, role] of [
    ['anna@shop.example', 'agent'],
    ['olga@shop.example', 'admin'],
    ['lock@shop.example', 'agent'],
  ] as const) {
    await addAgent({ workspace: 'shop', email, displayName: email.split('@')[0]!, role, password, actor: 'test' });
  }
});
afterAll(async () => {
  await redis?.quit();
  await hub?.stop();
  if (env) await cleanup(env);
});

it('stores argon2id hashes; a wrong password and an unknown e-mail get the same answer', async () => {
  expect((await Agent.findById(agentId('shop', 'anna@shop.example')).lean())?.passwordHash).toMatch(/^\$argon2id\$/);
  const wrong = await signIn('anna@shop.example', 'not the password at all');
  const unknown = await signIn('nobody@shop.example');
  expect(wrong).toMatchObject({ status: 401, body: { message: 'wrong e-mail, password or code' } });
  expect(unknown).toMatchObject({ status: 401, body: { message: 'wrong e-mail, password or code' } });
  await expect(addAgent({ workspace: 'shop', email: 'short@shop.example', displayName: 'S', role: 'agent', password: 'short', actor: 'test' })).rejects.toThrow(
    'at least 12 characters',
  );
});

it('locks an account after repeated wrong passwords, even against the right one, until a reset', async () => {
  for (let i = 0; i < 3; i++) expect((await signIn('lock@shop.example', `wrong password ${i}`)).status).toBe(401);
  const locked = await signIn('lock@shop.example');
  expect(locked.status).toBe(423);
  expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
  expect(await AuditEntry.countDocuments({ action: 'agent.locked', target: agentId('shop', 'lock@shop.example') })).toBe(1);
  await resetPassword({ workspace: 'shop', email: 'lock@shop.example', password, actor: 'test' });
  expect((await signIn('lock@shop.example')).status).toBe(200);
});

it('signs in with an httpOnly, SameSite=Strict cookie for a server-side session that idles out', async () => {
  const res = await signIn('anna@shop.example');
  expect(res.status).toBe(200);
  expect(res.body.agent).toMatchObject({ workspace: 'shop', role: 'agent', displayName: 'anna' });
  const setCookie = res.headers.get('set-cookie')!;
  expect(setCookie).toMatch(/^sb_session=[A-Za-z0-9_-]{43};/);
  expect(setCookie).toMatch(/HttpOnly/);
  expect(setCookie).toMatch(/SameSite=Strict/);
  const cookie = cookieOf(res);
  expect((await call('/console/api/me', { cookie })).body.agent).toEqual({
    id: agentId('shop', 'anna@shop.example'),
    workspace: 'shop',
    role: 'agent',
    displayName: 'anna',
  });
  // Redis holds it under a hash of the token, for the idle time (30 minutes by default), renewed by each request.
  const [key] = await redis.keys(`${env.prefix}:session:*`);
  expect(key).not.toContain(cookie.split('=')[1]);
  expect(await redis.pttl(key!)).toBeGreaterThan(29 * 60_000);

  await call('/console/api/sign-out', { method: 'POST', cookie });
  expect((await call('/console/api/me', { cookie })).status).toBe(401);
});

it('takes the session on the admin API by role, and refuses a cookie-borne change from another origin', async () => {
  const anna = cookieOf(await signIn('anna@shop.example'));
  const olga = cookieOf(await signIn('olga@shop.example'));
  expect((await call('/api/leads', { cookie: anna })).status).toBe(200);
  expect(await call('/api/audit', { cookie: anna })).toMatchObject({ status: 403, body: { message: 'this needs the admin role' } });
  expect((await call('/api/audit', { cookie: olga })).status).toBe(200);

  const close = (cookie: string, origin: string | null) => call('/api/conversations/000000000000000000000000/close', { method: 'POST', cookie, origin });
  expect((await close(anna, 'https://evil.example')).status).toBe(403);
  expect((await close(anna, null)).status).toBe(403);
  expect((await close(anna, hub.url!)).status).toBe(404); // through: there is no such conversation
  // Behind a TLS-terminating proxy the page says https while the hub hears http: still its own origin.
  expect((await close(anna, hub.url!.replace('http://', 'https://'))).status).toBe(404);
  expect((await close(anna, `${hub.url!}.evil.example`)).status).toBe(403);
  expect((await call('/console/api/sign-out', { method: 'POST', cookie: anna, origin: 'https://evil.example' })).status).toBe(403);

  // Disabling ends the session at its next request.
  await disableAgent({ workspace: 'shop', email: 'anna@shop.example', actor: 'test' });
  expect((await call('/console/api/me', { cookie: anna })).status).toBe(401);
  expect((await signIn('anna@shop.example')).status).toBe(401);
});

it('limits sign-in attempts per client address across accounts', async () => {
  let status = 0;
  for (let i = 0; i < 20 && status !== 429; i++) status = (await signIn(`guess${i}@shop.example`)).status;
  expect(status).toBe(429);
  expect((await signIn('olga@shop.example')).status).toBe(429);
});
