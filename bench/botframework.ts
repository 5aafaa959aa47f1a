/**
 * The hub through the Bot Framework route against a bare botbuilder echo bot (CloudAdapter +
 * ActivityHandler behind node:http, emulator mode), both answering the same activities through
 * the same local Bot Connector fake, in the same run. Reports msg/s of both and their ratio.
 *
 *   npx tsx bench/botframework.ts [--messages N] [--users U] [--concurrency C] [--warmup W] [--idle-timeout S]
 *
 * A message counts as answered when the connector receives the first activity replying to it
 * (`replyToId`). The bare bot answers inside the turn, before its HTTP 200; the hub answers 200
 * once the activity is queued, then stores, routes and replies from a worker. The hub's per-chat
 * outbound limit (2/s, for Teams) is lifted for the run: this measures the pipeline, not the limiter.
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

const { values: flags } = parseArgs({
  options: {
    messages: { type: 'string', default: '600' },
    users: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '16' },
    warmup: { type: 'string', default: '50' },
    'idle-timeout': { type: 'string', default: '30' },
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
  const config = parseConfig(yaml, 'bench.yaml', { channelSchemas: registry.schemas() });
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
const connector = await new FakeBotConnector().start();
connector.record = false;
const bare = await startBareBot();
const { hub, endpoint } = await startBenchHub(services.mongoUri(database), services.redisUrl, prefix);
try {
  console.log(
    `botframework bench: ${opts.messages} messages over ${opts.users} conversations, ${opts.concurrency} in flight; MongoDB: ${services.mongoSource}, Redis: ${redactUrl(services.redisUrl)}`,
  );
  // Warm both up (JIT, connections, the hub's first contacts), then measure each in turn.
  if (opts.warmup) {
    await drive(connector, bare.endpoint, `warm-bare-${id}`, opts.warmup);
    await drive(connector, endpoint, `warm-hub-${id}`, opts.warmup);
  }
  const bareResult = await drive(connector, bare.endpoint, `bare-${id}`, opts.messages);
  const hubResult = await drive(connector, endpoint, `hub-${id}`, opts.messages);
  const row = (name: string, r: typeof bareResult) =>
    `${name.padEnd(28)} ${r.msgPerSec.toFixed(0).padStart(8)} ${r.p50.toFixed(1).padStart(9)} ${r.p99.toFixed(1).padStart(9)}`;
  console.log(`${'scenario'.padEnd(28)} ${'msg/s'.padStart(8)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)}`);
  console.log(row('bare botbuilder echo bot', bareResult));
  console.log(row('hub (botframework route)', hubResult));
  console.log(`hub / bare throughput: ${(hubResult.msgPerSec / bareResult.msgPerSec).toFixed(2)}x`);
} finally {
  await hub.stop();
  await bare.stop();
  await connector.stop();
  await services.cleanup([database], [prefix]);
}
