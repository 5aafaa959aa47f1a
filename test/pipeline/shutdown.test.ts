import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Hub } from '../../core/hub.js';
import { Message } from '../../core/store/message.js';
import { Receiver } from '../helpers/receiver.js';
import { cleanup, eventually, exited, postApi, spawnHub, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';

const secret = 'shutdown-secret-01234567';
let receiver: Receiver;
let env: TestEnv;
let web: Hub;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  receiver = await new Receiver(secret).start();
  // A slow webhook, so deliveries are in flight when SIGTERM arrives.
  receiver.respond = () => new Promise((r) => setTimeout(() => r(200), 300));
  env = testEnv({ accounts: [{ workspace: 'shop', account: 'shop-app', secret, webhookUrl: receiver.url }] });
  web = await startTestHub(env, 'web');
});
afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await Promise.all(workers.map(exited));
  await web?.stop();
  await receiver?.stop();
  if (env) await cleanup(env);
});

it('finishes in-flight jobs on SIGTERM, exits 0, and leaves the rest for the next worker', async () => {
  const first = spawnHub(env, 'worker');
  workers.push(first);
  const ids = Array.from({ length: 40 }, (_, i) => `term-${i}`);
  for (const [i, id] of ids.entries()) {
    expect((await postApi(web.url!, 'shop-app', { id, user: `u${i % 8}`, text: 'hi' }, { secret })).status).toBe(202);
  }
  await receiver.waitFor(1, 30_000);
  first.kill('SIGTERM');
  expect(await exited(first)).toBe(0);
  const atStop = receiver.replies.length;
  expect(atStop).toBeLessThan(ids.length);

  workers.push(spawnHub(env, 'worker'));
  await receiver.waitFor(ids.length, 60_000);
  await eventually(async () => (await Message.countDocuments({ direction: 'out', status: 'sent' })) === ids.length, 10_000, 'delivery records', 250);
  // Nothing was cut off mid-delivery, so nothing was sent twice.
  expect(receiver.replies).toHaveLength(ids.length);
  expect(new Set(receiver.replies.map((r) => r.inReplyTo))).toEqual(new Set(ids));
}, 120_000);
