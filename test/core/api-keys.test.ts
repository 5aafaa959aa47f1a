import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../core/hub.js';
import { keyDigest } from '../../core/http/api-key-schema.js';
import { parseConfig } from '../../core/config/load.js';
import { builtinRegistry } from '../../adapters/index.js';
import type { ConfigError } from '../../core/errors.js';
import { Receiver } from '../helpers/receiver.js';
import { cleanup, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';

const secret = 'keys-channel-secret-0123456789';
/** Every scope, written out in the config as is. */
const fullKey = 'bakery-full-key-0123456789abcdef';
/** Configured only by its SHA-256, with the read scope. */
const readKey = 'bakery-read-key-0123456789abcdef';
/** Configured by its SHA-256 with read and privacy. */
const dpoKey = 'bakery-dpo-key-0123456789abcdefgh';
let receiver: Receiver;
let env: TestEnv;
let hub: Hub;

beforeAll(async () => {
  receiver = await new Receiver(secret).start();
  env = testEnv({
    accounts: [{ workspace: 'bakery', account: 'bakery-app', secret, webhookUrl: receiver.url }],
    workspaces: {
      bakery: {
        apiKeys: [
          fullKey,
          { sha256: keyDigest(readKey), scopes: ['read'], name: 'reporting' },
          { sha256: keyDigest(dpoKey).toUpperCase(), scopes: ['read', 'privacy'] },
        ],
      },
    },
    // Behind one proxy, so the test can speak for several client addresses.
    extra: { server: { port: 0, trustProxy: 1 }, console: { keyFailuresPerAddress: 5 } },
  });
  hub = await startTestHub(env);
});
afterAll(async () => {
  await hub?.stop();
  await receiver?.stop();
  if (env) await cleanup(env);
});

const call = (path: string, key: string, options: { method?: string; from?: string; body?: unknown } = {}) =>
  fetch(`${hub.url}/api${path}`, {
    method: options.method ?? 'GET',
    headers: {
      authorization: `Bearer ${key}`,
      'x-forwarded-for': options.from ?? '198.51.100.1',
      ...(options.body ? { 'content-type': 'application/json' } : {}),
    },
    ...(options.body ? { body: JSON.stringify(options.body) } : {}),
  });

describe('API key scopes', () => {
  it('lets a read key look but not change, and only a privacy key reach data-subject requests and the audit log', async () => {
    expect((await call('/leads', readKey)).status).toBe(200);
    const change = await call('/canned-replies/hello', readKey, { method: 'PUT', body: { text: 'Hello!' } });
    expect(change.status).toBe(403);
    expect(await change.json()).toMatchObject({ message: 'this API key lacks the "write" scope' });
    expect((await call('/audit', readKey)).status).toBe(403);

    expect((await call('/audit', dpoKey)).status).toBe(200);
    expect((await call('/canned-replies/hello', dpoKey, { method: 'PUT', body: { text: 'Hello!' } })).status).toBe(403);

    expect((await call('/canned-replies/hello', fullKey, { method: 'PUT', body: { text: 'Hello!' } })).status).toBe(200);
    expect((await call('/audit', fullKey)).status).toBe(200);
  });

  it('names a key in the audit log by the start of its digest, never by the key', async () => {
    await call('/canned-replies/hello', fullKey, { method: 'PUT', body: { text: 'Hi again' } });
    const audit = (await (await call('/audit', dpoKey)).json()) as { entries: { actor: string }[] };
    const actors = audit.entries.map((e) => e.actor);
    expect(actors).toContain(`key:${keyDigest(fullKey).slice(0, 12)}`);
    expect(JSON.stringify(audit)).not.toContain(fullKey);
  });
});

describe('wrong API keys', () => {
  it('refuses an address after 5 wrong keys, even with a right one, and leaves other addresses alone', async () => {
    const from = '203.0.113.7';
    for (let i = 0; i < 5; i++) expect((await call('/leads', `guess-${i}-0123456789abcdefghij`, { from })).status).toBe(401);
    const limited = await call('/leads', fullKey, { from });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The next address of the same IPv6 /64 is the same client; another /64 and another IPv4 address are not.
    for (let i = 0; i < 5; i++) expect((await call('/leads', `guess-${i}-0123456789abcdefghij`, { from: '2001:db8:1:2::1' })).status).toBe(401);
    expect((await call('/leads', fullKey, { from: '2001:db8:1:2::99' })).status).toBe(429);
    expect((await call('/leads', fullKey, { from: '2001:db8:1:3::1' })).status).toBe(200);
    expect((await call('/leads', fullKey, { from: '203.0.113.8' })).status).toBe(200);
  });
});

describe('keys in the config', () => {
  const registry = builtinRegistry();
  const load = (yaml: string) => {
    try {
      parseConfig(yaml, 'switchboard.yaml', { channelSchemas: registry.schemas(), env: {} });
      return [];
    } catch (err) {
      return (err as ConfigError).issues.map((i) => `${i.line}:${i.col}: ${i.message}`);
    }
  };

  it('refuses a key that opens two workspaces, also when one of them gives its hash', () => {
    const yaml = `workspaces:
  - id: a
    name: A
    apiKeys: ["${fullKey}"]
  - id: b
    name: B
    apiKeys:
      - { sha256: "${keyDigest(fullKey)}", scopes: [read] }
`;
    expect(load(yaml)).toEqual(['8:9: this API key is already a key of workspace "a" (apiKeys.0); each key may open one workspace only']);
  });

  it('explains a malformed hash and an entry with both a key and a hash', () => {
    const yaml = `workspaces:
  - id: a
    name: A
    apiKeys:
      - { sha256: "abc" }
      - { key: "${fullKey}", sha256: "${keyDigest(fullKey)}" }
      - { key: "${readKey}", scopes: [delete] }
`;
    expect(load(yaml).join('\n')).toMatch(/5:\d+: .*64 characters[\s\S]*6:\d+: .*exactly one of "key" or "sha256"[\s\S]*7:\d+: .*"read", "write" or "privacy"/);
  });
});
