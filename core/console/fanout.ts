import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { write } from '../http/socket-write.js';
import { consoleChannel } from './channel.js';

/**
 * Console events reach the agents' sockets through one Redis subscriber per process, whatever
 * the number of sockets: it subscribes to every workspace's channel and hands each event, as
 * published, to the sockets of that workspace held here. The channel an event came on decides
 * who gets it, so an agent only ever receives their own workspace's events.
 */
export class ConsoleFanout {
  private readonly byWorkspace = new Map<string, Set<WebSocket>>();
  private readonly workspaceOf = new Map<string, string>();

  constructor(
    private readonly subscriber: Redis,
    private readonly options: { prefix: string; workspaces: string[]; logger: Logger },
  ) {
    for (const w of options.workspaces) this.workspaceOf.set(consoleChannel(options.prefix, w), w);
  }

  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, payload: string) => {
      const workspace = this.workspaceOf.get(channel);
      const sockets = workspace === undefined ? undefined : this.byWorkspace.get(workspace);
      if (sockets) for (const ws of sockets) write(ws, payload);
    });
    if (this.workspaceOf.size) await this.subscriber.subscribe(...this.workspaceOf.keys());
  }

  add(workspace: string, ws: WebSocket): void {
    const set = this.byWorkspace.get(workspace) ?? new Set();
    set.add(ws);
    this.byWorkspace.set(workspace, set);
  }

  remove(workspace: string, ws: WebSocket): void {
    const set = this.byWorkspace.get(workspace);
    if (!set) return;
    set.delete(ws);
    if (!set.size) this.byWorkspace.delete(workspace);
  }

  async close(): Promise<void> {
    try {
      await this.subscriber.quit();
    } catch (err) {
      this.options.logger.debug({ err: (err as Error).message }, 'console subscriber already closed');
    }
  }
}
