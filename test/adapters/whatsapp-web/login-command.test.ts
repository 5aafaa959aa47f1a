import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sessionLockKey } from '../../../adapters/whatsapp/web/lock.js';
import { GridFsSessionStore, sessionName } from '../../../adapters/whatsapp/web/session-store.js';
import { whatsappLogin } from '../../../adapters/whatsapp/commands.js';
import { connectStore, disconnectStore } from '../../../core/store/connect.js';
import { createLogger } from '../../../core/logger.js';
import { cleanup, eventually, testEnv, type TestEnv } from '../../helpers/hub.js';
import { FakeWhatsApp } from './fake-whatsapp.js';

const account = 'shop-wa';
let env: TestEnv;
let dataPath: string;

beforeAll(() => {
  dataPath = mkdtempSync(join(tmpdir(), 'wweb-login-'));
  env = testEnv({ accounts: [], channels: { shop: { whatsapp: [{ account, transport: 'web', dataPath }] } } });
});
afterAll(async () => {
  if (env) await cleanup(env);
  if (dataPath) rmSync(dataPath, { recursive: true, force: true });
});

function login(fake: FakeWhatsApp, printed: string[]) {
  return whatsappLogin({
    config: env.config,
    account,
    mongoUri: env.mongoUri,
    redisUrl: env.redisUrl,
    factory: fake.factory,
    print: (text) => printed.push(text),
    logger: createLogger({ level: 'silent' }),
    timeoutMs: 10_000,
  });
}

async function storedSession() {
  await connectStore(env.mongoUri);
  try {
    return await new GridFsSessionStore({ dataPath }).latest(sessionName(account));
  } finally {
    await disconnectStore();
  }
}

it('`whatsapp login` prints the QR code, drops the unusable stored session, and returns once the session is saved', async () => {
  await connectStore(env.mongoUri);
  writeFileSync(join(dataPath, `${sessionName(account)}.zip`), 'a session WhatsApp no longer accepts');
  await new GridFsSessionStore({ dataPath }).save({ session: sessionName(account) });
  await disconnectStore();

  const fake = new FakeWhatsApp();
  fake.nextStarts.push('qr');
  const printed: string[] = [];
  const done = login(fake, printed);
  await eventually(async () => printed.length >= 2, 10_000, 'the QR code');
  expect(printed[0]).toBe(`Scan this QR code in WhatsApp on the phone of account "${account}": Settings > Linked devices > Link a device.`);
  // qrcode-terminal's small mode draws with half blocks; a real QR is at least 21 modules wide.
  const art = printed[1]!.split('\n').filter((l) => l.trim());
  expect(art.length).toBeGreaterThanOrEqual(11);
  expect(art[0]).toMatch(/^[▄▀█ ]+$/);

  const client = fake.live(account)!;
  client.becomeReady(); // the phone scanned the code
  await eventually(async () => printed.some((p) => p.startsWith('Linked. Saving the session')), 5_000, 'linked');
  client.emit('remote_session_saved');
  await expect(done).resolves.toBe('linked');
  expect(printed.at(-1)).toContain(`WhatsApp account "${account}" is linked`);
  expect(client.destroyed).toBe(true);
  expect(await storedSession()).toBeUndefined(); // the stale copy is gone; RemoteAuth saved the new one (the fake does not)
});

it('`whatsapp login` says so when the stored session still works, without a QR code', async () => {
  const fake = new FakeWhatsApp();
  const printed: string[] = [];
  await expect(login(fake, printed)).resolves.toBe('already linked');
  expect(printed).toEqual([`WhatsApp account "${account}" is already linked.`]);
});

it('`whatsapp login` refuses while a hub process holds the session', async () => {
  const redis = new Redis(env.redisUrl);
  await redis.set(sessionLockKey(env.prefix, account), 'a-hub-process', 'PX', 5_000);
  const fake = new FakeWhatsApp();
  await expect(login(fake, [])).rejects.toThrow(`a running hub process is using the WhatsApp Web session of "${account}"`);
  expect(fake.clients).toHaveLength(0);
  await redis.del(sessionLockKey(env.prefix, account));
  await redis.quit();
});

it('`switchboard whatsapp login` names the accounts it can link when given another', async () => {
  const res = await promisify(execFile)(process.execPath, ['bin/switchboard.js', 'whatsapp', 'login', 'nope', '--config', env.configFile]).catch(
    (err: { code: number; stderr: string }) => err,
  );
  expect('code' in res && res.code).toBe(1);
  expect((res as { stderr: string }).stderr).toContain(`no whatsapp account "nope" in the config; WhatsApp Web accounts: ${account}`);
});

it('`whatsapp login` for a hub listening beyond loopback refuses without SWITCHBOARD_SESSION_KEY, before linking anything', async () => {
  const fake = new FakeWhatsApp();
  const printed: string[] = [];
  const exposed = { ...env.config, server: { ...env.config.server, host: '0.0.0.0' } };
  await expect(
    whatsappLogin({
      config: exposed,
      account,
      mongoUri: env.mongoUri,
      redisUrl: env.redisUrl,
      factory: fake.factory,
      print: (text) => printed.push(text),
      logger: createLogger({ level: 'silent' }),
      timeoutMs: 10_000,
    }),
  ).rejects.toThrow(`WhatsApp Web account "${account}": SWITCHBOARD_SESSION_KEY is not set`);
  expect(fake.live(account)).toBeUndefined();
  expect(printed).toEqual([]);
});
