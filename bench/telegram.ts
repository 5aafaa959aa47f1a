/**
 * The hub through its Telegram webhook against a bare grammY webhook bot, on the same payloads
 * and the same fake Bot API, in the same run.
 *
 *   npx tsx bench/telegram.ts [--messages N] [--users U] [--concurrency C] [--warmup W] [--platform-latency-ms L] [--grid [--grid-latencies 0,150,300]]
 *   npm run bench:latency   (the same as --grid)
 *
 * --platform-latency-ms L: the fake Bot API answers every call (sendMessage, getMe...) L ms after it
 *   came in, for the hub and the bare bot alike; a reply counts as arrived when sendMessage is
 *   answered. With L > 0 (and with --grid) the defaults become 40 requests in flight (Telegram's
 *   default webhook max_connections) and 300 users, as issue 10 describes.
 * --grid: one row per latency (default 0, 150 and 300 ms; 40 in flight, 300 users, 1000 updates
 *   unless given), each with its own bare bot, hub, database and Redis prefix, then one table:
 *   latency, bare msg/s, hub msg/s, ratio, hub reply p50/p99.
 * Per-message counters (bench/counters.ts) beside every throughput: MongoDB commands of the hub's
 *   connection (the bare bot has none), Redis commands (server-wide), CPU ms of this process (it
 *   runs the load generator and the fake Bot API too, for both scenarios) and of the embedded FerretDB.
 *
 * hub:  update POSTed to /channels/telegram/{account}/webhook → verified, queued (Redis) → routed
 *       (MongoDB: contact, conversation, messages) → auto-reply → outbound queue → sendMessage.
 * bare: `bot.on('message:text', ctx => ctx.reply(...))` behind node:http with grammY's
 *       webhookCallback: no storage, no queue; it answers the webhook after its reply.
 * Each user's updates are POSTed one after another (as Telegram does per chat), users in parallel
 * up to C requests in flight; a message counts as answered when its reply reaches the fake.
 * The hub's Telegram rate limits (30/s per bot, 1/s per chat) are raised for the run to the most
 * the config allows (`rateLimit: { perSecond: 1000, perChatPerSecond: 100 }` on the account; the
 * bare bot has no limiter): this measures the pipeline's cost, not Telegram's limits. Results go to bench/results/telegram-*.json.
 */
import { randomBytes } from 'node:crypto';
import { createServer, Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Bot, webhookCallback } from 'grammy';
import type { Update } from 'grammy/types';
import { stringify } from 'yaml';
import { builtinRegistry } from '../adapters/index.js';
import { parseConfig } from '../core/config/load.js';
import { startHub, type Hub } from '../core/hub.js';
import { createLogger } from '../core/logger.js';
import { FakeTelegram, fakeBotInfo, textUpdate } from '../test/fakes/telegram-api.js';
import type { Sample } from './load.js';
import { printRows, summarize, writeResults, type Summary } from './report.js';
import { redactUrl, startServices, type Services } from './services.js';
import { integerFlag } from './flags.js';
import mongoose from 'mongoose';
import { counterCells, counterHeaders, Counters, countersNote, monitoredUri, type PerMessage } from './counters.js';

const { values: flags } = parseArgs({
  options: {
    messages: { type: 'string' },
    users: { type: 'string' },
    concurrency: { type: 'string' },
    warmup: { type: 'string', default: '200' },
    'platform-latency-ms': { type: 'string', default: '0' },
    grid: { type: 'boolean', default: false },
    'grid-latencies': { type: 'string', default: '0,150,300' },
  },
  strict: true,
});
const positive = (name: keyof typeof flags, min = 1): number => integerFlag(flags, name, min);
const latencies = flags.grid
  ? flags['grid-latencies'].split(',').map((l) => {
      const n = Number(l);
      if (!Number.isInteger(n) || n < 0) throw new Error('--grid-latencies must be a comma list of integers >= 0');
      return n;
    })
  : [positive('platform-latency-ms', 0)];
/** Latency runs drive the webhook as Telegram would: 40 connections (max_connections' default), 300 users. */
const latencyRun = flags.grid || latencies[0]! > 0;
const orDefault = (name: 'messages' | 'users' | 'concurrency', fallback: number) => (flags[name] === undefined ? fallback : positive(name));
const opts = {
  messages: orDefault('messages', flags.grid ? 1000 : 2000),
  users: orDefault('users', latencyRun ? 300 : 200),
  concurrency: orDefault('concurrency', latencyRun ? 40 : 32),
  warmup: positive('warmup', 0),
  latencies,
};

const runId = randomBytes(4).toString('hex');
const secretToken = randomBytes(24).toString('hex');
const account = 'bench-bot';
const names = (row: number) => ({ db: `bench_${runId}_telegram${row}`, prefix: `bench-${runId}-telegram${row}` });
const replyText = 'Thanks for your message! We will get back to you shortly.';

/** N text updates from U users (chat ids), round-robin; update and message ids unique per phase. */
function updates(count: number, phase: number): Update[] {
  return Array.from({ length: count }, (_, i) => {
    const chatId = 900_000 + phase * 100_000 + (i % opts.users);
    return textUpdate({ updateId: phase * 1_000_000 + i, chatId, messageId: Math.floor(i / opts.users) + 1, text: `bench message ${i}` });
  });
}

/**
 * POSTs the updates (each chat's in order, at most `concurrency` in flight) and resolves when
 * every one has its reply at the fake: the j-th reply to a chat answers its j-th update.
 */
async function drive(url: string, list: Update[], fake: FakeTelegram, timeoutMs = 120_000): Promise<Sample> {
  const sentAt = new Array<number>(list.length);
  const arrivedAt = new Array<number>(list.length);
  const byChat = new Map<number, number[]>();
  list.forEach((u, i) => byChat.set(u.message!.chat.id, [...(byChat.get(u.message!.chat.id) ?? []), i]));
  const answered = new Map<number, number>();
  let remaining = list.length;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  fake.onMessage = (m) => {
    const queue = byChat.get(m.chat.id);
    if (!queue) return;
    const j = answered.get(m.chat.id) ?? 0;
    answered.set(m.chat.id, j + 1);
    const i = queue[j];
    if (i === undefined) throw new Error(`an extra reply to chat ${m.chat.id}`);
    arrivedAt[i] = performance.now();
    if (--remaining === 0) done();
  };
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  // One lane per chat, at most `concurrency` lanes at a time.
  const chats = [...byChat.values()];
  let next = 0;
  const lane = async () => {
    while (next < chats.length) {
      for (const i of chats[next++]!) {
        sentAt[i] = performance.now();
        const status = await post(agent, url, JSON.stringify(list[i]));
        if (status !== 200) throw new Error(`update ${list[i]!.update_id}: answered ${status}`);
      }
    }
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.all(Array.from({ length: Math.min(opts.concurrency, chats.length) }, lane));
    await Promise.race([all, new Promise((_, fail) => (timer = setTimeout(() => fail(new Error(`timed out: ${remaining} replies missing`)), timeoutMs)))]);
  } finally {
    clearTimeout(timer);
    agent.destroy();
    fake.onMessage = undefined;
  }
  return { sentAt, arrivedAt, replies: arrivedAt.map(() => 1) };
}

function post(agent: Agent, url: string, body: string): Promise<number> {
  return new Promise((ok, fail) => {
    const req = request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-telegram-bot-api-secret-token': secretToken },
    });
    req.once('error', fail);
    req.once('response', (res) => {
      res.resume();
      res.once('end', () => ok(res.statusCode ?? 0));
    });
    req.end(body);
  });
}

async function startTelegramHub(mongoUri: string, redisUrl: string, prefix: string, apiRoot: string, token: string): Promise<Hub> {
  const registry = builtinRegistry();
  const yaml = stringify({
    server: { host: '127.0.0.1', port: 0 },
    redis: { prefix },
    workspaces: [
      {
        id: 'bench',
        name: 'Bench',
        texts: { autoReply: replyText },
        channels: {
          telegram: [{ account, token, secretToken, apiRoot, botInfo: fakeBotInfo, rateLimit: { perSecond: 1000, perChatPerSecond: 100 } }],
        },
      },
    ],
  });
  const config = parseConfig(yaml, 'bench-telegram.yaml', registry.loadOptions());
  return startHub({ config, registry, role: 'all', mongoUri, redisUrl, logger: createLogger({ level: 'warn' }) });
}

/** The smallest grammY webhook bot that answers every text, as grammY's docs deploy it on node:http. */
async function startBareBot(apiRoot: string, token: string): Promise<{ url: string; server: Server }> {
  const bot = new Bot(token, { client: { apiRoot }, botInfo: fakeBotInfo });
  bot.on('message:text', (ctx) => ctx.reply(replyText));
  const server = createServer(webhookCallback(bot, 'http', { secretToken }));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

interface Row {
  latencyMs: number;
  bare: Summary;
  hub: Summary;
  counters: { bare: PerMessage; hub: PerMessage };
}

/** Bare bot, then hub, each warmed up then measured on the same payloads, with the fake answering after `latencyMs`. */
async function runRow(services: Services, fake: FakeTelegram, latencyMs: number, row: number): Promise<Row> {
  fake.latencyMs = latencyMs;
  const { db, prefix } = names(row);
  const phase = 1 + row * 3;
  const measured = updates(opts.messages, phase);
  const dbPid = services.dbPid ? { dbPid: services.dbPid } : {};
  const label = `latency ${latencyMs} ms`;

  const bare = await startBareBot(fake.url, fake.token);
  const bareCounters = new Counters({ redisUrl: services.redisUrl, noMongo: true, ...dbPid });
  let bareSummary: Summary;
  let bareCounts: PerMessage;
  try {
    if (opts.warmup) await drive(bare.url, updates(opts.warmup, phase + 1), fake);
    await bareCounters.start();
    bareSummary = summarize(`bare grammY (${label})`, await drive(bare.url, measured, fake));
    bareCounts = await bareCounters.stop(opts.messages, 250);
  } finally {
    await bareCounters.close();
    await new Promise((r) => bare.server.close(r));
  }
  console.log(`${bareSummary.scenario}: ${bareSummary.throughput.toFixed(1)} msg/s`);

  const hub = await startTelegramHub(monitoredUri(services.mongoUri(db)), services.redisUrl, prefix, fake.url, fake.token);
  const hubCounters = new Counters({ redisUrl: services.redisUrl, ...dbPid });
  let hubSummary: Summary;
  let hubCounts: PerMessage;
  try {
    hubCounters.watchMongo(mongoose.connection.getClient());
    const hubUrl = `${hub.url}/channels/telegram/${account}/webhook`;
    if (opts.warmup) await drive(hubUrl, updates(opts.warmup, phase + 2), fake);
    await hubCounters.start();
    hubSummary = summarize(`hub (telegram, ${label})`, await drive(hubUrl, measured, fake));
    hubCounts = await hubCounters.stop(opts.messages, 250);
  } finally {
    await hubCounters.close();
    await hub.stop();
  }
  console.log(`${hubSummary.scenario}: ${hubSummary.throughput.toFixed(1)} msg/s`);
  return { latencyMs, bare: bareSummary, hub: hubSummary, counters: { bare: bareCounts, hub: hubCounts } };
}

async function main(): Promise<void> {
  const services = await startServices();
  const fake = await new FakeTelegram().start();
  const rows: Row[] = [];
  try {
    for (const [row, latencyMs] of opts.latencies.entries()) rows.push(await runRow(services, fake, latencyMs, row));
  } finally {
    await fake.stop();
    await services.cleanup(
      opts.latencies.map((_, row) => names(row).db),
      opts.latencies.map((_, row) => names(row).prefix),
    );
  }

  const f = (n: number) => n.toFixed(1);
  console.log(
    `\nTelegram webhook: ${opts.messages} updates from ${opts.users} users, ${opts.concurrency} in flight; hub rateLimit raised to 1000/s per bot, 100/s per chat; MongoDB: ${services.mongoSource}; Redis: ${redactUrl(services.redisUrl)}\n`,
  );
  printRows([
    ['scenario', 'msg/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', ...counterHeaders],
    ...rows.flatMap((r) =>
      (['bare', 'hub'] as const).map((k) => {
        const s = r[k];
        return [s.scenario, f(s.throughput), f(s.latencyMs.p50), f(s.latencyMs.p90), f(s.latencyMs.p99), f(s.latencyMs.max), ...counterCells(r.counters[k])];
      }),
    ),
  ]);
  console.log(countersNote('this process (bot or hub, plus the load generator and the fake Bot API)'));
  if (rows.length > 1) {
    console.log('\nlatency grid:\n');
    printRows([
      ['platform latency ms', 'bare msg/s', 'hub msg/s', 'hub/bare', 'hub p50 ms', 'hub p99 ms'],
      ...rows.map((r) => [
        String(r.latencyMs),
        f(r.bare.throughput),
        f(r.hub.throughput),
        (r.hub.throughput / r.bare.throughput).toFixed(3),
        f(r.hub.latencyMs.p50),
        f(r.hub.latencyMs.p99),
      ]),
    ]);
  } else {
    const r = rows[0]!;
    console.log(
      `\nhub/bare throughput ratio: ${(r.hub.throughput / r.bare.throughput).toFixed(3)} (the hub stores every message and queues every reply; the bare bot keeps nothing)`,
    );
  }
  const file = writeResults(
    {
      options: opts,
      mongo: services.mongoSource,
      rows: rows.map((r) => ({ ...r, ratio: r.hub.throughput / r.bare.throughput })),
    },
    flags.grid ? 'telegram-grid' : 'telegram',
  );
  console.log(`results: ${file}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
