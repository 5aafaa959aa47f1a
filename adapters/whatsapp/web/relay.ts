import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ChannelApiError } from '../../../core/errors.js';

/** One reply to send, handed to the process holding the account's session. */
export interface SendRequest {
  /** Our message id: the holder remembers it so a retried request is not sent twice. */
  messageId: string;
  chatId: string;
  text: string;
}

/** "typing…" in a chat, handed to the holder the same way (it answers with an empty platform id). */
export interface TypingRequest {
  typing: true;
  chatId: string;
}

export type RelayRequest = SendRequest | TypingRequest;

type Handler = (request: RelayRequest) => Promise<string>;
type Wire = RelayRequest & {
  requestId: string;
  replyTo: string;
};
interface WireReply {
  requestId: string;
  platformId?: string;
  error?: { message: string; retryable: boolean; platformCode?: string };
}

/**
 * Sends from any hub process through the one process that holds a WhatsApp Web session:
 * request and answer over Redis pub/sub (`{prefix}:wweb:send:{account}`, answers on
 * `{prefix}:wweb:reply:{process}`). Nothing is queued here: a request nobody receives, or
 * that gets no answer in time, fails as retryable and the outbound queue tries again.
 */
export class SendRelay {
  private readonly id = randomUUID();
  private readonly handlers = new Map<string, Handler>();
  private readonly pending = new Map<string, { resolve(platformId: string): void; reject(err: Error): void; timer: NodeJS.Timeout }>();
  private pub: Redis | undefined;
  private sub: Redis | undefined;

  constructor(private readonly o: { redis: () => Redis; prefix: string; logger: Logger }) {}

  async start(): Promise<void> {
    this.pub = this.o.redis();
    this.sub = this.o.redis();
    this.sub.on('message', (channel: string, payload: string) => void this.dispatch(channel, payload));
    await this.sub.subscribe(this.replyChannel(this.id));
  }

  /** This process now holds `account`'s session: answer its send requests with `handler`. */
  async serve(account: string, handler: Handler): Promise<void> {
    this.handlers.set(this.sendChannel(account), handler);
    await this.sub!.subscribe(this.sendChannel(account));
  }

  async unserve(account: string): Promise<void> {
    this.handlers.delete(this.sendChannel(account));
    await this.sub?.unsubscribe(this.sendChannel(account));
  }

  /** Resolves to the platform id the holder got from WhatsApp; rejects with a {@link ChannelApiError}. */
  async request(account: string, request: RelayRequest, timeoutMs: number): Promise<string> {
    const requestId = randomUUID();
    const answer = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(
          new ChannelApiError({
            message: `no answer from the process holding the WhatsApp Web session of "${account}" within ${timeoutMs} ms`,
            platformCode: 'SESSION_TIMEOUT',
            retryable: true,
          }),
        );
      }, timeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
    });
    const wire: Wire = { ...request, requestId, replyTo: this.id };
    const forget = () => {
      clearTimeout(this.pending.get(requestId)?.timer);
      this.pending.delete(requestId);
      answer.catch(() => undefined);
    };
    let receivers: number;
    try {
      receivers = await this.pub!.publish(this.sendChannel(account), JSON.stringify(wire));
    } catch (err) {
      // Without this the timer would later reject a promise nobody awaits (an unhandled rejection).
      forget();
      throw new ChannelApiError({ message: `WhatsApp Web relay unavailable: ${(err as Error).message}`, platformCode: 'RELAY_UNAVAILABLE', retryable: true });
    }
    if (receivers === 0) {
      forget();
      throw new ChannelApiError({
        message: `no hub process holds the WhatsApp Web session of "${account}" (is a web process running?)`,
        platformCode: 'SESSION_NOT_HELD',
        retryable: true,
      });
    }
    return answer;
  }

  async stop(): Promise<void> {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ChannelApiError({ message: 'the hub process is stopping', retryable: true }));
      this.pending.delete(id);
    }
    await Promise.all([this.sub?.quit(), this.pub?.quit()]);
  }

  private async dispatch(channel: string, payload: string): Promise<void> {
    let message: Wire & WireReply;
    try {
      message = JSON.parse(payload) as Wire & WireReply;
    } catch {
      return void this.o.logger.warn({ channel }, 'unreadable WhatsApp Web relay message; ignored');
    }
    const handler = this.handlers.get(channel);
    if (handler) return this.answer(handler, message);
    const waiting = this.pending.get(message.requestId);
    if (!waiting) return; // Timed out already: the queue retries, and the holder remembers the id.
    clearTimeout(waiting.timer);
    this.pending.delete(message.requestId);
    if (message.platformId !== undefined) waiting.resolve(message.platformId);
    else
      waiting.reject(
        new ChannelApiError({
          message: message.error?.message ?? 'unknown failure',
          platformCode: message.error?.platformCode,
          retryable: message.error?.retryable ?? true,
        }),
      );
  }

  private async answer(handler: Handler, wire: Wire): Promise<void> {
    let reply: WireReply;
    const { requestId, replyTo, ...request } = wire;
    try {
      reply = { requestId, platformId: await handler(request) };
    } catch (err) {
      const api = err instanceof ChannelApiError ? err : undefined;
      reply = { requestId, error: { message: (err as Error).message, retryable: api?.retryable ?? true, platformCode: api?.platformCode } };
    }
    await this.pub
      ?.publish(this.replyChannel(replyTo), JSON.stringify(reply))
      .catch((err: unknown) => this.o.logger.warn({ err }, 'WhatsApp Web relay answer not published'));
  }

  private sendChannel(account: string): string {
    return `${this.o.prefix}:wweb:send:${account}`;
  }

  private replyChannel(process: string): string {
    return `${this.o.prefix}:wweb:reply:${process}`;
  }
}
