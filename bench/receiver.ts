import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { signatureHeader, verify } from '../adapters/api/signature.js';

/** The business's webhook: records when the reply to each inbound id arrives, answers 200. */
export interface Receiver {
  url: string;
  /** Arrival time (performance.now() ms) of the first reply per `inReplyTo`. */
  arrivals: Map<string, number>;
  /** Resolves once a reply to every id arrived; rejects, saying how many are missing, when none arrives for `idleMs`. */
  waitFor(ids: readonly string[], idleMs: number): Promise<void>;
  /** Replies whose signature did not verify, and replies to an id seen before. */
  stats: { badSignatures: number; duplicates: number };
  close(): Promise<void>;
}

export async function startReceiver(secret: string): Promise<Receiver> {
  const arrivals = new Map<string, number>();
  const stats = { badSignatures: 0, duplicates: 0 };
  let onArrival: ((id: string) => void) | undefined;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const body = Buffer.concat(chunks);
      const header = req.headers[signatureHeader];
      if (!verify(body, secret, typeof header === 'string' ? header : undefined)) {
        stats.badSignatures++;
        res.writeHead(401).end();
        return;
      }
      let inReplyTo: unknown;
      try {
        inReplyTo = (JSON.parse(body.toString('utf8')) as { inReplyTo?: unknown }).inReplyTo;
      } catch {
        inReplyTo = undefined;
      }
      if (typeof inReplyTo !== 'string') {
        res.writeHead(400).end();
        return;
      }
      if (arrivals.has(inReplyTo)) stats.duplicates++;
      else arrivals.set(inReplyTo, at);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      onArrival?.(inReplyTo);
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/replies`,
    arrivals,
    stats,
    waitFor(ids, idleMs) {
      const missing = new Set(ids.filter((id) => !arrivals.has(id)));
      if (!missing.size) return Promise.resolve();
      return new Promise<void>((ok, fail) => {
        const expire = () => {
          onArrival = undefined;
          const sample = [...missing].slice(0, 5).join(', ');
          fail(new Error(`no reply for ${idleMs} ms: ${missing.size} of ${ids.length} replies missing (e.g. ${sample})`));
        };
        let timer = setTimeout(expire, idleMs);
        onArrival = (id) => {
          if (!missing.delete(id)) return;
          clearTimeout(timer);
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
