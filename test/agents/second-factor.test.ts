import { afterAll, beforeAll, expect, it } from 'vitest';
import { addAgent, listAgents, setSecondFactor } from '../../core/agents/accounts.js';
import { currentTotp } from '../../core/agents/totp.js';
import { listAudit } from '../../core/privacy/audit.js';
import { Agent, agentId } from '../../core/store/agent.js';
import { cleanup, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';

// The optional second factor: with it on, the password alone no longer signs in; the
// authenticator app's code does, and a wrong code counts as a wrong password.

let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
const password = 'correct horse battery staple';
const email = 'anna@shop.example';

const signIn = async (body: Record<string, string>) => {
  const res = await fetch(`${hub.url}/console/api/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: hub.url! },
    body: JSON.stringify({ email, password, ...body }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, cookie: res.headers.get('set-cookie') };
};

beforeAll(async () => {
  env = testEnv({
    accounts: [{ workspace: 'shop', account: 'shop-app', secret: 'totp-api-secret-0123456', webhookUrl: 'http://127.0.0.1:9/x' }],
    extra: { console: { lockout: { failures: 3, minutes: 15 }, secureCookie: false } },
  });
  hub = await startTestHub(env);
  await addAgent({ workspace: 'shop', email, displayName: 'Anna', role: 'agent', password, actor: 'test' });
});
afterAll(async () => {
  await hub?.stop();
  if (env) await cleanup(env);
});

it('asks for the code once the password is right, signs in with it, and counts a wrong one against the lockout', async () => {
  const enrolled = (await setSecondFactor({ workspace: 'shop', email, on: true, actor: 'cli:test' }))!;
  expect(enrolled.uri).toMatch(/^otpauth:\/\/totp\/Switchboard:shop%3Aanna%40shop\.example\?/);
  expect((await listAgents('shop'))[0]?.secondFactor).toBe(true);

  expect(await signIn({})).toMatchObject({ status: 401, body: { error: 'code_required' }, cookie: null });
  expect(await signIn({ password: 'wrong password!!', code: currentTotp(enrolled.secret) })).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
  expect(await signIn({ code: '000000' === currentTotp(enrolled.secret) ? '111111' : '000000' })).toMatchObject({
    status: 401,
    body: { error: 'unauthorized' },
  });
  // The wrong password and the wrong code both count toward the lockout (3 here).
  expect((await Agent.findById(agentId('shop', email)).lean())?.failedSignIns).toBe(2);
  const ok = await signIn({ code: currentTotp(enrolled.secret) });
  expect(ok.status).toBe(200);
  expect(ok.cookie).toMatch(/^sb_session=/);

  // Off again: the password alone signs in.
  await setSecondFactor({ workspace: 'shop', email, on: false, actor: 'cli:test' });
  expect((await signIn({})).status).toBe(200);
  expect((await listAudit('shop')).map((e) => e.action)).toEqual(expect.arrayContaining(['agent.totp_enabled', 'agent.totp_disabled']));
});
