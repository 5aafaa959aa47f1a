/**
 * Hub vs floor: the real hub's end-to-end throughput and latency against the
 * least pipeline that could do the same job on the same MongoDB and Redis.
 *
 *   npx tsx bench/pipeline.ts [--messages N] [--concurrency C] [--users U] [--warmup W] [--idle-timeout S] [--workers K] [--flow | --no-flow | --flow=false]
 *                             [--platform-latency-ms L]
 *
 * --platform-latency-ms: the business's webhook (bench/receiver.ts) answers every reply POST, the
 *   hub's and the floor's alike, L ms after it came in (default 0); a reply counts as arrived then.
 *   The api channel has no outbound rate limit of its own, so nothing needs raising.
 * Per-message counters (bench/counters.ts) beside each throughput: MongoDB commands of the
 * scenario's own client(s), Redis commands (server-wide), CPU ms of this process (which also runs
 * the load generator and the receiver, for the floor and the hub alike) and of the embedded FerretDB.
 * --idle-timeout: fail when no reply arrives for S seconds (default 60); a slow run may take as long as it needs.
 * --flow (the default): the hub runs the example shop flow (config/flows) and every message is its
 *   user's next line of a scripted conversation (bench/flow-script.ts), which may get several
 *   replies; a message counts as answered at its first. The time the hub spends in its responder
 *   (the flow engine) is measured and set against the routing time. --no-flow: the plain auto-reply.
 *   The floor is the same either way.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Hub } from '../core/hub.js';
import { ConversationScript, shopFlowsDir, shopStart } from './flow-script.js';
import { startFloor } from './floor.js';
import { startBenchHub } from './hub.js';
import { runLoad, type LoadOptions, type Sample } from './load.js';
import { startReceiver, type Receiver } from './receiver.js';
import { describeHistogram, printTable, summarize, summarizeHistogram, writeResults, type HistogramSummary, type Summary } from './report.js';
import { redactUrl, startServices } from './services.js';
import { TimedResponder, type ResponderTimes } from './timing.js';
import { integerFlag } from './flags.js';
import mongoose from 'mongoose';
import { Counters, countersNote, monitoredUri, type PerMessage } from './counters.js';

/** `--flow`, `--no-flow`, `--flow=<bool>` and `--flow <bool>` all become `--flow=<bool>` for parseArgs. */
function normalizeFlowFlag(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--no-flow') out.push('--flow=false');
    else if (arg === '--flow' && /^(true|false|on|off|yes|no|1|0)$/i.test(args[i + 1] ?? '')) out.push(`--flow=${args[++i]}`);
    else if (arg === '--flow') out.push('--flow=true');
    else out.push(arg);
  }
  return out;
}

const { values: flags } = parseArgs({
  args: normalizeFlowFlag(process.argv.slice(2)),
  options: {
    flow: { type: 'string', default: 'true' },
    messages: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    users: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '100' },
    'idle-timeout': { type: 'string', default: '60' },
    workers: { type: 'string' },
    'platform-latency-ms': { type: 'string', default: '0' },
  },
  strict: true,
});
const positive = (name: keyof typeof flags, min = 1): number => integerFlag(flags, name, min);
const flowFlag = flags.flow.toLowerCase();
if (!/^(true|false|on|off|yes|no|1|0)$/.test(flowFlag)) throw new Error('--flow must be true or false (or use --no-flow)');
const opts = {
  flow: /^(true|on|yes|1)$/.test(flowFlag),
  messages: positive('messages'),
  concurrency: positive('concurrency'),
  users: positive('users'),
  warmup: positive('warmup', 0),
  idleTimeoutMs: positive('idle-timeout') * 1000,
  workers: flags.workers === undefined ? undefined : positive('workers'),
  platformLatencyMs: positive('platform-latency-ms', 0),
};

const runId = randomBytes(4).toString('hex');
const secret = randomBytes(24).toString('hex');
const workspace = 'bench';
const account = 'bench-app';
const names = {
  floor: { db: `bench_${runId}_floor`, prefix: `bench-${runId}-floor` },
  hub: { db: `bench_${runId}_hub`, prefix: `bench-${runId}-hub` },
};

/** Warm-up (not measured), then the measured run, against one base URL. */
async function measure(
  scenario: 'floor' | 'hub',
  baseUrl: string,
  receiver: Receiver,
  options: { afterWarmup?: () => void; script?: ConversationScript; counters?: Counters } = {},
): Promise<{ summary: Summary; sample: Sample; perMessage?: PerMessage }> {
  const load: Omit<LoadOptions, 'messages' | 'idPrefix'> = {
    url: `${baseUrl}/channels/api/${account}/messages`,
    secret,
    concurrency: opts.concurrency,
    users: opts.users,
    idleTimeoutMs: opts.idleTimeoutMs,
    progressMs: 30_000,
    ...(options.script ? { script: options.script } : {}),
  };
  if (opts.warmup) await runLoad({ ...load, messages: opts.warmup, idPrefix: `${runId}-${scenario}-warmup` }, receiver);
  options.afterWarmup?.();
  await options.counters?.start();
  const sample = await runLoad({ ...load, messages: opts.messages, idPrefix: `${runId}-${scenario}` }, receiver);
  const perMessage = await options.counters?.stop(opts.messages, 250);
  const summary = summarize(scenario, sample);
  console.log(`${scenario}: ${summary.throughput.toFixed(1)} msg/s, p50 ${summary.latencyMs.p50.toFixed(1)} ms, p99 ${summary.latencyMs.p99.toFixed(1)} ms`);
  return { summary, sample, ...(perMessage ? { perMessage } : {}) };
}

/** Replies per message, received and (with a script) expected. */
function replyCounts(sample: Sample): { total: number; perMessage: number; expected?: number; mismatched: number } {
  const total = sample.replies.reduce((a, b) => a + b, 0);
  const expected = sample.expectedReplies?.reduce((a, b) => a + b, 0);
  const mismatched = sample.expectedReplies
    ? sample.replies.filter((n, i) => n !== sample.expectedReplies![i]).length
    : sample.replies.filter((n) => n !== 1).length;
  return { total, perMessage: total / sample.replies.length, ...(expected !== undefined ? { expected } : {}), mismatched };
}

/** The responder's (flow engine's) time against the hub's routing and processing time and the run's wall time. */
function engineShare(times: ResponderTimes, routing: HistogramSummary, processing: HistogramSummary, hub: Summary) {
  const routingMs = routing.meanMs * routing.count;
  const processingMs = processing.meanMs * processing.count;
  return {
    ...times,
    routingMs,
    processingMs,
    wallMs: hub.wallMs,
    shareOfRouting: times.syncMs.sum / routingMs,
    settledShareOfRouting: times.settledMs.sum / routingMs,
    shareOfProcessing: times.syncMs.sum / processingMs,
    shareOfWall: times.syncMs.sum / hub.wallMs,
  };
}

async function main(): Promise<void> {
  console.log(
    `pipeline bench ${runId}: ${opts.messages} messages, ${opts.concurrency} in flight, ${opts.users} users, ${opts.warmup} warm-up, platform latency ${opts.platformLatencyMs} ms`,
  );
  // Before any service starts: a script that no longer fits the flow fails here.
  const script = opts.flow ? new ConversationScript() : undefined;
  console.log(
    script
      ? `hub runs flow "${shopStart}" from ${shopFlowsDir}: each user loops through ${script.lines.length} scripted lines, ${script.repliesPerMessage.toFixed(2)} replies per message`
      : 'hub answers the auto-reply (--no-flow)',
  );
  const services = await startServices();
  const receiver = await startReceiver(secret, { latencyMs: opts.platformLatencyMs });
  const floorCounters = new Counters({ redisUrl: services.redisUrl, ...(services.dbPid ? { dbPid: services.dbPid } : {}) });
  const hubCounters = new Counters({ redisUrl: services.redisUrl, ...(services.dbPid ? { dbPid: services.dbPid } : {}) });
  let hub: Hub | undefined;
  let timed: TimedResponder | undefined;
  let stopFloor: (() => Promise<void>) | undefined;
  try {
    const floor = await startFloor({
      mongoUri: monitoredUri(services.mongoUri(names.floor.db)),
      redisUrl: services.redisUrl,
      prefix: names.floor.prefix,
      account,
      secret,
      webhookUrl: receiver.url,
    });
    stopFloor = floor.stop;
    floorCounters.watchMongo(floor.mongo);
    const { summary: floorSummary, sample: floorSample, perMessage: floorCounts } = await measure('floor', floor.url, receiver, { counters: floorCounters });
    stopFloor = undefined;
    await floor.stop();

    hub = await startBenchHub({
      mongoUri: monitoredUri(services.mongoUri(names.hub.db)),
      redisUrl: services.redisUrl,
      prefix: names.hub.prefix,
      workspace,
      account,
      secret,
      webhookUrl: receiver.url,
      ...(opts.workers ? { workers: opts.workers } : {}),
      ...(opts.flow ? { flows: { path: shopFlowsDir, start: shopStart } } : {}),
      wrapResponder: (inner) => (timed = new TimedResponder(inner)),
    });
    const started = hub;
    // The hub's store is mongoose's default connection (core/store/connect.ts).
    hubCounters.watchMongo(mongoose.connection.getClient());
    // Only the measured messages in the hub's histograms and the responder times: reset them after the warm-up.
    const {
      summary: hubSummary,
      sample: hubSample,
      perMessage: hubCounts,
    } = await measure('hub', started.url!, receiver, {
      ...(script ? { script } : {}),
      counters: hubCounters,
      afterWarmup: () => {
        started.metrics.routing.reset();
        started.metrics.processing.reset();
        timed?.reset();
      },
    });
    const times = timed!.times();
    // The same turns again, back to back in the now idle hub: the engine's cost without the rest of the hub around it.
    const replayed = await timed!.replay();
    const routing = await summarizeHistogram(started.metrics.routing);
    const processing = await summarizeHistogram(started.metrics.processing);
    hub = undefined;
    await started.stop();

    console.log();
    printTable(floorSummary, hubSummary, { floor: floorCounts!, hub: hubCounts! });
    console.log(countersNote('this process (hub or floor, plus the load generator and the receiver)'));
    console.log(describeHistogram('hub routing (router.handle per message)', routing));
    console.log(describeHistogram('hub processing (inbound received -> reply accepted by webhook, per reply)', processing));
    const replies = { floor: replyCounts(floorSample), hub: replyCounts(hubSample) };
    console.log(
      `hub replies: ${replies.hub.total} to ${hubSummary.messages} messages (${replies.hub.perMessage.toFixed(2)} per message${replies.hub.expected !== undefined ? `, ${replies.hub.expected} expected` : ''}); ` +
        `${replies.hub.mismatched} messages with ${script ? 'other than the expected number of replies' : 'other than one reply'}`,
    );
    const engine = engineShare(times, routing, processing, hubSummary);
    const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
    const pct = (x: number) => `${(x * 100).toFixed(3)}%`;
    const what = opts.flow ? 'engine' : 'responder (auto-reply)';
    console.log(
      `${what} time per message: mean ${us(engine.syncMs.mean)}, p50 ${us(engine.syncMs.p50)}, p99 ${us(engine.syncMs.p99)} in respond() ` +
        `(${us(engine.settledMs.mean)} mean until its promise settled); ${engine.turns} turns${engine.idleTurns ? `, ${engine.idleTurns} idle` : ''}`,
    );
    console.log(
      `${what} time per message, same turns replayed back to back after the run: mean ${us(replayed.syncMs.mean)}, p50 ${us(replayed.syncMs.p50)}, p99 ${us(replayed.syncMs.p99)} (${replayed.turns} turns)`,
    );
    console.log(`${what} µs per message by tenth of the run: ${engine.syncMeanByTenthMs.map((ms) => (ms * 1000).toFixed(0)).join(' ')}`);
    console.log(
      `${what} share of routing time: ${pct(engine.shareOfRouting)} (${engine.syncMs.sum.toFixed(1)} ms of ${(engine.routingMs / 1000).toFixed(1)} s summed over router.handle; ${pct(engine.settledShareOfRouting)} counting until settled)`,
    );
    console.log(
      `${what} share of processing time: ${pct(engine.shareOfProcessing)} (summed per reply); of wall time: ${pct(engine.shareOfWall)} of the ${(engine.wallMs / 1000).toFixed(1)} s run`,
    );
    if (receiver.stats.badSignatures || receiver.stats.duplicates)
      console.log(`receiver: ${receiver.stats.badSignatures} bad signatures, ${receiver.stats.duplicates} duplicate replies`);

    const file = writeResults({
      runId,
      at: new Date().toISOString(),
      options: { ...opts },
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
      hubHistograms: { routing, processing },
      ...(script ? { script: { flow: shopStart, path: shopFlowsDir, lines: script.lines, repliesPerLine: script.replyCounts } } : {}),
      replies,
      engine: { ...engine, replayedAfterRun: replayed },
      receiver: receiver.stats,
    });
    console.log(`results: ${file}`);
  } finally {
    await Promise.allSettled([stopFloor?.(), hub?.stop()]);
    await receiver.close();
    await Promise.allSettled([floorCounters.close(), hubCounters.close()]);
    await services.cleanup([names.floor.db, names.hub.db], [names.floor.prefix, names.hub.prefix]);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('pipeline bench failed:', err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
