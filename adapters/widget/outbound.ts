import type { AdapterContext } from '../../core/adapter.js';
import type { Address, OutboundMessage } from '../../core/message.js';
import { visitorKey, type Fanout } from './fanout.js';
import type { ServerFrame } from './protocol.js';

/**
 * A reply as a `msg` frame, ordered by the client by `order`; the conversation's status rides
 * along so a handoff shows the offline form at once. A reply sent by its own turn carries the
 * status; one sent later (a retry) reads it, since it may have changed meanwhile.
 */
async function replyFrame(message: OutboundMessage, ctx: AdapterContext): Promise<ServerFrame> {
  // A closed conversation is no longer the address's open one: the widget's next message opens another.
  const status = message.conversationStatus
    ? message.conversationStatus === 'closed'
      ? 'none'
      : message.conversationStatus
    : ((await ctx.conversation(message.address))?.status ?? 'none');
  return {
    t: 'msg',
    m: {
      id: message.id,
      order: message.order,
      conv: message.conversationId,
      dir: 'out',
      sender: message.sender,
      ...(message.senderName ? { name: message.senderName } : {}),
      text: message.text,
      ...(message.choices?.length ? { choices: message.choices } : {}),
      ...(message.form ? { form: message.form } : {}),
      at: message.createdAt,
    },
    status,
  };
}

/** Publishes a reply to every web process; the ones holding the visitor's sockets write it out. */
export async function pushReply(message: OutboundMessage, ctx: AdapterContext, fanout: Fanout): Promise<void> {
  await fanout.publish(visitorKey(message.address), await replyFrame(message, ctx));
}

/** An agent is typing: the visitor's tabs, wherever their sockets are, show the typing dots. */
export async function pushTyping(address: Address, fanout: Fanout): Promise<void> {
  await fanout.publish(visitorKey(address), { t: 'typing' });
}
