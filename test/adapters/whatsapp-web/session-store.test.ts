import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webAccountSchema } from '../../../adapters/whatsapp/web/config.js';
import { createRealClient } from '../../../adapters/whatsapp/web/real-client.js';
import { loadRemoteAuth } from '../../../adapters/whatsapp/web/remote-auth.js';
import { GridFsSessionStore, sessionName } from '../../../adapters/whatsapp/web/session-store.js';
import { createLogger } from '../../../core/logger.js';
import { cleanup, testEnv, type TestEnv } from '../../helpers/hub.js';

let env: TestEnv;
let dataPath: string;

beforeAll(async () => {
  env = testEnv({ accounts: [], channels: { shop: { whatsapp: [{ account: 'shop-wa', transport: 'web' }] } } });
  await mongoose.connect(env.mongoUri);
  dataPath = mkdtempSync(join(tmpdir(), 'wweb-store-'));
});
afterAll(async () => {
  await mongoose.disconnect();
  if (env) await cleanup(env);
  if (dataPath) rmSync(dataPath, { recursive: true, force: true });
});

describe('GridFsSessionStore', () => {
  it('round-trips a session zip: save, exists, extract to a path, keep only the latest save, delete', async () => {
    const store = new GridFsSessionStore({ dataPath });
    const session = sessionName('round-trip');
    expect(await store.sessionExists({ session })).toBe(false);

    // RemoteAuth writes the zip to <dataPath>/<session>.zip and calls save with the bare name (1.34.7).
    const first = Buffer.from('PK first session '.repeat(40_000)); // > one 255 KiB GridFS chunk
    writeFileSync(join(dataPath, `${session}.zip`), first);
    await store.save({ session });
    expect(await store.sessionExists({ session })).toBe(true);

    // GitHub main calls save with the path <dataPath>/<session>: the same file name in the store.
    const second = Buffer.from('PK second session');
    writeFileSync(join(dataPath, `${session}.zip`), second);
    await store.save({ session: join(dataPath, session) });

    const out = join(dataPath, 'restored.zip');
    await store.extract({ session, path: out });
    expect(readFileSync(out).equals(second)).toBe(true);
    const files = await mongoose.connection.db!.collection('whatsapp_sessions.files').find({}).toArray();
    expect(files.map((f) => f.filename)).toEqual([`${session}.zip`]);
    expect(await mongoose.connection.db!.collection('whatsapp_sessions.chunks').countDocuments({ files_id: files[0]!._id })).toBe(1);

    await store.delete({ session });
    expect(await store.sessionExists({ session })).toBe(false);
    expect(await mongoose.connection.db!.collection('whatsapp_sessions.chunks').countDocuments({})).toBe(0);
  });

  it('keeps the sessions of different accounts apart', async () => {
    const store = new GridFsSessionStore({ dataPath });
    writeFileSync(join(dataPath, `${sessionName('a')}.zip`), 'session of a');
    await store.save({ session: sessionName('a') });
    expect(await store.sessionExists({ session: sessionName('b') })).toBe(false);
    await store.delete({ session: sessionName('b') });
    expect(await store.sessionExists({ session: sessionName('a') })).toBe(true);
    await store.delete({ session: sessionName('a') });
  });

  it('is what the installed whatsapp-web.js RemoteAuth saves to and fully restores from (no browser)', async () => {
    const RemoteAuth = await loadRemoteAuth();
    const store = new GridFsSessionStore({ dataPath });
    const strategy = new RemoteAuth({ clientId: 'linked', dataPath, store, backupSyncIntervalMs: 60_000 }) as InstanceType<typeof RemoteAuth> & {
      client: unknown;
      beforeBrowserInitialized(): Promise<void>;
      storeRemoteSession(options?: { emit: boolean }): Promise<void>;
    };
    const emitted: string[] = [];
    strategy.client = { options: { puppeteer: {} }, emit: (event: string) => emitted.push(event) };

    // First start: nothing stored, RemoteAuth creates an empty profile directory for Chromium.
    await strategy.beforeBrowserInitialized();
    const profile = join(dataPath, 'RemoteAuth-linked');
    expect(existsSync(profile)).toBe(true);
    // What Chromium leaves after linking (RemoteAuth keeps Default/IndexedDB and Default/Local Storage).
    mkdirSync(join(profile, 'Default', 'IndexedDB'), { recursive: true });
    mkdirSync(join(profile, 'Default', 'Local Storage'), { recursive: true });
    writeFileSync(join(profile, 'Default', 'IndexedDB', 'wawc.db'), 'device keys');
    writeFileSync(join(profile, 'Default', 'Local Storage', 'leveldb'), 'last-wid');
    await strategy.storeRemoteSession({ emit: true });
    expect(emitted).toEqual(['remote_session_saved']);
    expect(await store.sessionExists({ session: 'RemoteAuth-linked' })).toBe(true);

    // Next start on a fresh machine: the profile comes back from MongoDB.
    rmSync(profile, { recursive: true, force: true });
    await strategy.beforeBrowserInitialized();
    expect(readFileSync(join(profile, 'Default', 'IndexedDB', 'wawc.db'), 'utf8')).toBe('device keys');
    expect(readFileSync(join(profile, 'Default', 'Local Storage', 'leveldb'), 'utf8')).toBe('last-wid');
    expect(existsSync(join(dataPath, 'RemoteAuth-linked.zip'))).toBe(false);
  });

  it('backs the real client: the whatsapp-web.js factory builds a Client with RemoteAuth on this store (Chromium is not launched)', async () => {
    const client = await createRealClient({
      account: 'shop-wa',
      config: webAccountSchema.parse({ account: 'shop-wa', transport: 'web', dataPath }),
      store: new GridFsSessionStore({ dataPath }),
      logger: createLogger({ level: 'silent' }),
    });
    expect(typeof client.initialize).toBe('function');
    await client.destroy(); // no browser yet: only RemoteAuth's backup timer to clear
  });
});
