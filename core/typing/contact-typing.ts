import type { Redis } from 'ioredis';
import type { TypingTarget } from '../adapter.js';
import { publishTyping } from '../console/typing-event.js';
import { openConversationOf } from '../history.js';

/**
 * `AdapterContext.typing`: the contact of `address` is typing. The consoles hear of it only when
 * the address has an open conversation (one read by `_id`); nothing is stored, and the channels
 * already throttle what they pass on (the widget client once in 3 s, and its frame limit).
 */
export function contactTyping(options: { redis: Redis; prefix: string }): (target: TypingTarget) => Promise<void> {
  return async ({ address }) => {
    const open = await openConversationOf(address);
    if (!open) return;
    await publishTyping(options.redis, { prefix: options.prefix, workspace: address.workspace, event: { t: 'typing', conversation: open.id, who: 'contact' } });
  };
}
