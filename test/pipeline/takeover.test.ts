import { expect, it } from 'vitest';
import { Message } from '../../core/store/message.js';
import { eventually, exited, postApi } from '../helpers/hub.js';
import { useSplitHub } from '../helpers/split-hub.js';

// A worker dies holding a conversation (its lease) and nothing else arrives for that conversation:
// the next worker must still take it over, at the entry the dead one was handling, once the lease runs out.
const secret = 'takeover-secret-01234567';
const hub = useSplitHub(secret);

it("takes over a dead worker's conversation after its lease expires, with no new message to wake it", async () => {
  const { web, receiver } = hub;
  let hang = true;
  // The platform holds the first reply while the first worker is killed.
  receiver.respond = async () => {
    while (hang) await new Promise((r) => setTimeout(r, 50));
    return 200;
  };
  const first = hub.spawnWorker();
  expect((await postApi(web.url!, 'shop-app', { id: 'a1', user: 'solo', text: 'one' }, { secret })).status).toBe(202);
  expect((await postApi(web.url!, 'shop-app', { id: 'a2', user: 'solo', text: 'two' }, { secret })).status).toBe(202);
  // The first reply's delivery is in flight at the platform: the worker holds both of the conversation's leases.
  await eventually(async () => (await Message.countDocuments({ direction: 'in', status: 'processed' })) >= 1, 30_000, 'the first turn');
  await new Promise((r) => setTimeout(r, 300));
  first.kill('SIGKILL');
  await exited(first);
  hang = false;

  hub.spawnWorker();
  await eventually(async () => new Set(receiver.replies.map((r) => r.inReplyTo)).size === 2, 60_000, 'both replies after the takeover');
  // In order, each message stored and answered once (the reply in flight at the kill may arrive twice, with one id).
  expect([...new Set(receiver.replies.map((r) => r.inReplyTo))]).toEqual(['a1', 'a2']);
  expect(new Set(receiver.replies.map((r) => r.id)).size).toBe(2);
  expect(await Message.countDocuments({ direction: 'in' })).toBe(2);
  expect(await Message.countDocuments({ direction: 'out' })).toBe(2);
}, 90_000);
