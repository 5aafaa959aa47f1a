import type { AdapterContext } from '../../core/adapter.js';
import type { OutboundMessage } from '../../core/message.js';
import { Message } from '../../core/store/message.js';
import { visitorKey, type Fanout } from './fanout.js';
import type { ServerFrame } from './protocol.js';

/**
 * A reply as a `msg` frame. The client orders messages by `order`, which OutboundMessage does not
 * carry, so it is read from the stored reply (by `_id`, the look-up FerretDB answers from an index);
 * the conversation's status rides along so a handoff shows the offline form at once.
 */
export async function replyFrame(message: OutboundMessage, ctx: AdapterContext): Promise<ServerFrame> {
  const [stored, open] = await Promise.all([Message.findById(message.id, { order: 1, createdAt: 1, workspace: 1 }).lean(), ctx.conversation(message.address)]);
  const mine = stored?.workspace === message.address.workspace ? stored : undefined;
  return {
    t: 'msg',
    m: {
      id: message.id,
      ...(mine ? { order: mine.order } : {}),
      dir: 'out',
      sender: message.sender,
      text: message.text,
      ...(message.choices?.length ? { choices: message.choices } : {}),
      ...(message.form ? { form: message.form } : {}),
      at: (mine?.createdAt ?? new Date()).toISOString(),
    },
    status: open?.status ?? 'none',
  };
}

/** Publishes a reply to every web process; the ones holding the visitor's sockets write it out. */
export async function pushReply(message: OutboundMessage, ctx: AdapterContext, fanout: Fanout): Promise<void> {
  await fanout.publish(visitorKey(message.address), await replyFrame(message, ctx));
}
