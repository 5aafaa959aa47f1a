import mongoose from 'mongoose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { contactId } from '../../core/store/ids.js';
import { Contact } from '../../core/store/contact.js';
import { Conversation } from '../../core/store/conversation.js';
import { Message } from '../../core/store/message.js';
import { runCli } from '../helpers/cli.js';
import { cleanup, testEnv, type TestEnv } from '../helpers/hub.js';

let env: TestEnv;
const address = { workspace: 'shop', channel: 'api', account: 'shop-app', user: 'cli-person-7' };

/** The CLI against this test's config, as a script runs it (no terminal on standard input). */
const run = (...args: string[]) => runCli(...args, '--config', env.configFile);

beforeAll(async () => {
  env = testEnv({ accounts: [{ workspace: 'shop', account: 'shop-app', secret: 'cli-secret-0123456789', webhookUrl: 'http://127.0.0.1:9/x' }] });
  await mongoose.connect(env.mongoUri);
  const contact = contactId(address);
  const conversation = await Conversation.create({ ...address, contact, status: 'bot', seq: 1, lastMessageAt: new Date() });
  await Contact.create({ _id: contact, ...address, name: 'Cli Person', email: 'cli.person@example.com' });
  await Message.create({
    _id: 'in_cli_1',
    ...address,
    conversation: conversation._id,
    direction: 'in',
    sender: 'contact',
    order: 1000,
    text: 'hello',
    status: 'processed',
  });
});
afterAll(async () => {
  await mongoose.disconnect();
  if (env) await cleanup(env);
});

it('`privacy find` lists the identities; an identifier that matches nobody is a clear error', async () => {
  const found = await run('privacy', 'find', 'email:cli.person@example.com');
  expect(found.code).toBe(0);
  expect(found.stdout).toMatch(/api:shop-app:cli-person-7\s+1\s+1\s+0\s+0\s+email:cli.person@example.com/);
  const unknown = await run('privacy', 'find', 'email:someone.else@example.com');
  expect(unknown).toMatchObject({ code: 1 });
  expect(unknown.stderr).toContain('nobody in workspace "shop" is known by email:someone.else@example.com; nothing was changed');
  expect((await run('privacy', 'find', 'fax:123')).stderr).toContain('expected email:<address>, phone:<number with country code>');
});

it('`privacy erase` shows what it would erase and refuses without a terminal; with --yes it erases and prints the receipt', async () => {
  const refused = await run('privacy', 'erase', 'api:shop-app:cli-person-7');
  expect(refused.code).toBe(1);
  expect(refused.stdout).toContain('This erases 1 identity in workspace "shop"');
  expect(refused.stderr).toContain('refusing without a terminal to ask on: add --yes to confirm');
  expect(await Message.countDocuments({ user: address.user })).toBe(1);

  const erased = await run('privacy', 'erase', 'api:shop-app:cli-person-7', '--yes');
  expect(erased.code).toBe(0);
  expect(erased.stdout).toMatch(/erased \(request [0-9a-f]{24}\):\n(.|\n)*mongodb:messages: 1/);
  expect(await Contact.countDocuments({ user: address.user })).toBe(0);

  const requests = await run('privacy', 'requests');
  expect(requests.stdout).toMatch(/erase\s+done/);
  const audit = await run('audit');
  expect(audit.stdout).toContain('privacy.erase');
  expect(audit.stdout).not.toContain('cli-person-7');
});
