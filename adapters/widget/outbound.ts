import type { AdapterContext } from '../../core/adapter.js';
import type { OutboundMessage } from '../../core/message.js';
import { visitorKey, type Fanout } from './fanout.js';
import type { ServerFrame } from './protocol.js';

/**
 * A reply as a `msg` frame, ordered by the client by `order`; the conversation's status rides
 * along so a handoff shows the offline form at once.
 */
async function replyFrame(message: OutboundMessage, ctx: AdapterContext): Promise<ServerFrame> {
  const open = await ctx.conversation(message.address);
  return {
    t: 'msg',
    m: {
      id: message.id,
      order: message.order,
      conv: message.conversationId,
      dir: 'out',
      sender: message.sender,
      text: message.text,
      ...(message.choices?.length ? { choices: message.choices } : {}),
      ...(message.form ? { form: message.form } : {}),
      at: message.createdAt,
    },
    status: open?.status ?? 'none',
  };
}

/** Publishes a reply to every web process; the ones holding the visitor's sockets write it out. */
export async function pushReply(message: OutboundMessage, ctx: AdapterContext, fanout: Fanout): Promise<void> {
  await fanout.publish(visitorKey(message.address), await replyFrame(message, ctx));
}
