/**
 * Hub vs floor: the real hub's end-to-end throughput and latency against the
 * least pipeline that could do the same job on the same MongoDB and Redis.
 *
 *   npx tsx bench/pipeline.ts [--messages N] [--concurrency C] [--users U] [--warmup W] [--idle-timeout S] [--shards K]
 *
 * --idle-timeout: fail when no reply arrives for S seconds (default 60); a slow run may take as long as it needs.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Hub } from '../core/hub.js';
import { startFloor } from './floor.js';
import { startBenchHub } from './hub.js';
import { runLoad, type LoadOptions } from './load.js';
import { startReceiver, type Receiver } from './receiver.js';
import { describeHistogram, printTable, summarize, summarizeHistogram, writeResults, type Summary } from './report.js';
import { redactUrl, startServices } from './services.js';

const { values: flags } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    users: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '100' },
    'idle-timeout': { type: 'string', default: '60' },
    shards: { type: 'string', default: '16' },
  },
  strict: true,
});
const positive = (name: keyof typeof flags, min = 1): number => {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return n;
};
const opts = {
  messages: positive('messages'),
  concurrency: positive('concurrency'),
  users: positive('users'),
  warmup: positive('warmup', 0),
  idleTimeoutMs: positive('idle-timeout') * 1000,
  shards: positive('shards'),
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
async function measure(scenario: 'floor' | 'hub', baseUrl: string, receiver: Receiver, afterWarmup?: () => void): Promise<Summary> {
  const load: Omit<LoadOptions, 'messages' | 'idPrefix'> = {
    url: `${baseUrl}/channels/api/${account}/messages`,
    secret,
    concurrency: opts.concurrency,
    users: opts.users,
    idleTimeoutMs: opts.idleTimeoutMs,
    progressMs: 30_000,
  };
  if (opts.warmup) await runLoad({ ...load, messages: opts.warmup, idPrefix: `${runId}-${scenario}-warmup` }, receiver);
  afterWarmup?.();
  const summary = summarize(scenario, await runLoad({ ...load, messages: opts.messages, idPrefix: `${runId}-${scenario}` }, receiver));
  console.log(`${scenario}: ${summary.throughput.toFixed(1)} msg/s, p50 ${summary.latencyMs.p50.toFixed(1)} ms, p99 ${summary.latencyMs.p99.toFixed(1)} ms`);
  return summary;
}

async function main(): Promise<void> {
  console.log(`pipeline bench ${runId}: ${opts.messages} messages, ${opts.concurrency} in flight, ${opts.users} users, ${opts.warmup} warm-up`);
  const services = await startServices();
  const receiver = await startReceiver(secret);
  let hub: Hub | undefined;
  let stopFloor: (() => Promise<void>) | undefined;
  try {
    const floor = await startFloor({
      mongoUri: services.mongoUri(names.floor.db),
      redisUrl: services.redisUrl,
      prefix: names.floor.prefix,
      account,
      secret,
      webhookUrl: receiver.url,
    });
    stopFloor = floor.stop;
    const floorSummary = await measure('floor', floor.url, receiver);
    stopFloor = undefined;
    await floor.stop();

    hub = await startBenchHub({
      mongoUri: services.mongoUri(names.hub.db),
      redisUrl: services.redisUrl,
      prefix: names.hub.prefix,
      workspace,
      account,
      secret,
      webhookUrl: receiver.url,
      shards: opts.shards,
    });
    const started = hub;
    // Only the measured messages in the hub's histograms: reset them after the warm-up.
    const hubSummary = await measure('hub', started.url!, receiver, () => {
      started.metrics.routing.reset();
      started.metrics.processing.reset();
    });
    const routing = await summarizeHistogram(started.metrics.routing);
    const processing = await summarizeHistogram(started.metrics.processing);
    hub = undefined;
    await started.stop();

    console.log();
    printTable(floorSummary, hubSummary);
    console.log(describeHistogram('hub routing (router.handle per message)', routing));
    console.log(describeHistogram('hub processing (inbound received -> reply accepted by webhook)', processing));
    if (receiver.stats.badSignatures || receiver.stats.duplicates) console.log(`receiver: ${receiver.stats.badSignatures} bad signatures, ${receiver.stats.duplicates} duplicate replies`);

    const file = writeResults({
      runId,
      at: new Date().toISOString(),
      options: { ...opts },
      environment: { node: process.version, platform: `${process.platform}-${process.arch}`, mongodb: services.mongoSource, redis: redactUrl(services.redisUrl) },
      results: [floorSummary, hubSummary],
      ratio: { throughput: hubSummary.throughput / floorSummary.throughput, p50: hubSummary.latencyMs.p50 / floorSummary.latencyMs.p50, p99: hubSummary.latencyMs.p99 / floorSummary.latencyMs.p99 },
      hubHistograms: { routing, processing },
      receiver: receiver.stats,
    });
    console.log(`results: ${file}`);
  } finally {
    await Promise.allSettled([stopFloor?.(), hub?.stop()]);
    await receiver.close();
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
