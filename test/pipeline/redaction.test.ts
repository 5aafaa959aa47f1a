import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Hub } from '../../core/hub.js';
import { Message } from '../../core/store/message.js';
import { cleanup, eventually, postApi, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';
import { Receiver } from '../helpers/receiver.js';

const secret = 'redact-secret-0123456789';
const reply = 'Please do not send card numbers here: we removed it and did not keep it.';
let receiver: Receiver;
let env: TestEnv;
let hub: Hub;
const logs: string[] = [];

beforeAll(async () => {
  receiver = await new Receiver(secret).start();
  env = testEnv({
    accounts: [{ workspace: 'shop', account: 'shop-app', secret, webhookUrl: receiver.url }],
    privacy: { shop: { redaction: { patterns: [{ name: 'iban', pattern: '\\bCZ\\d{2}(?: ?\\d{4}){5}\\b' }], reply } } },
  });
  hub = await startTestHub(env, 'all', logs);
});
afterAll(async () => {
  await hub?.stop();
  await receiver?.stop();
  if (env) await cleanup(env);
});

/** Every string value under the test's Redis prefix: lists, hashes, strings, sorted sets and streams (BullMQ's events). */
async function everythingInRedis(redis: Redis, prefix: string): Promise<string> {
  const parts: string[] = [];
  for (const key of await redis.keys(`${prefix}:*`)) {
    const type = await redis.type(key);
    if (type === 'string') parts.push((await redis.get(key)) ?? '');
    if (type === 'list') parts.push(...(await redis.lrange(key, 0, -1)));
    if (type === 'hash') parts.push(...Object.values(await redis.hgetall(key)));
    if (type === 'zset') parts.push(...(await redis.zrange(key, 0, -1)));
    if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    parts.push(key);
  }
  return parts.join('\n');
}

it('removes a card number and a workspace pattern before the message is queued, stored or answered, and says so', async () => {
  const text = 'card 4111 1111 1111 1111, or pay to CZ65 0800 0000 1920 0014 5399';
  expect((await postApi(hub.url!, 'shop-app', { id: 'c-1', user: 'payer', text }, { secret })).status).toBe(202);
  const replies = await receiver.waitFor(2);
  expect(replies.map((r) => r.text)).toEqual([reply, 'auto-reply from shop']);

  await eventually(async () => (await Message.countDocuments({ user: 'payer', direction: 'in' })) === 1, 5000, 'the stored message');
  const stored = await Message.findOne({ user: 'payer', direction: 'in' }).lean();
  expect(stored?.text).toBe('card [card number removed], or pay to [iban removed]');

  const redis = new Redis(env.redisUrl);
  try {
    const everything = await everythingInRedis(redis, env.prefix);
    expect(everything).not.toMatch(/4111|0014 5399/);
  } finally {
    redis.disconnect();
  }
  expect(logs.join('\n')).not.toMatch(/4111|5399/);
  const metrics = await (await fetch(`${hub.url}/metrics`)).text();
  expect(metrics).toMatch(/switchboard_redactions_total\{kind="card"\} 1/);
  expect(metrics).toMatch(/switchboard_redactions_total\{kind="iban"\} 1/);
});

it('answers a message with nothing to remove as usual', async () => {
  await postApi(hub.url!, 'shop-app', { id: 'c-2', user: 'plain', text: 'my order is 2026-12-02-0001' }, { secret });
  await eventually(async () => receiver.replies.some((r) => r.user === 'plain'), 5000, 'the reply');
  expect(receiver.replies.filter((r) => r.user === 'plain').map((r) => r.text)).toEqual(['auto-reply from shop']);
});
