/**
 * Replies reach the visitor's sockets through Redis pub/sub: `send` runs in worker processes,
 * sockets live in web processes (no sticky sessions), so every web process subscribes to one
 * channel and writes each frame to the sockets it holds for that visitor (every tab).
 * A visitor with no socket anywhere simply finds the reply in the history on the next connect.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { write } from '../../core/http/socket-write.js';
import type { ServerFrame } from './protocol.js';

/** The key of one visitor of one account: `workspace/account/visitor` (ids are URL-safe, so `/` cannot occur in them). */
export function visitorKey(a: { workspace: string; account: string; user: string }): string {
  return `${a.workspace}/${a.account}/${a.user}`;
}

export class Fanout {
  private readonly local = new Map<string, Set<WebSocket>>();
  private subscriber: Redis | undefined;

  constructor(
    private readonly publisher: Redis,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {}

  /** In web processes: receive every published frame and deliver the ones for sockets held here. */
  async subscribe(subscriber: Redis): Promise<void> {
    this.subscriber = subscriber;
    // The key goes before a newline so a frame is passed on as received, without parsing it here.
    subscriber.on('message', (_channel: string, payload: string) => {
      const cut = payload.indexOf('\n');
      const sockets = this.local.get(payload.slice(0, cut));
      if (!sockets) return;
      const frame = payload.slice(cut + 1);
      for (const ws of sockets) write(ws, frame);
    });
    await subscriber.subscribe(this.channel);
  }

  async publish(key: string, frame: ServerFrame): Promise<void> {
    await this.publisher.publish(this.channel, `${key}\n${JSON.stringify(frame)}`);
  }

  add(key: string, ws: WebSocket): void {
    const set = this.local.get(key) ?? new Set();
    set.add(ws);
    this.local.set(key, set);
  }

  remove(key: string, ws: WebSocket): void {
    const set = this.local.get(key);
    if (!set) return;
    set.delete(ws);
    if (!set.size) this.local.delete(key);
  }

  /** Sockets held in this process. */
  get size(): number {
    let n = 0;
    for (const s of this.local.values()) n += s.size;
    return n;
  }

  async closePublisher(): Promise<void> {
    try {
      await this.publisher.quit();
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'widget publisher already closed');
    }
  }

  async close(): Promise<void> {
    try {
      await this.subscriber?.quit();
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'widget subscriber already closed');
    }
  }
}
