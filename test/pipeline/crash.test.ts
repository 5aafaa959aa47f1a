import { expect, it } from 'vitest';
import { Message } from '../../core/store/message.js';
import { eventually, exited, postApi } from '../helpers/hub.js';
import { useSplitHub } from '../helpers/split-hub.js';

const total = 1000;
const users = 40;
const secret = 'crash-secret-0123456789';
const hub = useSplitHub(secret);

it('loses and duplicates nothing when a worker is SIGKILLed in the middle of a 1,000-message burst', async () => {
  const { web, receiver, env } = hub;
  const first = hub.spawnWorker();
  const ids = Array.from({ length: total }, (_, i) => `burst-${i}`);
  // Post the burst 20 at a time while the worker is busy with it.
  const posting = (async () => {
    for (let i = 0; i < ids.length; i += 20) {
      const batch = ids.slice(i, i + 20);
      const results = await Promise.all(
        batch.map((id, j) => postApi(web.url!, 'shop-app', { id, user: `u${(i + j) % users}`, text: `order ${id}` }, { secret })),
      );
      for (const r of results) expect(r.status).toBe(202);
    }
  })();

  await receiver.waitFor(200, 60_000);
  first.kill('SIGKILL');
  await exited(first);
  const atKill = receiver.replies.length;
  await posting;
  hub.spawnWorker();

  // Polls the receiver, not the database: scans of a growing collection would slow FerretDB down.
  await eventually(async () => new Set(receiver.replies.map((r) => r.inReplyTo)).size === total, 120_000, `replies to all ${total} messages`);
  await eventually(
    async () => (await Message.countDocuments({ workspace: 'shop', direction: 'out', status: 'sent' })) === total,
    10_000,
    'delivery records',
    500,
  );

  expect(atKill).toBeLessThan(total);
  expect(await Message.countDocuments({ workspace: 'shop', direction: 'in' })).toBe(total);
  expect(await Message.countDocuments({ workspace: 'shop', direction: 'in', status: 'processed' })).toBe(total);
  expect(await Message.countDocuments({ workspace: 'shop', direction: 'out' })).toBe(total);
  // Each message was answered by exactly one reply id...
  const replyIds = new Map<string, Set<string>>();
  for (const r of receiver.replies) replyIds.set(r.inReplyTo!, (replyIds.get(r.inReplyTo!) ?? new Set()).add(r.id));
  expect([...replyIds.values()].every((s) => s.size === 1)).toBe(true);
  // ...and delivered once. A webhook POST that was in flight at the kill may be repeated (at-least-once,
  // receivers drop repeats by `id`): at most one per conversation, since a conversation delivers one reply at a time.
  const repeats = receiver.replies.length - total;
  expect(repeats).toBeLessThanOrEqual(Math.min(users, env.config.pipeline.concurrency));
  console.log(`SIGKILL after ${atKill} replies; ${repeats} webhook POST(s) repeated after the kill`);
  // Per user, replies arrived in the order the messages were sent.
  for (let u = 0; u < users; u++) {
    const sent = ids.filter((_, i) => i % users === u);
    const seen = [...new Set(receiver.replies.filter((r) => r.user === `u${u}`).map((r) => r.inReplyTo))];
    expect(seen).toEqual(sent);
  }
}, 180_000);
