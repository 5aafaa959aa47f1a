import mongoose from 'mongoose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyPassword } from '../../core/agents/passwords.js';
import { Agent, agentId } from '../../core/store/agent.js';
import { runCli } from '../helpers/cli.js';
import { cleanup, testEnv, type TestEnv } from '../helpers/hub.js';

let env: TestEnv;

/** The CLI against this test's config. */
const run = (...args: string[]) => runCli(...args, '--config', env.configFile);

beforeAll(async () => {
  env = testEnv({
    accounts: [{ workspace: 'shop', account: 'shop-app', secret: 'cli-secret-0123456789', webhookUrl: 'http://127.0.0.1:9/x' }],
    workspaces: { shop: { teams: [{ id: 'support' }, { id: 'sales' }] } },
  });
  await mongoose.connect(env.mongoUri);
});
afterAll(async () => {
  await mongoose.disconnect();
  if (env) await cleanup(env);
});

it('`agents add` prints a generated password once; `list` shows the agent, `disable` ends their sign-in', async () => {
  const added = await run('agents', 'add', 'Anna@Shop.example', '--name', 'Anna', '--role', 'admin');
  expect(added.code).toBe(0);
  const password = /password: (\S+)/.exec(added.stdout)![1]!;
  const agent = (await Agent.findById(agentId('shop', 'anna@shop.example')).lean())!;
  expect(await verifyPassword(agent.passwordHash, password)).toBe(true);
  expect(agent).toMatchObject({ email: 'anna@shop.example', role: 'admin', displayName: 'Anna' });

  expect((await run('agents', 'add', 'anna@shop.example', '--name', 'Anna')).stderr).toContain('anna@shop.example is an agent of workspace "shop" already');
  expect((await run('agents', 'add', 'bob@shop.example', '--name', 'Bob', '--role', 'root')).stderr).toContain('--role: expected one of owner, admin, agent');

  expect((await run('agents', 'routing', 'anna@shop.example', '--teams', 'support,sales', '--capacity', '4')).code).toBe(0);
  expect((await run('agents', 'list')).stdout).toMatch(/anna@shop.example\s+Anna\s+admin\s+sales,support\s+4\s+active/);
  expect((await run('agents', 'routing', 'anna@shop.example', '--teams', 'suport')).stderr).toContain(
    'no team "suport" in workspace "shop"; its teams: "support", "sales"',
  );
  expect((await run('agents', 'routing', 'anna@shop.example', '--capacity', 'lots')).stderr).toContain('--capacity: expected a whole number from 1 to 100');
  expect((await run('agents', 'routing', 'anna@shop.example', '--capacity', 'default')).code).toBe(0);

  expect((await run('agents', 'disable', 'anna@shop.example')).code).toBe(0);
  expect((await run('agents', 'list')).stdout).toMatch(/anna@shop.example\s+Anna\s+admin\s+sales,support\s+default\s+disabled/);
});
