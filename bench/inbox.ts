/**
 * The console's inbox at size: the first page of a view out of many conversations, through the
 * real hub's HTTP stack (admin API, Redis index, the page's conversations and contacts read by
 * `_id`), against the same page read straight from MongoDB (the embedded FerretDB unless
 * MONGODB_URI is set), in the same run.
 *
 *   npx tsx bench/inbox.ts [--conversations N] [--requests R] [--baseline-requests B]
 *
 * --conversations: seeded raw (default 50,000): 10% closed, 20% waiting, 10% with an agent, the rest
 *   with the bot; every fifth on Telegram, the rest on the api channel; one minute apart. Their
 *   index is built by the rebuild (`switchboard inbox rebuild`), which is timed too.
 * --requests: GETs per view, one at a time (default 200), after 20 to warm up; p50/p95/p99.
 * --baseline-requests: the same page from MongoDB per view (default: as many as --requests):
 *   `Conversation.find({workspace, status}).sort(...).limit(50)` in this process, no contacts read.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import mongoose, { Types } from 'mongoose';
import { rebuildInbox } from '../core/agents/inbox-rebuild.js';
import type { InboxSummary } from '../core/agents/inbox-summary.js';
import { Queues } from '../core/queue/queues.js';
import { connectRedis } from '../core/queue/redis.js';
import { Conversation, type ConversationStatus } from '../core/store/conversation.js';
import { contactId } from '../core/store/ids.js';
import { integerFlag } from './flags.js';
import { startBenchHub } from './hub.js';
import { percentile, printRows, writeResults } from './report.js';
import { startServices } from './services.js';

const { values: flags } = parseArgs({ options: { conversations: { type: 'string' }, requests: { type: 'string' }, 'baseline-requests': { type: 'string' } } });
const total = flags.conversations ? integerFlag(flags, 'conversations') : 50_000;
const requests = flags.requests ? integerFlag(flags, 'requests') : 200;
const baselineRequests = flags['baseline-requests'] ? integerFlag(flags, 'baseline-requests') : requests;
const warmup = 20;
const workspace = 'bench';
const apiKey = 'bench-inbox-admin-key-0123456789';
const statusOf = (n: number) => (['closed', 'waiting', 'waiting', 'agent'] as const)[n % 10] ?? 'bot';
const open: ConversationStatus[] = ['bot', 'waiting', 'agent'];

/** `total` conversations with their contacts, inserted raw, as a deployment that had them before the index would. */
async function seed(): Promise<void> {
  const db = mongoose.connection.db!;
  const now = Date.now();
  for (let from = 0; from < total; from += 1000) {
    const batch = Array.from({ length: Math.min(1000, total - from) }, (_, i) => from + i);
    const address = (n: number) => ({ workspace, channel: n % 5 === 0 ? 'telegram' : 'api', account: 'app', user: `user-${n}` });
    await db.collection('contacts').insertMany(batch.map((n) => ({ _id: contactId(address(n)) as never, ...address(n), name: `Person ${n}` })));
    await db.collection('conversations').insertMany(
      batch.map((n) => {
        const at = new Date(now - (total - n) * 60_000);
        const status = statusOf(n);
        return {
          _id: new Types.ObjectId(),
          ...address(n),
          contact: contactId(address(n)),
          status,
          seq: 3,
          lastMessageAt: at,
          lastText: `the last thing person ${n} said`,
          lastSender: 'contact',
          inboundCount: 3,
          readCount: 1,
          ...(status === 'waiting' ? { waitingSince: at } : {}),
          ...(status === 'agent' ? { assignee: 'ag_bench', assigneeName: 'Anna' } : {}),
          ...(n % 3 === 0 ? { team: 'sales' } : {}),
          createdAt: at,
          updatedAt: at,
        };
      }),
    );
  }
}

/** Milliseconds of `count` calls one after another, after `warmup` untimed ones; and the last call's result. */
async function timed<T>(count: number, call: () => Promise<T>): Promise<{ ms: number[]; last: T }> {
  let last!: T;
  for (let i = 0; i < warmup; i++) last = await call();
  const ms: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    last = await call();
    ms.push(performance.now() - start);
  }
  return { ms: ms.sort((a, b) => a - b), last };
}

const services = await startServices();
const stamp = Date.now();
const database = `sbbench_inbox_${stamp}`;
const prefix = `sbbench-inbox-${stamp}`;
const hub = await startBenchHub({
  mongoUri: services.mongoUri(database),
  redisUrl: services.redisUrl,
  prefix,
  workspace,
  account: 'app',
  secret: 'bench-inbox-secret-0123456789',
  webhookUrl: 'http://127.0.0.1:9/unused',
  apiKeys: [apiKey],
});
const redis = connectRedis(services.redisUrl);
const queues = new Queues({ connection: redis, prefix, outboundAttempts: 3 });
const results: Record<string, unknown> = { total, requests, baselineRequests, mongo: services.mongoSource, loadBefore: loadavg() };

try {
  console.log(`inbox bench: ${total} conversations, ${requests} requests a view (${baselineRequests} for the baseline); ${services.mongoSource}`);
  console.log(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (2 cores)`,
  );
  const seedStart = performance.now();
  await seed();
  const seedMs = performance.now() - seedStart;
  const rebuildStart = performance.now();
  const { indexed } = await rebuildInbox({ redis, queues, workspace });
  const rebuildMs = performance.now() - rebuildStart;
  console.log(`seeded in ${(seedMs / 1000).toFixed(1)} s; index rebuilt from MongoDB in ${(rebuildMs / 1000).toFixed(1)} s (${indexed} conversations)`);

  const views: {
    name: string;
    query: string;
    filter: { status: ConversationStatus | { $in: ConversationStatus[] }; channel?: string };
    sort: Record<string, 1 | -1>;
  }[] = [
    { name: 'open', query: 'view=open', filter: { status: { $in: open } }, sort: { lastMessageAt: -1 } },
    { name: 'waiting', query: 'view=waiting', filter: { status: 'waiting' }, sort: { waitingSince: 1 } },
    {
      name: 'open, channel=telegram',
      query: 'view=open&channel=telegram',
      filter: { status: { $in: open }, channel: 'telegram' },
      sort: { lastMessageAt: -1 },
    },
  ];
  const rows: string[][] = [['first page of 50', 'requests', 'p50 ms', 'p95 ms', 'p99 ms', 'p95 vs MongoDB']];
  const figures: Record<string, unknown> = {};
  for (const view of views) {
    const hubRun = await timed(requests, async () => {
      const res = await fetch(`${hub.url}/api/conversations?${view.query}&limit=50`, { headers: { authorization: `Bearer ${apiKey}` } });
      if (res.status !== 200) throw new Error(`GET ${view.query} answered ${res.status}`);
      return ((await res.json()) as { conversations: InboxSummary[] }).conversations.map((c) => c.id);
    });
    const mongoRun = await timed(baselineRequests, async () =>
      (
        await Conversation.find({ workspace, ...view.filter })
          .sort(view.sort)
          .limit(50)
          .lean()
      ).map((c) => String(c._id)),
    );
    // Both must be the same page, or the comparison says nothing.
    if (hubRun.last.join() !== mongoRun.last.join()) throw new Error(`${view.name}: the hub's first page is not MongoDB's`);
    const p = (ms: number[]) => ({ p50: percentile(ms, 50), p95: percentile(ms, 95), p99: percentile(ms, 99) });
    const [hubP, mongoP] = [p(hubRun.ms), p(mongoRun.ms)];
    rows.push(
      [`hub GET ${view.name}`, String(requests), hubP.p50.toFixed(1), hubP.p95.toFixed(1), hubP.p99.toFixed(1), `${(hubP.p95 / mongoP.p95).toFixed(3)}x`],
      [`MongoDB find ${view.name}`, String(baselineRequests), mongoP.p50.toFixed(1), mongoP.p95.toFixed(1), mongoP.p99.toFixed(1), '1.000x'],
    );
    figures[view.name] = { hub: hubP, mongodb: mongoP };
  }
  printRows(rows);
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  Object.assign(results, { seedMs, rebuildMs, figures, loadAfter: loadavg() });
  console.log(`results: ${writeResults(results, 'inbox')}`);
} finally {
  await queues.close();
  await redis.quit();
  await hub.stop();
  await services.cleanup([database], [prefix]);
}
