import { afterAll, beforeAll, expect, it } from 'vitest';
import { cleanup, postApi, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';
import { Receiver } from '../helpers/receiver.js';

// Order is kept per conversation, not per shard of conversations: one whose platform hangs holds up nobody else.
const secret = 'isolation-secret-01234567';
let receiver: Receiver;
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;

beforeAll(async () => {
  receiver = await new Receiver(secret).start();
  env = testEnv({ accounts: [{ workspace: 'shop', account: 'shop-app', secret, webhookUrl: receiver.url }] });
  hub = await startTestHub(env);
});
afterAll(async () => {
  await hub?.stop();
  await receiver?.stop();
  if (env) await cleanup(env);
});

it("answers every other conversation while one conversation's platform call hangs, and that one in its order", async () => {
  const others = Array.from({ length: 30 }, (_, i) => `u${i}`);
  let release!: () => void;
  const othersDone = new Promise<void>((r) => (release = r));
  // The platform takes `stuck`'s first reply only once every other conversation was answered:
  // if anything queued behind that call, this never resolves and the test times out.
  receiver.respond = async (reply) => {
    if (reply.user === 'stuck') await othersDone;
    return 200;
  };
  expect((await postApi(hub.url!, 'shop-app', { id: 's1', user: 'stuck', text: 'first' }, { secret })).status).toBe(202);
  expect((await postApi(hub.url!, 'shop-app', { id: 's2', user: 'stuck', text: 'second' }, { secret })).status).toBe(202);
  await Promise.all(others.map((user, i) => postApi(hub.url!, 'shop-app', { id: `o${i}`, user, text: 'hi' }, { secret })));
  await receiver.waitFor(others.length, 20_000);
  expect(new Set(receiver.replies.map((r) => r.user))).toEqual(new Set(others));
  release();
  await receiver.waitFor(others.length + 2, 20_000);
  // (The hub may have retried the hanging call after its timeout; receivers drop repeats by id.)
  expect([...new Set(receiver.replies.filter((r) => r.user === 'stuck').map((r) => r.inReplyTo))]).toEqual(['s1', 's2']);
}, 60_000);
