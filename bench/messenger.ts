/**
 * The hub through the Messenger webhook against a floor on the same MongoDB and Redis.
 *
 *   npx tsx bench/messenger.ts [--messages N] [--users M] [--concurrency C] [--warmup W] [--idle-timeout S] [--platform-latency-ms L]
 *
 * --platform-latency-ms L: the fake Send API answers every call, the hub's and the floor's alike,
 *   L ms after it came in (default 0); a reply counts as arrived then. The hub's Page limit
 *   (300 calls/s) is raised for the run to `rateLimit: { perSecond: 1000 }` (the config's maximum;
 *   Messenger has no per-chat default): the floor has no limiter.
 * Per-message counters (bench/counters.ts) beside each throughput: MongoDB commands of the
 * scenario's own client, Redis commands (server-wide), CPU ms of this process (which also runs the
 * load generator and the fake Send API, for both) and of the embedded FerretDB.
 *
 * Both scenarios get the same signed webhook POSTs (one `messaging` event each, from M users) and
 * answer each with one Send API call to a local fake Graph API; a message counts as answered when
 * its reply reaches the fake. A user's next message is POSTed once the previous one was accepted,
 * so the k-th reply to a user answers their k-th message.
 * The floor is the least durable pipeline doing that job: verify X-Hub-Signature-256, one
 * insertOne, one queue.add, 200; a BullMQ worker calls the Send API. The hub runs its full
 * pipeline (contact, conversation, consent gate, auto-reply, stored replies, rate limits).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import express from 'express';
import mongoose from 'mongoose';
import { stringify } from 'yaml';
import { builtinRegistry } from '../adapters/index.js';
import { metaSignatureHeader, signMeta, verifyMeta } from '../adapters/meta/signature.js';
import { parseConfig } from '../core/config/load.js';
import { startHub, type Hub } from '../core/hub.js';
import { createLogger } from '../core/logger.js';
import { connectRedis } from '../core/queue/redis.js';
import { AutoReplyResponder } from '../core/responder.js';
import type { Sample } from './load.js';
import { printTable, summarize, writeResults } from './report.js';
import { redactUrl, startServices } from './services.js';
import { integerFlag } from './flags.js';
import { Counters, countersNote, monitoredUri, type PerMessage } from './counters.js';

const { values: flags } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000' },
    users: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '16' },
    warmup: { type: 'string', default: '50' },
    'idle-timeout': { type: 'string', default: '60' },
    'platform-latency-ms': { type: 'string', default: '0' },
  },
  strict: true,
});
const positive = (name: keyof typeof flags, min = 1): number => integerFlag(flags, name, min);
const opts = {
  messages: positive('messages'),
  users: positive('users'),
  concurrency: positive('concurrency'),
  warmup: positive('warmup', 0),
  idleTimeoutMs: positive('idle-timeout') * 1000,
  platformLatencyMs: positive('platform-latency-ms', 0),
};

const runId = randomBytes(4).toString('hex');
const appSecret = randomBytes(24).toString('hex');
const pageAccessToken = `EAAbench${randomBytes(16).toString('hex')}`;
const pageId = '104857600000001';
const account = 'bench-page';
const names = { floor: { db: `bench_${runId}_mfloor`, prefix: `bench-${runId}-mfloor` }, hub: { db: `bench_${runId}_mhub`, prefix: `bench-${runId}-mhub` } };

/** The Send API: checks the token, answers `{recipient_id, message_id}`, and times each reply per recipient. */
async function startFakeSendApi(): Promise<{
  url: string;
  arrivals: Map<string, number[]>;
  stats: { replies: number; refused: number };
  close(): Promise<void>;
}> {
  const arrivals = new Map<string, number[]>();
  const stats = { replies: 0, refused: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (opts.platformLatencyMs) await new Promise((r) => setTimeout(r, opts.platformLatencyMs));
      const at = performance.now();
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let user: string | undefined;
      try {
        user = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { recipient?: { id?: string } }).recipient?.id;
      } catch {
        user = undefined;
      }
      if (url.pathname !== '/v21.0/me/messages' || url.searchParams.get('access_token') !== pageAccessToken || !user) {
        stats.refused++;
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"(#100) invalid request","code":100}}');
        return;
      }
      stats.replies++;
      const list = arrivals.get(user) ?? [];
      list.push(at);
      arrivals.set(user, list);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ recipient_id: user, message_id: `m_${stats.replies}` }));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    stats,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Verify, insertOne, queue.add, 200; a worker calls the Send API. */
async function startFloor(
  mongoUri: string,
  redisUrl: string,
  prefix: string,
  graphUrl: string,
): Promise<{ url: string; mongo: mongoose.mongo.MongoClient; stop(): Promise<void> }> {
  const client = new mongoose.mongo.MongoClient(mongoUri, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  const messages = client.db().collection<{ _id: string; user: string; text: string; receivedAt: Date }>('messages');
  const redis = connectRedis(redisUrl);
  const queue = new Queue<{ user: string }>('replies', { connection: redis, prefix });
  const app = express();
  app.post('/channels/messenger/:account/webhook', express.raw({ type: () => true, limit: 64 * 1024 }), async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const header = req.headers[metaSignatureHeader];
    if (!verifyMeta(body, appSecret, typeof header === 'string' ? header : undefined)) return void res.status(403).end();
    const { entry } = JSON.parse(body.toString('utf8')) as { entry: { messaging: { sender: { id: string }; message: { mid: string; text: string } }[] }[] };
    for (const e of entry.flatMap((x) => x.messaging)) {
      await messages.insertOne({ _id: e.message.mid, user: e.sender.id, text: e.message.text, receivedAt: new Date() });
      await queue.add('reply', { user: e.sender.id }, { jobId: e.message.mid, removeOnComplete: true });
    }
    res.status(200).send('EVENT_RECEIVED');
  });
  const server: Server = await new Promise((ok, fail) => {
    const s = app.listen(0, '127.0.0.1', (err?: Error) => (err ? fail(err) : ok(s)));
  });
  const proof = createHmac('sha256', appSecret).update(pageAccessToken).digest('hex');
  const worker = new Worker<{ user: string }>(
    'replies',
    async (job) => {
      const res = await fetch(`${graphUrl}/v21.0/me/messages?access_token=${pageAccessToken}&appsecret_proof=${proof}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ recipient: { id: job.data.user }, messaging_type: 'RESPONSE', message: { text: 'floor reply' } }),
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`Send API answered ${res.status}`);
    },
    { connection: redis, prefix, concurrency: 16 },
  );
  worker.on('error', (err) => console.error('floor worker error:', err.message));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    mongo: client,
    async stop() {
      const closed = new Promise((r) => server.close(r));
      server.closeIdleConnections();
      await closed;
      await worker.close();
      await queue.close();
      await redis.quit();
      await client.close();
    },
  };
}

/** The real hub (role `all`) with one Messenger account pointed at the fake, answering the auto-reply. */
async function startMessengerHub(mongoUri: string, redisUrl: string, prefix: string, graphUrl: string): Promise<Hub> {
  const registry = builtinRegistry();
  const yaml = stringify({
    server: { host: '127.0.0.1', port: 0 },
    redis: { prefix },
    workspaces: [
      {
        id: 'bench',
        name: 'Bench',
        texts: { autoReply: 'hub reply' },
        // No User Profile look-ups: the floor makes none either, so both sides do the same work.
        channels: {
          messenger: [
            {
              account,
              pageId,
              pageAccessToken,
              appSecret,
              verifyToken: 'bench-verify-token',
              graphUrl,
              apiVersion: 'v21.0',
              fetchProfile: false,
              rateLimit: { perSecond: 1000 },
            },
          ],
        },
      },
    ],
  });
  const config = parseConfig(yaml, 'bench-messenger.yaml', registry.loadOptions());
  return startHub({ config, registry, role: 'all', mongoUri, redisUrl, logger: createLogger({ level: 'warn' }), responder: new AutoReplyResponder() });
}

/** POSTs `count` signed webhook events, at most `concurrency` in flight, each user's in order; waits for every reply. */
async function runLoad(baseUrl: string, fake: Awaited<ReturnType<typeof startFakeSendApi>>, idPrefix: string, count: number): Promise<Sample> {
  const url = `${baseUrl}/channels/messenger/${account}/webhook`;
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const sentAt = new Array<number>(count);
  const userOf = (i: number) => `${idPrefix}-psid-${i % opts.users}`;
  /** Per message: which reply to its user answers it (the k-th message of a user ↔ its k-th reply). */
  const nth = new Array<number>(count);
  const perUser = new Map<string, number>();
  const before = new Map([...fake.arrivals].map(([u, l]) => [u, l.length]));
  const lastPost = new Map<string, Promise<unknown>>();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const user = userOf(i);
      nth[i] = (perUser.get(user) ?? 0) + (before.get(user) ?? 0);
      perUser.set(user, (perUser.get(user) ?? 0) + 1);
      const body = JSON.stringify({
        object: 'page',
        entry: [
          {
            id: pageId,
            time: Date.now(),
            messaging: [
              { sender: { id: user }, recipient: { id: pageId }, timestamp: Date.now(), message: { mid: `m_${idPrefix}_${i}`, text: `bench message ${i}` } },
            ],
          },
        ],
      });
      const previous = lastPost.get(user);
      const posted = (async () => {
        await previous?.catch(() => undefined);
        sentAt[i] = performance.now();
        return post(agent, url, body, signMeta(body, appSecret));
      })();
      lastPost.set(user, posted);
      const status = await posted;
      if (status !== 200) {
        next = count;
        throw new Error(`POST ${i} answered ${status}, expected 200`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(opts.concurrency, count) }, lane));
    let replies = -1;
    let lastChange = Date.now();
    for (;;) {
      const answered = nth.filter((k, i) => (fake.arrivals.get(userOf(i))?.length ?? 0) > k).length;
      if (answered === count) break;
      if (answered !== replies) [replies, lastChange] = [answered, Date.now()];
      if (Date.now() - lastChange > opts.idleTimeoutMs)
        throw new Error(`${count - answered} of ${count} messages unanswered after ${opts.idleTimeoutMs} ms without progress`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    agent.destroy();
  }
  return { sentAt, arrivedAt: nth.map((k, i) => fake.arrivals.get(userOf(i))![k]!), replies: nth.map(() => 1) };
}

function post(agent: Agent, url: string, body: string, signature: string): Promise<number> {
  return new Promise((ok, fail) => {
    const req = request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), [metaSignatureHeader]: signature },
    });
    req.once('error', fail);
    req.once('response', (res) => {
      res.resume();
      res.once('end', () => ok(res.statusCode ?? 0));
    });
    req.end(body);
  });
}

async function measure(scenario: 'floor' | 'hub', baseUrl: string, fake: Awaited<ReturnType<typeof startFakeSendApi>>, counters: Counters) {
  if (opts.warmup) await runLoad(baseUrl, fake, `${runId}-${scenario}-warmup`, opts.warmup);
  await counters.start();
  const sample = await runLoad(baseUrl, fake, `${runId}-${scenario}`, opts.messages);
  const perMessage: PerMessage = await counters.stop(opts.messages, 250);
  const summary = summarize(scenario, sample);
  console.log(`${scenario}: ${summary.throughput.toFixed(1)} msg/s, p50 ${summary.latencyMs.p50.toFixed(1)} ms, p99 ${summary.latencyMs.p99.toFixed(1)} ms`);
  return { summary, perMessage };
}

async function main(): Promise<void> {
  console.log(
    `messenger bench ${runId}: ${opts.messages} webhook events from ${opts.users} users, ${opts.concurrency} in flight, ${opts.warmup} warm-up, platform latency ${opts.platformLatencyMs} ms`,
  );
  const services = await startServices();
  const dbPid = services.dbPid ? { dbPid: services.dbPid } : {};
  const floorCounters = new Counters({ redisUrl: services.redisUrl, ...dbPid });
  const hubCounters = new Counters({ redisUrl: services.redisUrl, ...dbPid });
  const fake = await startFakeSendApi();
  let stopFloor: (() => Promise<void>) | undefined;
  let hub: Hub | undefined;
  try {
    const floor = await startFloor(monitoredUri(services.mongoUri(names.floor.db)), services.redisUrl, names.floor.prefix, fake.url);
    stopFloor = floor.stop;
    floorCounters.watchMongo(floor.mongo);
    const { summary: floorSummary, perMessage: floorCounts } = await measure('floor', floor.url, fake, floorCounters);
    stopFloor = undefined;
    await floor.stop();

    hub = await startMessengerHub(monitoredUri(services.mongoUri(names.hub.db)), services.redisUrl, names.hub.prefix, fake.url);
    // The hub's store is mongoose's default connection (core/store/connect.ts).
    hubCounters.watchMongo(mongoose.connection.getClient());
    const { summary: hubSummary, perMessage: hubCounts } = await measure('hub', hub.url!, fake, hubCounters);
    await hub.stop();
    hub = undefined;

    console.log();
    printTable(floorSummary, hubSummary, { floor: floorCounts, hub: hubCounts });
    console.log(countersNote('this process (hub or floor, plus the load generator and the fake Send API)'));
    if (fake.stats.refused) console.log(`fake Send API refused ${fake.stats.refused} requests`);
    const file = writeResults(
      {
        runId,
        at: new Date().toISOString(),
        options: opts,
        environment: {
          node: process.version,
          platform: `${process.platform}-${process.arch}`,
          mongodb: services.mongoSource,
          redis: redactUrl(services.redisUrl),
        },
        results: [floorSummary, hubSummary],
        counters: { floor: floorCounts, hub: hubCounts },
        ratio: {
          throughput: hubSummary.throughput / floorSummary.throughput,
          p50: hubSummary.latencyMs.p50 / floorSummary.latencyMs.p50,
          p99: hubSummary.latencyMs.p99 / floorSummary.latencyMs.p99,
        },
        sendApi: fake.stats,
      },
      'messenger',
    );
    console.log(`results: ${file}`);
  } finally {
    await Promise.allSettled([stopFloor?.(), hub?.stop()]);
    await fake.close();
    await Promise.allSettled([floorCounters.close(), hubCounters.close()]);
    await services.cleanup([names.floor.db, names.hub.db], [names.floor.prefix, names.hub.prefix]);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('messenger bench failed:', err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
