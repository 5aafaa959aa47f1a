/**
 * The hub through the Bot Framework route against a bare botbuilder echo bot (CloudAdapter +
 * ActivityHandler behind node:http, emulator mode), both answering the same activities through
 * the same local Bot Connector fake, in the same run. Reports msg/s of both and their ratio.
 *
 *   npx tsx bench/botframework.ts [--messages N] [--users U] [--concurrency C] [--warmup W] [--idle-timeout S] [--platform-latency-ms L]
 *
 * --platform-latency-ms L: the fake Bot Connector answers every call, the hub's and the bare bot's
 *   alike, L ms after it came in (default 0); a reply counts as arrived then.
 * Per-message counters (bench/counters.ts) beside each throughput: MongoDB commands of the hub's
 * connection (the bare bot has none), Redis commands (server-wide), CPU ms of this process (which
 * also runs the load generator and the fake connector, for both) and of the embedded FerretDB.
 * The bare bot is measured before the hub starts, so neither's idle work is counted in the other's figures.
 *
 * A message counts as answered when the connector receives the first activity replying to it
 * (`replyToId`). The bare bot answers inside the turn, before its HTTP 200; the hub answers 200
 * once the activity is queued, then stores, routes and replies from a worker. The hub's per-chat
 * outbound limits (50/s per bot, 2/s per chat, for Teams) are raised for the run to
 * `rateLimit: { perSecond: 1000, perChatPerSecond: 100 }` (the config's maximum): this measures the pipeline, not the limiter.
 * Requests are sent open loop (C in flight), so the hub's latency includes its queue backlog;
 * throughput is what to compare.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication, type Request, type Response } from 'botbuilder';
import { stringify } from 'yaml';
import { builtinRegistry } from '../adapters/index.js';
import { parseConfig } from '../core/config/load.js';
import { startHub, type Hub } from '../core/hub.js';
import { createLogger } from '../core/logger.js';
import { AutoReplyResponder } from '../core/responder.js';
import { FakeBotConnector } from '../test/fakes/botframework-connector.js';
import { redactUrl, startServices } from './services.js';
import { integerFlag } from './flags.js';
import mongoose from 'mongoose';
import { counterCells, counterHeaders, Counters, countersNote, monitoredUri, type PerMessage } from './counters.js';
import { printRows } from './report.js';

const { values: flags } = parseArgs({
  options: {
    messages: { type: 'string', default: '600' },
    users: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '16' },
    warmup: { type: 'string', default: '50' },
    'idle-timeout': { type: 'string', default: '30' },
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
  idleMs: positive('idle-timeout') * 1000,
  platformLatencyMs: positive('platform-latency-ms', 0),
};

/** The smallest real Bot Framework bot: botbuilder's own sample shape, echoing each message in its turn. */
async function startBareBot(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '' }));
  const bot = new ActivityHandler();
  bot.onMessage(async (context, next) => {
    await context.sendActivity(`Echo: ${context.activity.text}`);
    await next();
  });
  const server: Server = createServer((req, res) => {
    void readBody(req).then(async (body) => {
      // node:http has neither a parsed body nor express's status/header/send: the usual few-line shim.
      const request: Request = { method: req.method, headers: req.headers, body: JSON.parse(body) as Record<string, unknown> };
      const response: Response = {
        socket: res.socket,
        status: (code: number) => (res.statusCode = code),
        header: (name: string, value: unknown) => res.setHeader(name, String(value)),
        send: (b: unknown) => res.write(typeof b === 'string' ? b : JSON.stringify(b)),
        end: () => res.end(),
      };
      await adapter.process(request, response, (context) => bot.run(context));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function startBenchHub(mongoUri: string, redisUrl: string, prefix: string): Promise<{ hub: Hub; endpoint: string }> {
  const registry = builtinRegistry();
  const yaml = stringify({
    server: { host: '127.0.0.1', port: 0 },
    redis: { prefix },
    workspaces: [
      {
        id: 'bench',
        name: 'Bench',
        texts: { autoReply: 'Thanks, got it.' },
        channels: { botframework: [{ account: 'bench-bot', emulator: true, rateLimit: { perSecond: 1000, perChatPerSecond: 100 } }] },
      },
    ],
  });
  const config = parseConfig(yaml, 'bench.yaml', registry.loadOptions());
  const hub = await startHub({
    config,
    registry,
    role: 'all',
    mongoUri,
    redisUrl,
    logger: createLogger({ level: 'error' }),
    responder: new AutoReplyResponder(),
  });
  return { hub, endpoint: `${hub.url}/channels/botframework/bench-bot/api/messages` };
}

/** Sends `count` messages spread over `users` conversations, `concurrency` requests at a time; resolves when every one was answered. */
async function drive(connector: FakeBotConnector, endpoint: string, run: string, count: number): Promise<{ msgPerSec: number; p50: number; p99: number }> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let lastArrival = 0;
  let lastProgress = Date.now();
  let done!: () => void;
  let fail!: (err: Error) => void;
  const allAnswered = new Promise<void>((resolve, reject) => ((done = resolve), (fail = reject)));
  connector.onDelivered = (call) => {
    const id = call.body.replyToId as string | undefined;
    const at = id ? sentAt.get(id) : undefined;
    if (at === undefined) return;
    sentAt.delete(id!);
    const now = performance.now();
    latencies.push(now - at);
    lastArrival = now;
    lastProgress = Date.now();
    if (latencies.length === count) done();
  };
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const id = `${run}-${i}`;
      sentAt.set(id, performance.now());
      const status = await connector.deliver(
        endpoint,
        connector.message({ conversationId: `${run}-user-${i % opts.users}`, userId: `user-${i % opts.users}`, id, text: `message ${i}` }),
      );
      if (status !== 200) throw new Error(`${endpoint} answered ${status}`);
    }
  };
  const idle = setInterval(() => {
    if (Date.now() - lastProgress > opts.idleMs) {
      clearInterval(idle);
      fail(new Error(`no reply for ${opts.idleMs / 1000} s (${latencies.length}/${count} answered)`));
    }
  }, 1000);
  try {
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    await allAnswered;
  } finally {
    clearInterval(idle);
    connector.onDelivered = undefined;
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  return { msgPerSec: count / ((lastArrival - started) / 1000), p50: pct(50), p99: pct(99) };
}

const services = await startServices();
const id = randomBytes(4).toString('hex');
const database = `sbbench_bf_${id}`;
const prefix = `sbbench-bf-${id}`;
const connector = await new FakeBotConnector({ latencyMs: opts.platformLatencyMs }).start();
connector.record = false;
const dbPid = services.dbPid ? { dbPid: services.dbPid } : {};
const bareCounters = new Counters({ redisUrl: services.redisUrl, noMongo: true, ...dbPid });
const hubCounters = new Counters({ redisUrl: services.redisUrl, ...dbPid });
let bare: Awaited<ReturnType<typeof startBareBot>> | undefined;
let hub: Hub | undefined;
try {
  console.log(
    `botframework bench: ${opts.messages} messages over ${opts.users} conversations, ${opts.concurrency} in flight, platform latency ${opts.platformLatencyMs} ms; MongoDB: ${services.mongoSource}, Redis: ${redactUrl(services.redisUrl)}`,
  );
  // Each warmed up (JIT, connections, the hub's first contacts), then measured; the hub starts after the bare bot stopped.
  bare = await startBareBot();
  if (opts.warmup) await drive(connector, bare.endpoint, `warm-bare-${id}`, opts.warmup);
  await bareCounters.start();
  const bareResult = await drive(connector, bare.endpoint, `bare-${id}`, opts.messages);
  const bareCounts: PerMessage = await bareCounters.stop(opts.messages, 250);
  await bare.stop();
  bare = undefined;

  const started = await startBenchHub(monitoredUri(services.mongoUri(database)), services.redisUrl, prefix);
  hub = started.hub;
  // The hub's store is mongoose's default connection (core/store/connect.ts).
  hubCounters.watchMongo(mongoose.connection.getClient());
  if (opts.warmup) await drive(connector, started.endpoint, `warm-hub-${id}`, opts.warmup);
  await hubCounters.start();
  const hubResult = await drive(connector, started.endpoint, `hub-${id}`, opts.messages);
  const hubCounts: PerMessage = await hubCounters.stop(opts.messages, 250);

  const f = (n: number) => n.toFixed(1);
  printRows([
    ['scenario', 'msg/s', 'p50 ms', 'p99 ms', ...counterHeaders],
    ['bare botbuilder echo bot', f(bareResult.msgPerSec), f(bareResult.p50), f(bareResult.p99), ...counterCells(bareCounts)],
    ['hub (botframework route)', f(hubResult.msgPerSec), f(hubResult.p50), f(hubResult.p99), ...counterCells(hubCounts)],
  ]);
  console.log(countersNote('this process (bot or hub, plus the load generator and the fake connector)'));
  console.log(`hub / bare throughput: ${(hubResult.msgPerSec / bareResult.msgPerSec).toFixed(2)}x`);
} finally {
  await hub?.stop();
  await bare?.stop();
  await connector.stop();
  await Promise.allSettled([bareCounters.close(), hubCounters.close()]);
  await services.cleanup([database], [prefix]);
}
process.exit(0);
