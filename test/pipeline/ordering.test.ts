import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Hub } from '../../core/hub.js';
import { Message } from '../../core/store/message.js';
import { Receiver } from '../helpers/receiver.js';
import { cleanup, exited, postApi, spawnHub, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';

const secret = 'ordering-secret-0123456';
let receiver: Receiver;
let env: TestEnv;
let web: Hub;
let workers: ChildProcess[] = [];

beforeAll(async () => {
  receiver = await new Receiver(secret).start();
  env = testEnv({ accounts: [{ workspace: 'shop', account: 'shop-app', secret, webhookUrl: receiver.url }] });
  web = await startTestHub(env, 'web');
  workers = [spawnHub(env, 'worker'), spawnHub(env, 'worker')];
});
afterAll(async () => {
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map(exited));
  await web?.stop();
  await receiver?.stop();
  if (env) await cleanup(env);
});

it('stores and answers 200 messages of one conversation in order with two worker processes', async () => {
  const ids = Array.from({ length: 200 }, (_, i) => `seq-${i}`);
  for (const id of ids) {
    const res = await postApi(web.url!, 'shop-app', { id, user: 'olivia', text: `message ${id}` }, { secret });
    expect(res.status).toBe(202);
  }
  const replies = await receiver.waitFor(200, 60_000);
  expect(replies.map((r) => r.inReplyTo)).toEqual(ids);

  const inbound = await Message.find({ workspace: 'shop', direction: 'in' }).sort({ order: 1 }).lean();
  expect(inbound.map((m) => m.platformId)).toEqual(ids);
  const outbound = await Message.find({ workspace: 'shop', direction: 'out' }).sort({ order: 1 }).lean();
  expect(outbound).toHaveLength(200);
  // Each reply sits right after the message it answers.
  const byId = new Map(inbound.map((m) => [m._id, m.order]));
  for (const reply of outbound) expect(reply.order).toBe(byId.get(reply.inReplyTo!)! + 1);
}, 120_000);
