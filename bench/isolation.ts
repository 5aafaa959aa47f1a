/**
 * Isolation: does one workspace's or one conversation's slowness hold up everyone else?
 *
 *   npx tsx bench/isolation.ts [--rate R] [--seconds S] [--b-users U]
 *
 * One hub (role `all`, in this process) with two workspaces on the api channel, replies going to
 * bench/receiver.ts. No pipeline options are set (the hub's defaults).
 *
 * Scenario 1, a slow flow next door: workspace A runs a flow whose first node is an `http` call to
 * a local server that answers after 10 s (timeout 15 s); 50 A conversations each send one message.
 * Workspace B answers the auto-reply; it sends R msg/s (default 20) for S s (default 8) over U users
 * (default 40), first alone, then again right after A's 50 messages. Reported: B's reply latency
 * p50/p99 with A's load against B alone, and their ratio.
 *
 * Scenario 2, a hung platform call: the receiver holds its answer to every reply of one B user
 * (`b-hang`) for 30 s (B's account has `timeoutMs: 60000`, so the hub waits it out rather than
 * retrying), that user sends one message, then 100 other B conversations send R msg/s for S s.
 * A reply "waited" when its latency exceeded B-alone's p99 (scenario 1) + 2000 ms; reported: how
 * many of the 100 conversations had at least one reply that waited, and how many replies.
 *
 * Bounded: about 90 s in all; every wait gives up after 90 s.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { builtinRegistry } from '../adapters/index.js';
import { sign, signatureHeader } from '../adapters/api/signature.js';
import { parseConfig } from '../core/config/load.js';
import { startHub, type Hub } from '../core/hub.js';
import { createLogger } from '../core/logger.js';
import { createFlowResponder } from '../flows/setup.js';
import { integerFlag } from './flags.js';
import { startReceiver, type Receiver } from './receiver.js';
import { percentile, printRows, writeResults } from './report.js';
import { redactUrl, startServices } from './services.js';

const { values: flags } = parseArgs({
  options: {
    rate: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '8' },
    'b-users': { type: 'string', default: '40' },
  },
  strict: true,
});
const opts = { rate: integerFlag(flags, 'rate'), seconds: integerFlag(flags, 'seconds'), bUsers: integerFlag(flags, 'b-users') };
const slowMs = 10_000;
const hangMs = 30_000;
const aConversations = 50;
const otherConversations = 100;
const waitedMarginMs = 2000;
const waitLimitMs = 90_000;

const runId = randomBytes(4).toString('hex');
// One secret for both accounts: the one receiver verifies every reply with it.
const secretA = randomBytes(24).toString('hex');
const secretB = secretA;
const names = { db: `bench_${runId}_isolation`, prefix: `bench-${runId}-isolation` };

/** Answers every request with `{}` after `slowMs`: a business API having a bad day. */
async function startSlowApi(): Promise<{ url: string; calls: () => number; close(): Promise<void> }> {
  let calls = 0;
  const server: Server = createServer((req, res) => {
    calls++;
    req.resume();
    const timer = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), slowMs);
    res.once('close', () => clearTimeout(timer));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`,
    calls: () => calls,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

function slowFlow(url: string): string {
  return stringify({
    flow: 'slow',
    start: 'call',
    nodes: {
      call: { http: { method: 'GET', url, timeoutMs: 15_000 }, var: 'result', next: 'done', onError: 'failed' },
      done: { end: 'Looked it up.' },
      failed: { end: 'The lookup failed.' },
    },
  });
}

async function startIsolationHub(mongoUri: string, redisUrl: string, flowsDir: string, webhookUrl: string): Promise<Hub> {
  const registry = builtinRegistry();
  const yaml = stringify({
    server: { host: '127.0.0.1', port: 0 },
    redis: { prefix: names.prefix },
    workspaces: [
      {
        id: 'ws-a',
        name: 'Slow flow',
        outbound: { allow: ['127.0.0.1'] },
        flows: { path: flowsDir, start: 'slow' },
        channels: { api: [{ account: 'a-app', secret: secretA, webhookUrl }] },
      },
      {
        id: 'ws-b',
        name: 'Chatty',
        outbound: { allow: ['127.0.0.1'] },
        texts: { autoReply: 'Thanks, B here.' },
        channels: { api: [{ account: 'b-app', secret: secretB, webhookUrl, timeoutMs: 60_000 }] },
      },
    ],
  });
  const config = parseConfig(yaml, 'bench-isolation.yaml', registry.loadOptions());
  const logger = createLogger({ level: 'error' });
  const { responder } = createFlowResponder({ config, channels: registry, logger });
  return startHub({ config, registry, role: 'all', mongoUri, redisUrl, logger, responder });
}

async function post(url: string, secret: string, message: { id: string; user: string; text: string }): Promise<void> {
  const body = JSON.stringify(message);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', [signatureHeader]: sign(body, secret) }, body });
  await res.arrayBuffer();
  if (res.status !== 202) throw new Error(`POST ${message.id}: answered ${res.status}, expected 202`);
}

interface Sent {
  ids: string[];
  users: Map<string, string>;
  sentAt: Map<string, number>;
}

/** POSTs `rate` messages a second for `seconds`, users round-robin, open loop (not waiting for replies). */
async function steady(url: string, secret: string, users: string[], idPrefix: string, seconds = opts.seconds): Promise<Sent> {
  const sent: Sent = { ids: [], users: new Map(), sentAt: new Map() };
  const count = opts.rate * seconds;
  const start = performance.now();
  const posts: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / opts.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const id = `${idPrefix}-${i}`;
    const user = users[i % users.length]!;
    sent.ids.push(id);
    sent.users.set(id, user);
    sent.sentAt.set(id, performance.now());
    posts.push(post(url, secret, { id, user, text: `message ${i}` }));
  }
  await Promise.all(posts);
  return sent;
}

/** Resolves when every id has a reply at the receiver; rejects after `limitMs`. */
async function arrived(receiver: Receiver, ids: string[], limitMs = waitLimitMs): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (ids.some((id) => !receiver.arrivals.has(id))) {
    if (Date.now() > deadline) throw new Error(`${ids.filter((id) => !receiver.arrivals.has(id)).length} of ${ids.length} replies missing after ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function latencies(receiver: Receiver, sent: Sent): Map<string, number> {
  return new Map(sent.ids.map((id) => [id, receiver.arrivals.get(id)! - sent.sentAt.get(id)!]));
}

function stats(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1)! };
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(
    `isolation bench ${runId}: B sends ${opts.rate} msg/s for ${opts.seconds} s over ${opts.bUsers} users; A: ${aConversations} conversations calling an API that answers after ${slowMs / 1000} s`,
  );
  const services = await startServices();
  const receiver = await startReceiver(secretB);
  const slow = await startSlowApi();
  const flowsDir = mkdtempSync(join(tmpdir(), 'switchboard-isolation-'));
  writeFileSync(join(flowsDir, 'slow.yaml'), slowFlow(slow.url));
  let hub: Hub | undefined;
  try {
    hub = await startIsolationHub(services.mongoUri(names.db), services.redisUrl, flowsDir, receiver.url);
    const urlA = `${hub.url}/channels/api/a-app/messages`;
    const urlB = `${hub.url}/channels/api/b-app/messages`;
    const bUsers = Array.from({ length: opts.bUsers }, (_, i) => `b-${i}`);

    // Warm-up (B only): connections, JIT, B's contacts.
    const warm = await steady(urlB, secretB, bUsers, `${runId}-warm`, 2);
    await arrived(receiver, warm.ids);

    // Scenario 1: B alone, then B beside A's slow flow.
    const alone = await steady(urlB, secretB, bUsers, `${runId}-alone`);
    await arrived(receiver, alone.ids);
    const aloneStats = stats([...latencies(receiver, alone).values()]);
    console.log(`B alone: p50 ${aloneStats.p50.toFixed(1)} ms, p99 ${aloneStats.p99.toFixed(1)} ms`);

    const aIds = Array.from({ length: aConversations }, (_, i) => `${runId}-a-${i}`);
    const aSentAt = performance.now();
    await Promise.all(aIds.map((id, i) => post(urlA, secretA, { id, user: `a-${i}`, text: 'where is my order?' })));
    const withA = await steady(urlB, secretB, bUsers, `${runId}-with-a`);
    await arrived(receiver, withA.ids);
    const withAStats = stats([...latencies(receiver, withA).values()]);
    console.log(`B with A's load: p50 ${withAStats.p50.toFixed(1)} ms, p99 ${withAStats.p99.toFixed(1)} ms`);
    await arrived(receiver, aIds);
    const aDoneMs = Math.max(...aIds.map((id) => receiver.arrivals.get(id)!)) - aSentAt;
    console.log(`A's ${aConversations} replies all in after ${(aDoneMs / 1000).toFixed(1)} s (${slow.calls()} calls to the slow API)`);

    // Scenario 2: one conversation's platform call hangs while 100 others chat.
    receiver.hang.set('b-hang', hangMs);
    const hungId = `${runId}-hang`;
    const hungSentAt = performance.now();
    await post(urlB, secretB, { id: hungId, user: 'b-hang', text: 'hello?' });
    const others = Array.from({ length: otherConversations }, (_, i) => `b2-${i}`);
    const chat = await steady(urlB, secretB, others, `${runId}-others`);
    await arrived(receiver, [...chat.ids, hungId]);
    const hungLatency = receiver.arrivals.get(hungId)! - hungSentAt;
    const threshold = aloneStats.p99 + waitedMarginMs;
    const otherLatencies = latencies(receiver, chat);
    const waited = chat.ids.filter((id) => otherLatencies.get(id)! > threshold);
    const waitedConversations = new Set(waited.map((id) => chat.users.get(id)!));
    const chatStats = stats([...otherLatencies.values()]);

    console.log(
      `\nMongoDB: ${services.mongoSource}; Redis: ${redactUrl(services.redisUrl)}; run took ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
    );
    console.log(
      `scenario 1: workspace B's replies, alone and beside workspace A's ${aConversations} conversations waiting ${slowMs / 1000} s on a flow http call`,
    );
    printRows([
      ['B', 'replies', 'p50 ms', 'p99 ms', 'max ms', 'p50 vs alone', 'p99 vs alone'],
      ['alone', String(alone.ids.length), aloneStats.p50.toFixed(1), aloneStats.p99.toFixed(1), aloneStats.max.toFixed(1), '1.00x', '1.00x'],
      [
        "with A's load",
        String(withA.ids.length),
        withAStats.p50.toFixed(1),
        withAStats.p99.toFixed(1),
        withAStats.max.toFixed(1),
        `${(withAStats.p50 / aloneStats.p50).toFixed(2)}x`,
        `${(withAStats.p99 / aloneStats.p99).toFixed(2)}x`,
      ],
    ]);
    console.log(`\nscenario 2: one conversation's reply hangs ${hangMs / 1000} s at the platform while ${otherConversations} other conversations chat`);
    console.log(`a reply "waited" when its latency exceeded B-alone p99 + ${waitedMarginMs} ms = ${threshold.toFixed(0)} ms`);
    printRows([
      ['other conversations', 'replies', 'p50 ms', 'p99 ms', 'max ms', 'replies waited', 'conversations waited'],
      [
        String(otherConversations),
        String(chat.ids.length),
        chatStats.p50.toFixed(1),
        chatStats.p99.toFixed(1),
        chatStats.max.toFixed(1),
        String(waited.length),
        `${waitedConversations.size} of ${otherConversations}`,
      ],
    ]);
    console.log(`the hung conversation's own reply: ${(hungLatency / 1000).toFixed(1)} s`);

    const file = writeResults(
      {
        runId,
        at: new Date().toISOString(),
        options: { ...opts, slowMs, hangMs, aConversations, otherConversations, waitedMarginMs },
        mongodb: services.mongoSource,
        scenario1: { alone: aloneStats, withA: withAStats, ratio: { p50: withAStats.p50 / aloneStats.p50, p99: withAStats.p99 / aloneStats.p99 }, aDoneMs },
        scenario2: {
          thresholdMs: threshold,
          others: chatStats,
          repliesWaited: waited.length,
          conversationsWaited: waitedConversations.size,
          hungReplyMs: hungLatency,
        },
      },
      'isolation',
    );
    console.log(`results: ${file}`);
  } finally {
    await hub?.stop();
    await slow.close();
    await receiver.close();
    rmSync(flowsDir, { recursive: true, force: true });
    await services.cleanup([names.db], [names.prefix]);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('isolation bench failed:', err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
