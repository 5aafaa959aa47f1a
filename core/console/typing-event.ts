import type { Redis } from 'ioredis';
import { consoleChannel } from './channel.js';

/**
 * "Someone is typing in this conversation", as the workspace's consoles receive it on
 * `/console/ws`: the contact (widget, Bot Framework), or an agent (their colleagues see it). It
 * names who, never what they type. Published on the workspace's console channel and not stored:
 * pub/sub keeps nothing in Redis.
 */
export type TypingEvent =
  { t: 'typing'; conversation: string; who: 'contact' } | { t: 'typing'; conversation: string; who: 'agent'; agent: { id: string; name?: string } };

/** Tells every open console of the workspace (in any hub process). */
export async function publishTyping(redis: Redis, at: { prefix: string; workspace: string; event: TypingEvent }): Promise<void> {
  await redis.publish(consoleChannel(at.prefix, at.workspace), JSON.stringify(at.event));
}
