import { beforeAll, expect, it } from 'vitest';
import { Message } from '../../core/store/message.js';
import { eventually, exited, postApi } from '../helpers/hub.js';
import { useSplitHub } from '../helpers/split-hub.js';

const secret = 'shutdown-secret-01234567';
const hub = useSplitHub(secret);
beforeAll(() => {
  // A slow webhook, so deliveries are in flight when SIGTERM arrives.
  hub.receiver.respond = () => new Promise((r) => setTimeout(() => r(200), 300));
});

it('finishes in-flight jobs on SIGTERM, exits 0, and leaves the rest for the next worker', async () => {
  const { web, receiver } = hub;
  const first = hub.spawnWorker();
  const ids = Array.from({ length: 40 }, (_, i) => `term-${i}`);
  for (const [i, id] of ids.entries()) {
    expect((await postApi(web.url!, 'shop-app', { id, user: `u${i % 8}`, text: 'hi' }, { secret })).status).toBe(202);
  }
  await receiver.waitFor(1, 30_000);
  first.kill('SIGTERM');
  expect(await exited(first)).toBe(0);
  const atStop = receiver.replies.length;
  expect(atStop).toBeLessThan(ids.length);

  hub.spawnWorker();
  await receiver.waitFor(ids.length, 60_000);
  await eventually(async () => (await Message.countDocuments({ direction: 'out', status: 'sent' })) === ids.length, 10_000, 'delivery records', 250);
  // Nothing was cut off mid-delivery, so nothing was sent twice.
  expect(receiver.replies).toHaveLength(ids.length);
  expect(new Set(receiver.replies.map((r) => r.inReplyTo))).toEqual(new Set(ids));
}, 120_000);
