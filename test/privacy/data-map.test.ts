import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { builtinRegistry } from '../../adapters/index.js';
import { matchesRedisPattern, storeName, type PrivacyContract } from '../../core/privacy/contract.js';
import { dataMap } from '../../core/privacy/data-map.js';
import { RetentionRun } from '../../core/store/retention-run.js';
import { chatter } from '../helpers/chat.js';
import { cleanup, eventually, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';
import { Receiver } from '../helpers/receiver.js';

// Every store the hub writes has a privacy contract (core/privacy/contract.ts), so retention,
// export and erasure can reach it. Statically: every model, bucket and declared field. And by
// what a running hub actually wrote: every collection in MongoDB and every key in Redis.

const map = dataMap(builtinRegistry());
const secret = 'map-secret-0123456789';
let receiver: Receiver;
let crm: Receiver;
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;

beforeAll(async () => {
  receiver = await new Receiver(secret).start();
  // The business's webhook fails its first attempts: replies wait in the outbound mailbox, paused.
  receiver.respond = (_reply, attempt) => (attempt < 2 ? 503 : 200);
  crm = await new Receiver('crm-secret-0123456789abcdef').start();
  crm.respond = () => 500;
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-map-'));
  writeFileSync(join(dir, 'shop.yaml'), readFileSync('config/flows/shop.yaml', 'utf8'));
  env = testEnv({
    accounts: [{ workspace: 'shop', account: 'shop-app', secret, webhookUrl: receiver.url }],
    flows: { shop: { path: dir, start: 'shop' } },
    crm: { shop: { webhookUrl: crm.url, secret: 'crm-secret-0123456789abcdef' } },
    // A retention sweep every second writes its schedule, jobs, lock and run too.
    privacy: { shop: { retention: { conversations: '12mo' } } },
    pipeline: { outboundAttempts: 3, outboundBackoffMs: 50, retentionSchedule: '* * * * * *' },
  });
  hub = await startTestHub(env);
});
afterAll(async () => {
  await hub?.stop();
  await receiver?.stop();
  await crm?.stop();
  if (env) await cleanup(env);
});

const mongodb = (c: PrivacyContract) => ('mongodb' in c.store ? c.store.mongodb : undefined);

it('declares one contract per store, and every field it names exists in the model', () => {
  const names = map.map((c) => storeName(c.store));
  expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  for (const name of mongoose.modelNames()) {
    const model = mongoose.model(name);
    const contract = map.find((c) => mongodb(c) === model.collection.collectionName);
    expect(contract, `no privacy contract for collection ${model.collection.collectionName} (model ${name})`).toBeDefined();
    for (const field of contract!.personal) {
      const known = model.schema.path(field) !== undefined || Object.keys(model.schema.paths).some((p) => p.startsWith(`${field}.`));
      expect(known, `${model.collection.collectionName}: the contract names "${field}", which the schema does not have`).toBe(true);
    }
  }
  for (const bucket of builtinRegistry().collections().buckets) {
    expect(
      map.some((c) => 'gridfs' in c.store && c.store.gridfs === bucket),
      `no privacy contract for GridFS bucket ${bucket}`,
    ).toBe(true);
  }
  for (const contract of map) {
    if (!contract.personal.length) expect(contract.erasure.action, `${storeName(contract.store)} holds nothing personal`).toBe('none');
  }
});

it('covers every collection and every Redis key a running hub wrote', async () => {
  const ada = chatter({ hubUrl: () => hub.url!, receiver, workspace: 'shop', account: 'shop-app', secret, user: 'ada' });
  // A flow conversation with idle timers, a lead for a failing CRM, replies that need a retry, retention sweeps.
  await ada('hello');
  await ada({ choice: 'callback' });
  await ada('Ada Lovelace');
  await ada('skip');
  await ada('skip');
  await ada('no');
  await eventually(async () => Object.values(await hub.queues.crm.getJobCounts()).some((n) => n > 0), 5000, 'the CRM job');
  await eventually(async () => (await RetentionRun.countDocuments({})) > 0, 5000, 'a retention sweep');

  const uncovered: string[] = [];
  const collections = await mongoose.connection.db!.listCollections().toArray();
  for (const { name } of collections) {
    if (name.startsWith('system.')) continue;
    const bucket = name.replace(/\.(files|chunks)$/, '');
    const covered = map.some((c) => mongodb(c) === name || ('gridfs' in c.store && c.store.gridfs === bucket));
    if (!covered) uncovered.push(`mongodb:${name}`);
  }
  const redis = new Redis(env.redisUrl);
  try {
    const keys = await redis.keys(`${env.prefix}:*`);
    expect(keys.length).toBeGreaterThan(5);
    for (const key of keys) {
      const rest = key.slice(env.prefix.length + 1);
      if (!map.some((c) => 'redis' in c.store && matchesRedisPattern(c.store.redis, rest))) uncovered.push(`redis:${rest}`);
    }
  } finally {
    redis.disconnect();
  }
  expect(uncovered).toEqual([]);
});
