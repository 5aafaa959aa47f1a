import { afterAll, beforeAll, expect, it } from 'vitest';
import { addAgent } from '../../core/agents/accounts.js';
import { signInAgent } from '../helpers/agent.js';
import { cleanup, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';

// The queue board (bull-board) in the hub: admins see every queue's jobs; agents and strangers do not.

let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
const password = 'correct horse battery staple';
let admin: string;
let agent: string;

beforeAll(async () => {
  env = testEnv({
    accounts: [{ workspace: 'shop', account: 'shop-app', secret: 'board-secret-0123456789', webhookUrl: 'http://127.0.0.1:9/replies' }],
    extra: { console: { secureCookie: false } },
  });
  hub = await startTestHub(env);
  await addAgent({ workspace: 'shop', email: 'olga@shop.example', displayName: 'Olga', role: 'admin', password, actor: 'test' });
  await addAgent({ workspace: 'shop', email: 'anna@shop.example', displayName: 'Anna', role: 'agent', password, actor: 'test' });
  admin = await signInAgent(hub.url!, 'olga@shop.example', password);
  agent = await signInAgent(hub.url!, 'anna@shop.example', password);
});
afterAll(async () => {
  await hub?.stop();
  if (env) await cleanup(env);
});

const get = (path: string, cookie?: string) => fetch(`${hub.url}${path}`, { headers: cookie ? { cookie } : {} });

it("shows an admin the board and every queue's counts", async () => {
  const page = await get('/api/queues', admin);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('Switchboard queues');
  const listed = await get('/api/queues/api/queues', admin);
  expect(listed.status).toBe(200);
  const names = ((await listed.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
  expect(names).toEqual(['crm', 'deliveries', 'maintenance', 'turns']);
});

it('refuses agents and anyone not signed in', async () => {
  expect((await get('/api/queues', agent)).status).toBe(403);
  expect((await get('/api/queues/api/queues', agent)).status).toBe(403);
  expect((await get('/api/queues')).status).toBe(401);
});
