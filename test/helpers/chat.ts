import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { inboundMessageId } from '../../core/store/ids.js';
import { Message } from '../../core/store/message.js';
import { eventually, postApi } from './hub.js';
import type { ReceivedReply, Receiver } from './receiver.js';

/**
 * A user of the api channel: sends a message and returns the bot's replies to
 * exactly that message, once the hub has processed it and delivered them all.
 */
export function chatter(options: { hubUrl: () => string; receiver: Receiver; workspace: string; account: string; secret: string; user: string }) {
  return async (said: string | { choice: string }): Promise<ReceivedReply[]> => {
    const id = randomUUID();
    const body = typeof said === 'string' ? { id, user: options.user, text: said } : { id, user: options.user, choice: said.choice };
    const res = await postApi(options.hubUrl(), options.account, body, { secret: options.secret });
    expect(res.status).toBe(202);
    const inbound = inboundMessageId({ workspace: options.workspace, channel: 'api', account: options.account, platformId: id });
    let count = 0;
    await eventually(
      async () => {
        const stored = await Message.findById(inbound, { status: 1, replies: 1 }).lean();
        if (stored?.status !== 'processed') return false;
        count = stored.replies ?? 0;
        return options.receiver.replies.filter((r) => r.inReplyTo === id).length >= count;
      },
      20_000,
      `the replies to "${JSON.stringify(said)}"`,
    );
    return options.receiver.replies.filter((r) => r.inReplyTo === id);
  };
}
