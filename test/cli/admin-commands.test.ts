import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Contact } from '../../core/store/contact.js';
import { Conversation } from '../../core/store/conversation.js';
import { Lead } from '../../core/store/lead.js';
import { runCli } from '../helpers/cli.js';
import { cleanup, testEnv, type TestEnv } from '../helpers/hub.js';

let env: TestEnv;

const run = runCli;

beforeAll(async () => {
  env = testEnv({ accounts: [{ workspace: 'shop', account: 'shop-app', secret: 'cli-secret-0123456789', webhookUrl: 'http://127.0.0.1:9/x' }] });
  await mongoose.connect(env.mongoUri);
});
afterAll(async () => {
  await mongoose.disconnect();
  if (env) await cleanup(env);
});

it("`switchboard leads list` exports the workspace's leads as CSV", async () => {
  const conversation = new mongoose.Types.ObjectId();
  await Lead.create({
    _id: 'lead_cli',
    workspace: 'shop',
    conversation,
    contact: 'ct_1',
    channel: 'api',
    account: 'shop-app',
    flow: 'shop',
    form: 'callback',
    fields: { name: 'Ada', phone: '+420601123456' },
  });
  const res = await run('leads', 'list', '--config', env.configFile);
  expect(res.code).toBe(0);
  expect(res.stdout.split('\n')[0]).toBe('id,created_at,channel,account,flow,form,conversation,name,phone,consent_purpose,consent_granted,consent_text');
  expect(res.stdout).toContain(`lead_cli,`);
  expect(res.stdout).toContain(`,${conversation},Ada,+420601123456,,,`);
});

it('`switchboard conversations handback` and `close` act on the conversation, and refuse unknown ids', async () => {
  const c = await Conversation.create({
    workspace: 'shop',
    channel: 'api',
    account: 'shop-app',
    user: 'u',
    contact: 'ct_2',
    status: 'waiting',
    seq: 3,
    botState: '{}',
    team: 'support',
  });
  await Contact.create({ _id: 'ct_2', workspace: 'shop', channel: 'api', account: 'shop-app', user: 'u', openConversation: c._id });
  expect((await run('conversations', 'handback', String(c._id), '--config', env.configFile)).code).toBe(0);
  const back = await Conversation.findById(c._id).lean();
  expect(back).toMatchObject({ status: 'bot' });
  expect(back?.botState).toBeUndefined();
  expect((await run('conversations', 'close', String(c._id), '--config', env.configFile)).code).toBe(0);
  expect(await Conversation.findById(c._id).lean()).toMatchObject({ status: 'closed' });
  expect((await Contact.findById('ct_2').lean())?.openConversation).toBeUndefined();

  const missing = await run('conversations', 'close', '000000000000000000000000', '--config', env.configFile);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain('no conversation 000000000000000000000000');
});

it('`switchboard flows validate` lists every problem as file:line:col and exits 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-cli-flows-'));
  writeFileSync(join(dir, 'bad.yaml'), 'flow: bad\nstart: a\nnodes:\n  a:\n    say: "Hi {{ who }}"\n    next: b\n');
  const res = await run('flows', 'validate', dir, '--config', env.configFile);
  expect(res.code).toBe(1);
  expect(res.stderr.trim().split('\n')).toEqual([
    `${dir}/bad.yaml:5:17: nodes.a.say: variable "who" is used but never set (by an ask node's var, a set node, a form field or an http node's var)`,
    `${dir}/bad.yaml:6:11: nodes.a.next: node "b" is not defined; expected one of: a`,
  ]);
});
