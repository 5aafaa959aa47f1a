/**
 * The hub through its Telegram webhook against a bare grammY webhook bot, on the same payloads
 * and the same fake Bot API, in the same run.
 *
 *   npx tsx bench/telegram.ts [--messages N] [--users U] [--concurrency C] [--warmup W]
 *
 * hub:  update POSTed to /channels/telegram/{account}/webhook → verified, queued (Redis) → routed
 *       (MongoDB: contact, conversation, messages) → auto-reply → outbound queue → sendMessage.
 * bare: `bot.on('message:text', ctx => ctx.reply(...))` behind node:http with grammY's
 *       webhookCallback: no storage, no queue; it answers the webhook after its reply.
 * Each user's updates are POSTed one after another (as Telegram does per chat), users in parallel
 * up to C requests in flight; a message counts as answered when its reply reaches the fake.
 * The hub's Telegram rate limits (30/s per bot, 1/s per chat) are raised for the run: this
 * measures the pipeline's cost, not Telegram's limits. Results go to bench/results/telegram-*.json.
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
import { redactUrl, startServices } from './services.js';
import { integerFlag } from './flags.js';

const { values: flags } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    users: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '32' },
    warmup: { type: 'string', default: '200' },
  },
  strict: true,
});
const positive = (name: keyof typeof flags, min = 1): number => integerFlag(flags, name, min);
const opts = { messages: positive('messages'), users: positive('users'), concurrency: positive('concurrency'), warmup: positive('warmup', 0) };

const runId = randomBytes(4).toString('hex');
const secretToken = randomBytes(24).toString('hex');
const account = 'bench-bot';
const names = { db: `bench_${runId}_telegram`, prefix: `bench-${runId}-telegram` };
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

async function startTelegramHub(mongoUri: string, redisUrl: string, apiRoot: string, token: string): Promise<Hub> {
  const registry = builtinRegistry();
  const yaml = stringify({
    server: { host: '127.0.0.1', port: 0 },
    redis: { prefix: names.prefix },
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
  const config = parseConfig(yaml, 'bench-telegram.yaml', { channelSchemas: registry.schemas() });
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

async function main(): Promise<void> {
  const services = await startServices();
  const fake = await new FakeTelegram().start();
  const results: Summary[] = [];
  let hub: Hub | undefined;
  let bare: { url: string; server: Server } | undefined;
  try {
    // Same payloads for both; each scenario gets its own warm-up first (connections, JIT, collections).
    const measured = updates(opts.messages, 1);
    bare = await startBareBot(fake.url, fake.token);
    if (opts.warmup) await drive(bare.url, updates(opts.warmup, 2), fake);
    results.push(summarize('bare grammY', await drive(bare.url, measured, fake)));

    hub = await startTelegramHub(services.mongoUri(names.db), services.redisUrl, fake.url, fake.token);
    const hubUrl = `${hub.url}/channels/telegram/${account}/webhook`;
    if (opts.warmup) await drive(hubUrl, updates(opts.warmup, 3), fake);
    results.push(summarize('hub (telegram)', await drive(hubUrl, measured, fake)));
  } finally {
    await hub?.stop();
    await new Promise((r) => (bare ? bare.server.close(r) : r(undefined)));
    await fake.stop();
    await services.cleanup([names.db], [names.prefix]);
  }

  const [floor, hubResult] = results as [Summary, Summary];
  const f = (n: number) => n.toFixed(1);
  console.log(
    `\nTelegram webhook: ${opts.messages} updates from ${opts.users} users, ${opts.concurrency} in flight; MongoDB: ${services.mongoSource}; Redis: ${redactUrl(services.redisUrl)}\n`,
  );
  printRows([
    ['scenario', 'msg/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
    ...results.map((s) => [s.scenario, f(s.throughput), f(s.latencyMs.p50), f(s.latencyMs.p90), f(s.latencyMs.p99), f(s.latencyMs.max)]),
  ]);
  const ratio = hubResult.throughput / floor.throughput;
  console.log(`\nhub/bare throughput ratio: ${ratio.toFixed(3)} (the hub stores every message and queues every reply; the bare bot keeps nothing)`);
  const file = writeResults({ options: opts, mongo: services.mongoSource, results, ratio }, 'telegram');
  console.log(`results: ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
