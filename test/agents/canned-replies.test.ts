import { afterAll, beforeAll, expect, it } from 'vitest';
import { addAgent } from '../../core/agents/accounts.js';
import { listAudit } from '../../core/privacy/audit.js';
import { signInAgent } from '../helpers/agent.js';
import { cleanup, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';

// Canned replies per workspace: admins keep them, every agent of the workspace reads them, and
// another workspace never sees them.

let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
const password = 'correct horse battery staple';
const cookies: Record<string, string> = {};
const account = (workspace: string) => ({
  workspace,
  account: `${workspace}-app`,
  secret: `${workspace}-secret-0123456789`,
  webhookUrl: 'http://127.0.0.1:9/replies',
});

beforeAll(async () => {
  env = testEnv({ accounts: [account('shop'), account('other')], extra: { console: { secureCookie: false } } });
  hub = await startTestHub(env);
  for (const [workspace, email, role] of [
    ['shop', 'olga@shop.example', 'admin'],
    ['shop', 'anna@shop.example', 'agent'],
    ['other', 'eve@other.example', 'admin'],
  ] as const) {
    await addAgent({ workspace, email, displayName: email.split('@')[0]!, role, password, actor: 'test' });
    cookies[email] = await signInAgent(hub.url!, email, password, workspace);
  }
});
afterAll(async () => {
  await hub?.stop();
  if (env) await cleanup(env);
});

const call = async (who: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${hub.url}/api${path}`, {
    method,
    headers: { 'content-type': 'application/json', origin: hub.url!, cookie: cookies[who]! },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
};

it('lets admins keep canned replies, every agent of the workspace read them, and nobody else see them', async () => {
  expect(await call('olga@shop.example', 'PUT', '/canned-replies/hours', { text: 'We answer 9 to 17, Monday to Friday.' })).toMatchObject({ status: 200 });
  expect(await call('olga@shop.example', 'PUT', '/canned-replies/refund', { text: 'Refunds take 5 days.' })).toMatchObject({ status: 200 });
  expect(await call('olga@shop.example', 'PUT', '/canned-replies/refund', { text: 'Refunds take 3 days.' })).toMatchObject({ status: 200 });
  const listed = await call('anna@shop.example', 'GET', '/canned-replies');
  expect(listed.body.replies.map((r: { shortcut: string; text: string }) => [r.shortcut, r.text])).toEqual([
    ['hours', 'We answer 9 to 17, Monday to Friday.'],
    ['refund', 'Refunds take 3 days.'],
  ]);
  expect((await call('eve@other.example', 'GET', '/canned-replies')).body.replies).toEqual([]);

  // Agents read them, admins change them.
  expect((await call('anna@shop.example', 'PUT', '/canned-replies/rude', { text: 'No.' })).status).toBe(403);
  expect((await call('anna@shop.example', 'DELETE', '/canned-replies/hours')).status).toBe(403);
  expect((await call('olga@shop.example', 'PUT', '/canned-replies/Bad Shortcut!', { text: 'x' })).status).toBe(400);
  expect((await call('olga@shop.example', 'PUT', '/canned-replies/empty', { text: '  ' })).status).toBe(400);
  expect((await call('eve@other.example', 'DELETE', '/canned-replies/hours')).status).toBe(404);
  expect((await call('olga@shop.example', 'DELETE', '/canned-replies/hours')).status).toBe(200);
  expect((await call('anna@shop.example', 'GET', '/canned-replies')).body.replies.map((r: { shortcut: string }) => r.shortcut)).toEqual(['refund']);
  expect((await listAudit('shop')).map((e) => e.action)).toEqual(expect.arrayContaining(['canned_reply.saved', 'canned_reply.removed']));
});
