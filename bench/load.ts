import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { sign, signatureHeader } from '../adapters/api/signature.js';
import type { Line } from './flow-script.js';
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
  /**
   * Each user's next line of a scripted conversation, and how many replies it gets; without it
   * every message is `bench message <i>` and gets one reply. With it, a user's message is POSTed
   * only once their previous POST was accepted, so the hub takes each user's lines in order.
   */
  script?: { next(user: string): { line: Line; replies: number } };
}

/** Per message: when its POST was sent and when its first reply reached the receiver (performance.now() ms). */
export interface Sample {
  sentAt: number[];
  arrivedAt: number[];
  /** Replies received per message, and (with a script) expected. */
  replies: number[];
  expectedReplies?: number[];
}

/**
 * POSTs signed `{id, user, text | choice}` messages with at most `concurrency` in flight,
 * users round-robin, then waits until every message is answered (its first reply
 * arrived) and, with a script, until every expected reply arrived.
 */
export async function runLoad(options: LoadOptions, receiver: Receiver): Promise<Sample> {
  const ids = Array.from({ length: options.messages }, (_, i) => `${options.idPrefix}-${i}`);
  const sentAt = new Array<number>(ids.length);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  let next = 0;
  const expected = options.script ? new Array<number>(ids.length) : undefined;
  /** Per user: the POST of their latest message (scripted runs keep each user's lines in order). */
  const lastPost = new Map<string, Promise<unknown>>();
  const before = receiver.arrivals.size;
  const progress = options.progressMs
    ? setInterval(() => {
        console.error(`  ${options.idPrefix}: sent ${Math.min(next, ids.length)}/${ids.length}, replies ${receiver.arrivals.size - before}/${ids.length}`);
      }, options.progressMs)
    : undefined;
  const lane = async (): Promise<void> => {
    while (next < ids.length) {
      const i = next++;
      const user = `user-${i % options.users}`;
      let body: string;
      let status: number | string;
      if (options.script) {
        const { line, replies } = options.script.next(user);
        expected![i] = replies;
        body = JSON.stringify({ id: ids[i], user, ...line });
        const previous = lastPost.get(user);
        const sent = (async () => {
          await previous?.catch(() => undefined);
          sentAt[i] = performance.now();
          return post(agent, options.url, body, sign(body, options.secret)).catch((err: Error) => err.message);
        })();
        lastPost.set(user, sent);
        status = await sent;
      } else {
        body = JSON.stringify({ id: ids[i], user, text: `bench message ${i}` });
        sentAt[i] = performance.now();
        status = await post(agent, options.url, body, sign(body, options.secret)).catch((err: Error) => err.message);
      }
      if (status !== 202) {
        next = ids.length; // Stop the other lanes too.
        throw new Error(`POST ${ids[i]} to ${options.url}: ${typeof status === 'number' ? `answered ${status}, expected 202` : status}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, ids.length) }, lane));
    await receiver.waitFor(ids, options.idleTimeoutMs);
    // Answered; now the rest of each message's replies, so none spills into the next run.
    if (expected) await receiver.waitFor(ids, options.idleTimeoutMs, expected);
  } finally {
    clearInterval(progress);
    agent.destroy();
  }
  return {
    sentAt,
    arrivedAt: ids.map((id) => receiver.arrivals.get(id)!),
    replies: ids.map((id) => receiver.replyCounts.get(id) ?? 0),
    ...(expected ? { expectedReplies: expected } : {}),
  };
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
