import { expect, it } from 'vitest';
import { rememberingAttempts } from '../../core/pipeline/first-delivery.js';
import type { DeliverFirst, TurnReply } from '../../core/turn/types.js';

const address = { workspace: 'shop', channel: 'api', account: 'a', user: 'u' };
const replies = (...ids: string[]): TurnReply[] => ids.map((id) => ({ ref: { address, id } }));

it('sends nothing again, when a turn is retried in place, that an earlier try sent or gave up on; a reply that had to wait is tried again', async () => {
  const sends: string[] = [];
  // The platform takes the first reply, refuses the second for good, and asks the third to wait once.
  let waited = false;
  const platform: DeliverFirst = async (batch) => {
    const out = [];
    for (const reply of batch) {
      sends.push(reply.ref.id);
      if (reply.ref.id === 'r3' && !waited) {
        waited = true;
        out.push({ fields: {}, retryInMs: 100 });
        break;
      }
      out.push({ fields: { status: reply.ref.id === 'r2' ? 'failed' : 'sent' } });
    }
    return out;
  };
  const deliver = rememberingAttempts(platform);
  const first = await deliver(replies('r1', 'r2', 'r3'), { conversationStatus: 'bot' });
  expect(first.map((a) => a.fields.status ?? `wait ${a.retryInMs}`)).toEqual(['sent', 'failed', 'wait 100']);
  // The commit failed; the turn runs again and produces the same reply ids.
  const again = await deliver(replies('r1', 'r2', 'r3'), { conversationStatus: 'bot' });
  expect(again.map((a) => a.fields.status)).toEqual(['sent', 'failed', 'sent']);
  expect(sends).toEqual(['r1', 'r2', 'r3', 'r3']);
});
