import type { Redis } from 'ioredis';

/**
 * A conversation is "held" while one of its replies backs off after a failed
 * attempt: the shard's FIFO would otherwise let later replies overtake it.
 * Kept in Redis beside the queues, so the common path costs one GET.
 */
export class ConversationHolds {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(conversationId: string): string {
    return `${this.prefix}:hold:${conversationId}`;
  }

  /** The reply holding the conversation, if any. */
  holder(conversationId: string): Promise<string | null> {
    return this.redis.get(this.key(conversationId));
  }

  /** Holds the conversation for this reply, unless an earlier reply already does. */
  async hold(conversationId: string, messageId: string): Promise<void> {
    // A week bounds a hold whose reply vanished with a flushed queue.
    await this.redis.set(this.key(conversationId), messageId, 'EX', 7 * 24 * 3600, 'NX');
  }

  /** Releases the hold if this reply has it. */
  async release(conversationId: string, messageId: string): Promise<void> {
    if ((await this.holder(conversationId)) === messageId) await this.redis.del(this.key(conversationId));
  }
}
