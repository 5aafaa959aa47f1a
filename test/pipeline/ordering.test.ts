import { expect, it } from 'vitest';
import { Message } from '../../core/store/message.js';
import { eventually, postApi } from '../helpers/hub.js';
import { useSplitHub } from '../helpers/split-hub.js';

const secret = 'ordering-secret-0123456';
const hub = useSplitHub(secret);

it('stores and answers 200 messages of one conversation in order with two worker processes', async () => {
  hub.spawnWorker();
  hub.spawnWorker();
  const { web, receiver } = hub;
  const ids = Array.from({ length: 200 }, (_, i) => `seq-${i}`);
  for (const id of ids) {
    const res = await postApi(web.url!, 'shop-app', { id, user: 'olivia', text: `message ${id}` }, { secret });
    expect(res.status).toBe(202);
  }
  const replies = await receiver.waitFor(200, 60_000);
  expect(replies.map((r) => r.inReplyTo)).toEqual(ids);
  // A turn sends its replies before it stores them, so the last turn's commit can land just after its reply.
  await eventually(async () => (await Message.countDocuments({ workspace: 'shop', direction: 'out' })) === 200, 10_000, 'the last turn stored');

  const inbound = await Message.find({ workspace: 'shop', direction: 'in' }).sort({ order: 1 }).lean();
  expect(inbound.map((m) => m.platformId)).toEqual(ids);
  const outbound = await Message.find({ workspace: 'shop', direction: 'out' }).sort({ order: 1 }).lean();
  expect(outbound).toHaveLength(200);
  // Each reply sits right after the message it answers.
  const byId = new Map(inbound.map((m) => [m._id, m.order]));
  for (const reply of outbound) expect(reply.order).toBe(byId.get(reply.inReplyTo!)! + 1);
}, 120_000);
