/**
 * Scale-out: web + 1 worker process against web + 2 worker processes, on the same MongoDB and
 * Redis, with the same messages, against a webhook that answers every reply after 150 ms.
 *
 *   npx tsx bench/scale-out.ts [--messages N] [--concurrency C] [--users U] [--warmup W] [--platform-latency-ms L] [--idle-timeout S]
 *
 * Each setup gets its own database and Redis prefix and a config file written as an operator
 * would (api channel, no pipeline options: the hub's defaults); the processes are
 * `node bin/switchboard.js start --role web|worker --config <file>`. The bench POSTs signed
 * messages to the web process (C in flight, U users) and times each reply at bench/receiver.ts,
 * which answers L ms (default 150) after a reply came in. A warm-up runs first in each setup.
 * Reported: msg/s of each and the ratio 2 workers / 1 worker, with per-message counters: Redis
 * commands (server-wide), CPU ms of the hub's processes (web + workers, /proc/<pid>/stat; the
 * load generator runs in this process and is not counted) and of the embedded FerretDB. MongoDB
 * commands are not counted here: they happen in the spawned processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, repoRoot } from '../core/embedded/ferretdb.js';
import { counterCells, counterHeaders, Counters, countersNote, type PerMessage } from './counters.js';
import { integerFlag } from './flags.js';
import { runLoad } from './load.js';
import { startReceiver, type Receiver } from './receiver.js';
import { printRows, summarize, writeResults, type Summary } from './report.js';
import { redactUrl, startServices, type Services } from './services.js';

const { values: flags } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '32' },
    users: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '100' },
    'platform-latency-ms': { type: 'string', default: '150' },
    'idle-timeout': { type: 'string', default: '30' },
  },
  strict: true,
});
const opts = {
  messages: integerFlag(flags, 'messages'),
  concurrency: integerFlag(flags, 'concurrency'),
  users: integerFlag(flags, 'users'),
  warmup: integerFlag(flags, 'warmup', 0),
  platformLatencyMs: integerFlag(flags, 'platform-latency-ms', 0),
  idleTimeoutMs: integerFlag(flags, 'idle-timeout') * 1000,
};

const runId = randomBytes(4).toString('hex');
const secret = randomBytes(24).toString('hex');
const account = 'bench-app';
const names = (workers: number) => ({ db: `bench_${runId}_scale${workers}`, prefix: `bench-${runId}-scale${workers}` });

function spawnRole(configFile: string, role: 'web' | 'worker'): ChildProcess {
  return spawn(process.execPath, [join(repoRoot, 'bin/switchboard.js'), 'start', '--config', configFile, '--role', role], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, children: ChildProcess[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = children.find((c) => c.exitCode !== null || c.signalCode !== null);
    if (dead) throw new Error(`a hub process exited (${dead.exitCode ?? dead.signalCode}) while waiting for ${what}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Redis connections BullMQ named after this prefix's queues (its workers name theirs): a worker process is up when their number grows and settles. */
async function namedClients(redis: Redis, prefix: string): Promise<number> {
  const list = (await redis.client('LIST')) as string;
  return list.split('\n').filter((line) => line.includes(` name=${prefix}:`)).length;
}

async function workerStarted(redis: Redis, prefix: string, before: number, children: ChildProcess[]): Promise<number> {
  let last = -1;
  let stableSince = Date.now();
  await waitFor(
    'a worker process to connect its queues',
    async () => {
      const n = await namedClients(redis, prefix);
      if (n !== last) [last, stableSince] = [n, Date.now()];
      return n > before && Date.now() - stableSince > 1500;
    },
    children,
  );
  return last;
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((ok) => {
          if (c.exitCode !== null || c.signalCode !== null) return ok();
          const kill = setTimeout(() => c.kill('SIGKILL'), 15_000);
          c.once('exit', () => (clearTimeout(kill), ok()));
          c.kill('SIGTERM');
        }),
    ),
  );
}

interface SetupResult {
  workers: number;
  summary: Summary;
  counters: PerMessage;
}

async function runSetup(services: Services, receiver: Receiver, workers: number, dir: string): Promise<SetupResult> {
  const { db, prefix } = names(workers);
  const port = await freePort();
  const config = {
    server: { host: '127.0.0.1', port },
    mongodb: { uri: services.mongoUri(db) },
    redis: { url: services.redisUrl, prefix },
    workspaces: [{ id: 'bench', name: 'Bench', outbound: { allow: ['127.0.0.1'] }, channels: { api: [{ account, secret, webhookUrl: receiver.url }] } }],
  };
  const configFile = join(dir, `switchboard-${workers}.yaml`);
  // JSON is valid YAML; the hub reads it as YAML.
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const base = `http://127.0.0.1:${port}`;
  const redis = new Redis(services.redisUrl, { maxRetriesPerRequest: 3 });
  const children: ChildProcess[] = [];
  try {
    children.push(spawnRole(configFile, 'web'));
    await waitFor('the web process', async () => (await fetch(`${base}/readyz`)).ok, children);
    let named = await namedClients(redis, prefix);
    for (let w = 0; w < workers; w++) {
      children.push(spawnRole(configFile, 'worker'));
      named = await workerStarted(redis, prefix, named, children);
    }
    const load = {
      url: `${base}/channels/api/${account}/messages`,
      secret,
      concurrency: opts.concurrency,
      users: opts.users,
      idleTimeoutMs: opts.idleTimeoutMs,
    };
    if (opts.warmup) await runLoad({ ...load, messages: opts.warmup, idPrefix: `${runId}-w${workers}-warmup` }, receiver);
    const counters = new Counters({
      redisUrl: services.redisUrl,
      pids: children.map((c) => c.pid!),
      ...(services.dbPid ? { dbPid: services.dbPid } : {}),
    });
    try {
      await counters.start();
      const sample = await runLoad({ ...load, messages: opts.messages, idPrefix: `${runId}-w${workers}` }, receiver);
      const perMessage = await counters.stop(opts.messages, 250);
      const summary = summarize(`web + ${workers} worker${workers > 1 ? 's' : ''}`, sample);
      console.log(
        `${summary.scenario}: ${summary.throughput.toFixed(1)} msg/s, p50 ${summary.latencyMs.p50.toFixed(1)} ms, p99 ${summary.latencyMs.p99.toFixed(1)} ms`,
      );
      return { workers, summary, counters: perMessage };
    } finally {
      await counters.close();
    }
  } finally {
    await stopAll(children);
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  console.log(
    `scale-out bench ${runId}: ${opts.messages} messages, ${opts.concurrency} in flight, ${opts.users} users, ${opts.warmup} warm-up, platform latency ${opts.platformLatencyMs} ms`,
  );
  const services = await startServices();
  const receiver = await startReceiver(secret, { latencyMs: opts.platformLatencyMs });
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-scale-'));
  const results: SetupResult[] = [];
  try {
    for (const workers of [1, 2]) results.push(await runSetup(services, receiver, workers, dir));
  } finally {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
    await services.cleanup([names(1).db, names(2).db], [names(1).prefix, names(2).prefix]);
  }
  const [one, two] = results as [SetupResult, SetupResult];
  const f = (n: number) => n.toFixed(1);
  console.log(`\nMongoDB: ${services.mongoSource}; Redis: ${redactUrl(services.redisUrl)}\n`);
  printRows([
    ['setup', 'messages', 'msg/s', 'p50 ms', 'p99 ms', 'vs 1 worker', ...counterHeaders],
    ...results.map((r) => [
      r.summary.scenario,
      String(r.summary.messages),
      f(r.summary.throughput),
      f(r.summary.latencyMs.p50),
      f(r.summary.latencyMs.p99),
      `${(r.summary.throughput / one.summary.throughput).toFixed(3)}x`,
      ...counterCells(r.counters),
    ]),
  ]);
  console.log(
    countersNote('the hub processes (web + workers; not the load generator), /proc/<pid>/stat') + '; mongo ops n/a: they run in the spawned processes',
  );
  console.log(`\n2 workers / 1 worker throughput: ${(two.summary.throughput / one.summary.throughput).toFixed(3)}`);
  const file = writeResults(
    { runId, at: new Date().toISOString(), options: opts, mongodb: services.mongoSource, results, ratio: two.summary.throughput / one.summary.throughput },
    'scale-out',
  );
  console.log(`results: ${file}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('scale-out bench failed:', err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
