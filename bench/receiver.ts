import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { signatureHeader, verify } from '../adapters/api/signature.js';

/**
 * The business's webhook: records when the replies to each inbound id arrive, answers 200.
 * A message may get several replies (a flow's turn); it counts as answered when its first arrives.
 */
export interface Receiver {
  url: string;
  /** Arrival time (performance.now() ms) of the first reply per `inReplyTo`. */
  arrivals: Map<string, number>;
  /** Replies received per `inReplyTo`. */
  replyCounts: Map<string, number>;
  /**
   * Resolves once every id has its replies: `need[i]` for `ids[i]` (default one each, i.e. answered);
   * rejects, saying how many are missing, when no reply arrives for `idleMs`.
   */
  waitFor(ids: readonly string[], idleMs: number, need?: readonly number[]): Promise<void>;
  /** Replies whose signature did not verify, and replies (by their `id`) received before. */
  stats: { badSignatures: number; duplicates: number; replies: number };
  /** Every reply is answered (and counted as arrived) this many ms after its request came in; may be changed between runs. */
  latencyMs: number;
  /** Replies to these users hang this many ms instead (a platform call that hangs for one chat). */
  hang: Map<string, number>;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  /** See {@link Receiver.latencyMs}; default 0. */
  latencyMs?: number;
}

export async function startReceiver(secret: string, options: ReceiverOptions = {}): Promise<Receiver> {
  const arrivals = new Map<string, number>();
  const replyCounts = new Map<string, number>();
  const replyIds = new Set<string>();
  const stats = { badSignatures: 0, duplicates: 0, replies: 0 };
  let onArrival: ((id: string) => void) | undefined;
  const hang = new Map<string, number>();
  let latencyMs = options.latencyMs ?? 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void answer());
    const answer = async () => {
      const body = Buffer.concat(chunks);
      const delay = latencyMs || hang.size ? (hang.get(userOf(body)) ?? latencyMs) : 0;
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      const at = performance.now();
      const header = req.headers[signatureHeader];
      if (!verify(body, secret, typeof header === 'string' ? header : undefined)) {
        stats.badSignatures++;
        res.writeHead(401).end();
        return;
      }
      let reply: { id?: unknown; inReplyTo?: unknown } = {};
      try {
        reply = JSON.parse(body.toString('utf8')) as typeof reply;
      } catch {
        reply = {};
      }
      const { id, inReplyTo } = reply;
      if (typeof inReplyTo !== 'string' || typeof id !== 'string') {
        res.writeHead(400).end();
        return;
      }
      if (replyIds.has(id)) {
        stats.duplicates++; // the same reply delivered again: not counted twice
      } else {
        replyIds.add(id);
        stats.replies++;
        replyCounts.set(inReplyTo, (replyCounts.get(inReplyTo) ?? 0) + 1);
        if (!arrivals.has(inReplyTo)) arrivals.set(inReplyTo, at);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      onArrival?.(inReplyTo);
    };
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/replies`,
    arrivals,
    replyCounts,
    stats,
    get latencyMs() {
      return latencyMs;
    },
    set latencyMs(ms: number) {
      latencyMs = ms;
    },
    hang,
    waitFor(ids, idleMs, need) {
      const wanted = new Map(ids.map((id, i) => [id, need?.[i] ?? 1]));
      const done = (id: string) => (replyCounts.get(id) ?? 0) >= wanted.get(id)!;
      const missing = new Set(ids.filter((id) => !done(id)));
      if (!missing.size) return Promise.resolve();
      return new Promise<void>((ok, fail) => {
        const expire = () => {
          onArrival = undefined;
          const sample = [...missing]
            .slice(0, 5)
            .map((id) => `${id}: ${replyCounts.get(id) ?? 0}/${wanted.get(id)}`)
            .join(', ');
          const what = need ? 'messages without all their replies' : 'messages unanswered';
          fail(new Error(`no reply for ${idleMs} ms: ${missing.size} of ${ids.length} ${what} (e.g. ${sample})`));
        };
        let timer = setTimeout(expire, idleMs);
        onArrival = (id) => {
          if (!missing.has(id)) return;
          clearTimeout(timer); // any reply to a message still waiting counts as progress
          if (done(id)) missing.delete(id);
          if (missing.size) {
            timer = setTimeout(expire, idleMs);
            return;
          }
          onArrival = undefined;
          ok();
        };
      });
    },
    async close() {
      const closed = new Promise((r) => server.close(r));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** The `user` of a reply body, for per-user hangs ('' when unreadable). */
function userOf(body: Buffer): string {
  try {
    const user = (JSON.parse(body.toString('utf8')) as { user?: unknown }).user;
    return typeof user === 'string' ? user : '';
  } catch {
    return '';
  }
}
