import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { sign, signatureHeader } from '../adapters/api/signature.js';
import type { Receiver } from './receiver.js';

export interface LoadOptions {
  /** `${base}/channels/api/<account>/messages` */
  url: string;
  secret: string;
  messages: number;
  concurrency: number;
  users: number;
  /** Makes the message ids unique across scenarios and phases. */
  idPrefix: string;
  /** Fail when no reply arrives for this long after the last POST. */
  idleTimeoutMs: number;
  /** Prints sent/received counts to stderr this often while running; 0 for never. */
  progressMs?: number;
}

/** Per message: when its POST was sent and when its reply reached the receiver (performance.now() ms). */
export interface Sample {
  sentAt: number[];
  arrivedAt: number[];
}

/**
 * POSTs signed `{id, user, text}` messages with at most `concurrency` in flight,
 * users round-robin, then waits for every reply at the receiver.
 */
export async function runLoad(options: LoadOptions, receiver: Receiver): Promise<Sample> {
  const ids = Array.from({ length: options.messages }, (_, i) => `${options.idPrefix}-${i}`);
  const sentAt = new Array<number>(ids.length);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  let next = 0;
  const before = receiver.arrivals.size;
  const progress = options.progressMs
    ? setInterval(() => {
        console.error(`  ${options.idPrefix}: sent ${Math.min(next, ids.length)}/${ids.length}, replies ${receiver.arrivals.size - before}/${ids.length}`);
      }, options.progressMs)
    : undefined;
  const lane = async (): Promise<void> => {
    while (next < ids.length) {
      const i = next++;
      const body = JSON.stringify({ id: ids[i], user: `user-${i % options.users}`, text: `bench message ${i}` });
      sentAt[i] = performance.now();
      const status = await post(agent, options.url, body, sign(body, options.secret)).catch((err: Error) => err.message);
      if (status !== 202) {
        next = ids.length; // Stop the other lanes too.
        throw new Error(`POST ${ids[i]} to ${options.url}: ${typeof status === 'number' ? `answered ${status}, expected 202` : status}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, ids.length) }, lane));
    await receiver.waitFor(ids, options.idleTimeoutMs);
  } finally {
    clearInterval(progress);
    agent.destroy();
  }
  return { sentAt, arrivedAt: ids.map((id) => receiver.arrivals.get(id)!) };
}

function post(agent: Agent, url: string, body: string, signature: string): Promise<number> {
  return new Promise((ok, fail) => {
    const req = request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), [signatureHeader]: signature },
    });
    req.once('error', fail);
    req.once('response', (res) => {
      res.resume();
      res.once('end', () => ok(res.statusCode ?? 0));
      res.once('error', fail);
    });
    req.end(body);
  });
}
