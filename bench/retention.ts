/**
 * The retention sweep against a raw `deleteMany` of the same aged data, and live reply latency
 * with and without a sweep running, on the same MongoDB and Redis (the embedded FerretDB unless
 * MONGODB_URI is set).
 *
 *   npx tsx bench/retention.ts [--messages N] [--per-conversation M] [--batch B] [--live L]
 *
 * --messages: aged messages per scenario (default 100,000), M per conversation (default 10),
 *   all 400 days old against a 12-month policy. The raw baseline deletes the messages and the
 *   conversations with raw `deleteMany` calls, B conversations a call (one call for all of it is
 *   refused by FerretDB v1 past 32,766 documents); the sweep (core/privacy/retention.ts) removes the
 *   same shape of data as it does for real: in batches of B conversations (default its own), each
 *   taken out of its turns' way by its mailbox lease, with messages, platform refs, timers.
 * --in-flight F: live messages in flight at once (default 4, which keeps the hub busy all the time;
 *   1 is a steady stream with room between turns).
 * --live: messages of a live conversation load (F in flight) per round, measured alone (5 rounds)
 *   and in rounds for as long as a sweep of another workspace's aged data runs (default 400); reply p99 is
 *   the figure.
 */
import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import mongoose from 'mongoose';
import { configSchema } from '../core/config/schema.js';
import { runRetention } from '../core/privacy/retention.js';
import { Queues } from '../core/queue/queues.js';
import { connectRedis } from '../core/queue/redis.js';
import { contactId } from '../core/store/ids.js';
import { scalarFieldsComment } from '../core/store/scalar-filters.js';
import { integerFlag } from './flags.js';
import { startBenchHub } from './hub.js';
import { runLoad, type Sample } from './load.js';
import { startReceiver } from './receiver.js';
import { printRows, summarize, writeResults } from './report.js';
import { startServices } from './services.js';

const { values: flags } = parseArgs({
  options: {
    messages: { type: 'string' },
    'per-conversation': { type: 'string' },
    batch: { type: 'string' },
    live: { type: 'string' },
    'in-flight': { type: 'string' },
  },
});
const perConversation = flags['per-conversation'] ? integerFlag(flags, 'per-conversation') : 10;
/** Whole conversations: the messages asked for, rounded up. */
const total = Math.ceil((flags.messages ? integerFlag(flags, 'messages') : 100_000) / perConversation) * perConversation;
const batchSize = flags.batch ? integerFlag(flags, 'batch') : undefined;
const liveMessages = flags.live ? integerFlag(flags, 'live') : 400;
const inFlight = flags['in-flight'] ? integerFlag(flags, 'in-flight') : 4;
const aged = new Date(Date.now() - 400 * 24 * 3600_000);

const merged = (rounds: Sample[]): Sample => ({
  sentAt: rounds.flatMap((r) => r.sentAt),
  arrivedAt: rounds.flatMap((r) => r.arrivedAt),
  replies: rounds.flatMap((r) => r.replies),
});

/** `total` messages in conversations of `perConversation`, with their contacts, all `aged`, inserted raw and fast. */
async function seed(workspace: string): Promise<void> {
  const db = mongoose.connection.db!;
  const conversations = Math.ceil(total / perConversation);
  for (let from = 0; from < conversations; from += 1000) {
    const batch = Array.from({ length: Math.min(1000, conversations - from) }, (_, i) => from + i);
    const address = (n: number) => ({ workspace, channel: 'api', account: 'app', user: `user-${n}` });
    const convIds = batch.map(() => new Types.ObjectId());
    await db.collection('contacts').insertMany(batch.map((n) => ({ _id: contactId(address(n)) as never, ...address(n), createdAt: aged, updatedAt: aged })));
    await db.collection('conversations').insertMany(
      batch.map((n, i) => ({
        _id: convIds[i],
        ...address(n),
        contact: contactId(address(n)),
        status: 'bot',
        seq: perConversation,
        lastMessageAt: aged,
        createdAt: aged,
      })),
    );
    const messages = batch.flatMap((n, i) =>
      Array.from({ length: perConversation }, (_, k) => ({
        _id: `${workspace}-${n}-${k}` as never,
        ...address(n),
        conversation: convIds[i],
        direction: k % 2 ? 'out' : 'in',
        sender: k % 2 ? 'bot' : 'contact',
        order: k,
        text: `an old message ${k} of conversation ${n}`,
        status: k % 2 ? 'sent' : 'processed',
        createdAt: aged,
      })),
    );
    await db.collection('messages').insertMany(messages);
  }
}

const services = await startServices();
const database = `sbbench_retention_${Date.now()}`;
const prefix = `sbbench-retention-${Date.now()}`;
const mongoUri = services.mongoUri(database);
// The hub connects the store (it is the live load's hub too); the sweeps and the baseline use that connection.
const secret = 'bench-retention-secret-0123456789';
const receiver = await startReceiver(secret);
const hub = await startBenchHub({
  mongoUri,
  redisUrl: services.redisUrl,
  // One deployment: the sweeps run as the hub's own worker would, on its Redis keys (they see its turns).
  prefix,
  workspace: 'live',
  account: 'live-app',
  secret,
  webhookUrl: receiver.url,
});
const redis = connectRedis(services.redisUrl);
const queues = new Queues({ connection: redis, prefix, outboundAttempts: 3 });
const policy = { conversations: '12mo', channels: { api: {} } };
const config = configSchema.parse({
  redis: { prefix },
  workspaces: ['sweep', 'during'].map((id) => ({ id, name: id, privacy: { retention: policy } })),
});
const only = (id: string) => ({ ...config, workspaces: config.workspaces.filter((w) => w.id === id) });
const results: Record<string, unknown> = { total, perConversation, inFlight, mongo: services.mongoSource };

try {
  console.log(`retention bench: ${total} messages 400 days old in conversations of ${perConversation}, policy 12mo; ${services.mongoSource}`);
  // Baseline: what the database alone takes to delete the same data with raw deleteMany calls.
  // One call for all of it is refused by FerretDB v1 past 32,766 documents (SQLite's variable
  // limit), so the baseline deletes as the sweep must: the same conversations per call, with the
  // filter the store sends (workspace first, marked scalar), which FerretDB answers from the index.
  await seed('raw');
  const db = mongoose.connection.db!;
  const rawConversationIds = (
    await db
      .collection('conversations')
      .find({ workspace: 'raw' }, { projection: { _id: 1 } })
      .toArray()
  ).map((c) => c._id);
  const chunk = batchSize ?? 2000;
  const rawStart = performance.now();
  let rawDocs = 0;
  for (let i = 0; i < rawConversationIds.length; i += chunk) {
    const ids = rawConversationIds.slice(i, i + chunk);
    rawDocs += (await db.collection('messages').deleteMany({ workspace: 'raw', conversation: { $in: ids }, $comment: scalarFieldsComment })).deletedCount;
    rawDocs += (await db.collection('conversations').deleteMany({ _id: { $in: ids } })).deletedCount;
  }
  const rawMs = performance.now() - rawStart;

  await seed('sweep');
  const sweepStart = performance.now();
  const { rows } = await runRetention({ config: only('sweep'), redis, queues, trigger: 'cli', ...(batchSize ? { batchSize } : {}) });
  const sweepMs = performance.now() - sweepStart;
  const left = await mongoose.connection.db!.collection('messages').countDocuments({ workspace: 'sweep' });
  if (left) throw new Error(`the sweep left ${left} messages`);
  const sweptConversations = rows.find((r) => r.kind === 'conversations')!.count;
  const sweepDocs = total + sweptConversations;

  // Live replies on the hub, alone and while another workspace's aged data is swept.
  const load = (idPrefix: string) =>
    runLoad(
      { url: `${hub.url}/channels/api/live-app/messages`, secret, messages: liveMessages, concurrency: inFlight, users: 40, idPrefix, idleTimeoutMs: 60_000 },
      receiver,
    );
  await load('warmup');
  // Five rounds alone, so its p99 is not the fourth-worst of 400.
  const aloneRounds: Sample[] = [];
  for (let i = 0; i < 5; i++) aloneRounds.push(await load(`alone-${i}`));
  const alone = summarize('live alone', merged(aloneRounds));
  await seed('during');
  // The load goes on in rounds for as long as the sweep runs, so every part of it is measured.
  let swept = false;
  const sweeping = runRetention({ config: only('during'), redis, queues, trigger: 'cli', ...(batchSize ? { batchSize } : {}) }).finally(() => {
    swept = true;
  });
  const rounds: Sample[] = [];
  do rounds.push(await load(`during-${rounds.length}`));
  while (!swept);
  await sweeping;
  const during = summarize('live during a sweep', merged(rounds));

  const rate = (docs: number, ms: number) => docs / (ms / 1000);
  printRows([
    ['scenario', 'documents', 'seconds', 'docs/s', 'vs raw'],
    ['raw deleteMany', String(rawDocs), (rawMs / 1000).toFixed(1), rate(rawDocs, rawMs).toFixed(0), '1.000x'],
    [
      'retention sweep',
      String(sweepDocs),
      (sweepMs / 1000).toFixed(1),
      rate(sweepDocs, sweepMs).toFixed(0),
      `${(rate(sweepDocs, sweepMs) / rate(rawDocs, rawMs)).toFixed(3)}x`,
    ],
  ]);
  printRows([
    [`live replies (${inFlight} in flight)`, 'messages', 'p50 ms', 'p99 ms', 'p99 vs alone'],
    ...[alone, during].map((s) => [
      s.scenario,
      String(s.messages),
      s.latencyMs.p50.toFixed(1),
      s.latencyMs.p99.toFixed(1),
      `${(s.latencyMs.p99 / alone.latencyMs.p99).toFixed(2)}x`,
    ]),
  ]);
  Object.assign(results, { rawDocs, rawMs, sweepDocs, sweepMs, alone: alone.latencyMs, during: during.latencyMs });
  console.log(`results: ${writeResults(results, 'retention')}`);
} finally {
  await queues.close();
  await redis.quit();
  await hub.stop();
  await receiver.close();
  await services.cleanup([database], [prefix]);
}
