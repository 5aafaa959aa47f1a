import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRemoteAuth } from '../../../adapters/whatsapp/web/remote-auth.js';
import { SessionKeyError } from '../../../adapters/whatsapp/web/session-cipher.js';
import { checkSessionStorage } from '../../../adapters/whatsapp/web/session-policy.js';
import { GridFsSessionStore, sessionName } from '../../../adapters/whatsapp/web/session-store.js';
import { createLogger } from '../../../core/logger.js';
import { cleanup, testEnv, type TestEnv } from '../../helpers/hub.js';

let env: TestEnv;
let dataPath: string;
const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('hex');
const withKey = (value: string) => ({ SWITCHBOARD_SESSION_KEY: value });
/** What a linked device's profile holds: nothing of it may be readable in the database. */
const marker = 'IndexedDB/wawc_db_enc the-business-session-secret';
const zip = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.from(`${marker} `.repeat(8_000))]); // > one 255 KiB GridFS chunk

beforeAll(async () => {
  env = testEnv({ accounts: [], channels: { shop: { whatsapp: [{ account: 'shop-wa', transport: 'web' }] } } });
  await mongoose.connect(env.mongoUri);
  dataPath = mkdtempSync(join(tmpdir(), 'wweb-sealed-'));
});
afterAll(async () => {
  await mongoose.disconnect();
  if (env) await cleanup(env);
  if (dataPath) rmSync(dataPath, { recursive: true, force: true });
});

/** The bytes MongoDB holds for a session: its GridFS chunks, in order. */
async function storedBytes(session: string): Promise<Buffer> {
  const db = mongoose.connection.db!;
  const file = await db.collection('whatsapp_sessions.files').findOne({ filename: `${session}.zip` });
  const chunks = await db.collection('whatsapp_sessions.chunks').find({ files_id: file!._id }).toArray();
  return Buffer.concat(chunks.sort((a, b) => a.n - b.n).map((c) => Buffer.from((c.data as { buffer: Uint8Array }).buffer)));
}

async function saveZip(store: GridFsSessionStore, session: string, bytes: Buffer): Promise<void> {
  writeFileSync(join(dataPath, `${session}.zip`), bytes);
  await store.save({ session });
}

describe('WhatsApp Web sessions at rest', () => {
  it('are stored encrypted (no plaintext in GridFS, a new IV each save) and restore to the same zip', async () => {
    const store = new GridFsSessionStore({ dataPath, env: withKey(keyA) });
    const session = sessionName('sealed');
    await saveZip(store, session, zip);
    const first = await storedBytes(session);
    expect(first.includes(Buffer.from(marker))).toBe(false);
    expect(first.includes(Buffer.from('PK\x03\x04'))).toBe(false);
    expect(first.subarray(0, 4).toString()).toBe('SBWS');

    const out = join(dataPath, 'restored.zip');
    await store.extract({ session, path: out });
    expect(readFileSync(out).equals(zip)).toBe(true);

    await saveZip(store, session, zip);
    const second = await storedBytes(session);
    expect(second.length).toBe(first.length);
    expect(second.equals(first)).toBe(false);
  });

  it('with the wrong key: a clear error, nothing written for RemoteAuth, and the stored session left as it was', async () => {
    const session = sessionName('wrong-key');
    await saveZip(new GridFsSessionStore({ dataPath, env: withKey(keyA) }), session, zip);
    const before = await storedBytes(session);
    const out = join(dataPath, 'wrong.zip');

    const wrong = new GridFsSessionStore({ dataPath, env: withKey(keyB) });
    const error = await wrong.extract({ session, path: out }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SessionKeyError);
    expect((error as Error).message).toBe(
      `the stored WhatsApp Web session "${session}.zip" could not be decrypted with key id 1 of SWITCHBOARD_SESSION_KEY: ` +
        'a different key than the one that encrypted it, or a damaged copy; it is left as stored',
    );
    expect(existsSync(out) || existsSync(`${out}.partial`)).toBe(false);

    await expect(new GridFsSessionStore({ dataPath, env: withKey(`2:${keyB}`) }).extract({ session, path: out })).rejects.toThrow(
      'was encrypted with key id 1, which SWITCHBOARD_SESSION_KEY does not hold (it has 2); it is left as stored',
    );
    await expect(new GridFsSessionStore({ dataPath, env: {} }).extract({ session, path: out })).rejects.toThrow(
      'is encrypted (key id 1): set SWITCHBOARD_SESSION_KEY to its key',
    );
    expect((await storedBytes(session)).equals(before)).toBe(true);
  });

  it('rotates: a new first key seals new saves while the old one still opens older saves', async () => {
    const session = sessionName('rotated');
    await saveZip(new GridFsSessionStore({ dataPath, env: withKey(keyA) }), session, zip);
    const rotated = new GridFsSessionStore({ dataPath, env: withKey(`2:${keyB}, 1:${keyA}`) });
    const out = join(dataPath, 'rotated.zip');
    await rotated.extract({ session, path: out });
    expect(readFileSync(out).equals(zip)).toBe(true);
    await saveZip(rotated, session, zip);
    expect((await storedBytes(session))[5]).toBe(2); // the key id byte
    await expect(new GridFsSessionStore({ dataPath, env: withKey(keyA) }).extract({ session, path: out })).rejects.toThrow(/key id 2/);
  });

  it('still restores a plaintext session saved before encryption, and seals it at the next save', async () => {
    const session = sessionName('legacy');
    await saveZip(new GridFsSessionStore({ dataPath, env: {} }), session, zip);
    expect((await storedBytes(session)).includes(Buffer.from(marker))).toBe(true);

    const store = new GridFsSessionStore({ dataPath, env: withKey(keyA) });
    const out = join(dataPath, 'legacy.zip');
    await store.extract({ session, path: out });
    expect(readFileSync(out).equals(zip)).toBe(true);
    await saveZip(store, session, zip);
    expect((await storedBytes(session)).includes(Buffer.from(marker))).toBe(false);
    await store.extract({ session, path: out });
    expect(readFileSync(out).equals(zip)).toBe(true);
  });

  it('is what the installed RemoteAuth saves through and restores from; with the wrong key it stops before touching the stored copy', async () => {
    const RemoteAuth = await loadRemoteAuth();
    type Strategy = InstanceType<typeof RemoteAuth> & { client: unknown; beforeBrowserInitialized(): Promise<void>; storeRemoteSession(): Promise<void> };
    const strategyOn = (store: GridFsSessionStore) => {
      const strategy = new RemoteAuth({ clientId: 'linked-sealed', dataPath, store, backupSyncIntervalMs: 60_000 }) as Strategy;
      strategy.client = { options: { puppeteer: {} }, emit: () => undefined };
      return strategy;
    };
    const strategy = strategyOn(new GridFsSessionStore({ dataPath, env: withKey(keyA) }));
    await strategy.beforeBrowserInitialized();
    const profile = join(dataPath, 'RemoteAuth-linked-sealed');
    mkdirSync(join(profile, 'Default', 'IndexedDB'), { recursive: true });
    writeFileSync(join(profile, 'Default', 'IndexedDB', 'wawc.db'), marker);
    await strategy.storeRemoteSession();
    const stored = await storedBytes('RemoteAuth-linked-sealed');
    expect(stored.subarray(0, 4).toString()).toBe('SBWS');
    expect(stored.includes(Buffer.from(marker))).toBe(false);

    rmSync(profile, { recursive: true, force: true });
    await strategy.beforeBrowserInitialized();
    expect(readFileSync(join(profile, 'Default', 'IndexedDB', 'wawc.db'), 'utf8')).toBe(marker);

    await expect(strategyOn(new GridFsSessionStore({ dataPath, env: withKey(keyB) })).beforeBrowserInitialized()).rejects.toBeInstanceOf(SessionKeyError);
    expect((await storedBytes('RemoteAuth-linked-sealed')).equals(stored)).toBe(true);
  });

  it('refuses a malformed key without showing it', () => {
    for (const bad of ['too-short', `${keyA.slice(0, 40)}`, `0:${keyA}`, `1:${keyA},1:${keyB}`]) {
      let message = '';
      try {
        new GridFsSessionStore({ dataPath, env: withKey(bad) });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/^SWITCHBOARD_SESSION_KEY: key (id )?\d/);
      expect(message).not.toContain(keyA.slice(0, 20));
    }
  });

  it('without a key: refused on a hub listening beyond loopback, a warning on loopback', () => {
    expect(() => checkSessionStorage({ encrypted: false, host: '0.0.0.0', accounts: ['shop-wa'] })).toThrow(
      'WhatsApp Web account "shop-wa": SWITCHBOARD_SESSION_KEY is not set, so its session (a logged-in device) would be stored in MongoDB unencrypted while the hub listens on 0.0.0.0',
    );
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    checkSessionStorage({ encrypted: false, host: '127.0.0.1', accounts: ['shop-wa'], logger });
    expect(lines.map((l) => JSON.parse(l) as { level: number; msg: string })).toEqual([
      expect.objectContaining({
        level: 40,
        msg: expect.stringContaining('SWITCHBOARD_SESSION_KEY is not set: WhatsApp Web sessions are stored in MongoDB unencrypted'),
      }),
    ]);
    expect(() => checkSessionStorage({ encrypted: true, host: '0.0.0.0', accounts: ['shop-wa'] })).not.toThrow();
  });
});
