/**
 * What every reliability scenario shares: the suite's own Redis and MongoDB-wire servers, hub
 * processes with their logs in files, a sender that plays a platform (it redelivers what the hub
 * refused, with backoff), and the tally of a run (lost, duplicated, 5xx, acknowledgement times).
 * The hub's config, its processes, the api channel's signing and the business's webhook come from
 * test/helpers (testEnv, spawnHub, Receiver) and core/, not copies of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { sign, signatureHeader } from '../adapters/api/signature.js';
import { freePort, startEmbeddedMongo, type EmbeddedMongo } from '../core/embedded/ferretdb.js';
import type { Role } from '../core/hub.js';
import { cleanup, eventually, exited, spawnHub, testEnv, type TestEnv } from '../test/helpers/hub.js';
import { Receiver } from '../test/helpers/receiver.js';

export interface RunOptions {
  /** The CI sizes (the whole suite in about 2–3 minutes) instead of the full ones. */
  short: boolean;
}

/** One row of the suite's table. */
export interface Row {
  scenario: string;
  /** Messages the sender delivered (each counted once, however often it was sent). */
  messages: number;
  /** Accepted (2xx at least once) but never answered. */
  lost: number;
  /** Messages answered by more than one distinct reply (or with more sends than replies, on a platform without reply ids), plus inbound messages stored more than once. */
  duplicated: number;
  /** The same reply (same id) delivered again: at-least-once delivery after a crash; receivers drop them by id. */
  resent: number;
  /** Webhook answers with a 5xx status. */
  http5xx: number;
  /** The slowest webhook answer (ms), refusals and timeouts included. */
  maxAckMs: number;
  /** From the end of the fault until every message accepted by then was answered (ms); null without a fault. */
  recoveryMs: number | null;
  /** Nothing lost, duplicated or refused that should not be: what the scenario is about. */
  pass: boolean;
  /**
   * A speed target (an acknowledgement p99, a latency ratio) held, where the scenario has one.
   * On CI's shared machine speed is reported, not judged (`--short` fails only on `pass`), as the
   * benchmarks do; the full run fails on it too.
   */
  fast?: boolean;
  /** What the scenario holds itself to, and anything else it saw (one line each). */
  criteria: string;
  notes: string[];
}

export interface Scenario {
  name: string;
  run(options: RunOptions): Promise<Row>;
}

/** Where this run's logs go (hub processes, servers). */
export const logDir = mkdtempSync(join(tmpdir(), 'switchboard-reliability-'));

// ---- child processes: every one we start is killed when this process ends, however it ends ----

const children = new Set<ChildProcess>();

/** Registers a child process to be SIGKILLed when the suite exits or fails. */
export function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
}

process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---- the suite's own servers ----

export interface RedisServer {
  port: number;
  url: string;
  readonly pid: number;
  /** SIGKILL: a crash. What was acknowledged survives only with `appendonly`. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (after `kill`). */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: a hung server (connections stay open, nothing answers). */
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
}

/**
 * A redis-server of the suite's own, on a free port from `preferredPort` up, its files in a temp
 * directory: nothing the machine's own Redis holds is touched, and killing it hurts nobody else.
 */
export async function startRedisServer(options: { preferredPort?: number; appendonly?: boolean; name: string }): Promise<RedisServer> {
  const port = await portFrom(options.preferredPort ?? 6390);
  const dir = join(logDir, `redis-${options.name}`);
  mkdirSync(dir, { recursive: true });
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--maxmemory-policy', 'noeviction'];
  // appendfsync everysec: Redis write()s the AOF before it answers, so a crash of the process (not of the machine) loses nothing acknowledged.
  args.push(...(options.appendonly ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no']));
  let child: ChildProcess;
  const launch = async () => {
    const log = openSync(join(dir, 'redis.log'), 'a');
    child = track(spawn('redis-server', args, { stdio: ['ignore', log, log] }));
    closeSync(log);
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined); // refused until it listens
    try {
      await eventually(
        async () => {
          try {
            if (probe.status !== 'ready') await probe.connect().catch(() => undefined);
            return (await probe.ping()) === 'PONG';
          } catch {
            return false;
          }
        },
        10_000,
        `redis-server on ${port}`,
        50,
      );
    } finally {
      probe.disconnect();
    }
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child.pid!;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited(child);
    },
    restart: launch,
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
    async stop() {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function portFrom(preferred: number): Promise<number> {
  for (let port = preferred; port < preferred + 50; port++) {
    const free = await new Promise<boolean>((ok) => {
      const socket = new Socket();
      socket.once('connect', () => (socket.destroy(), ok(false)));
      socket.once('error', () => ok(true));
      socket.connect(port, '127.0.0.1');
    });
    if (free) return port;
  }
  return freePort();
}

/** The embedded FerretDB on a port and data directory of its own (a scenario may kill it and start it again there). */
export async function startMongo(name: string, port?: number): Promise<EmbeddedMongo & { dataDir: string; port: number }> {
  const dataDir = join(logDir, `ferretdb-${name}`);
  const mongo = await startEmbeddedMongo({ dataDir, ...(port ? { port } : {}) });
  return Object.assign(mongo, { dataDir, port: Number(/:(\d+)\//.exec(mongo.uri)![1]) });
}

/** The servers most scenarios share (each with its own database and Redis prefix); started on first use. */
let shared: Promise<{ redis: RedisServer; mongo: EmbeddedMongo & { dataDir: string } }> | undefined;
export function sharedServices() {
  shared ??= (async () => {
    const [redis, mongo] = await Promise.all([startRedisServer({ name: 'shared' }), startMongo('shared')]);
    return { redis, mongo };
  })();
  return shared;
}

export async function stopSharedServices(): Promise<void> {
  if (!shared) return;
  const { redis, mongo } = await shared;
  await Promise.all([redis.stop(), mongo.stop()]);
  shared = undefined;
}

/** The base of a mongodb:// URI without its database (what testEnv appends one to). */
export const mongoBase = (uri: string) => uri.replace(/\/[^/]*$/, '/');

// ---- the hub ----

export interface HubUnderTest {
  env: TestEnv;
  /** The web (or `all`) process's base URL. */
  url: string;
  /** Starts a process in `role` (its output in the run's log directory); a web/all process is awaited until /healthz answers. */
  spawn(role: Role): Promise<ChildProcess>;
  /** The processes started, in order. */
  processes: ChildProcess[];
  /** Stops the processes (SIGTERM, then SIGKILL after 10 s), drops the database and the Redis keys. */
  stop(): Promise<void>;
}

export type EnvOptions = Omit<Parameters<typeof testEnv>[0], 'services'>;

/** A fresh database and Redis prefix on the given servers, with a fixed web port so a spawned web process can be found. */
export async function hubUnderTest(name: string, services: { mongoUri: string; redisUrl: string }, options: EnvOptions): Promise<HubUnderTest> {
  const port = await freePort();
  const env = testEnv({
    ...options,
    services: { mongoBase: mongoBase(services.mongoUri), redisUrl: services.redisUrl },
    extra: { ...options.extra, server: { host: '127.0.0.1', port } },
  });
  const url = `http://127.0.0.1:${port}`;
  const processes: ChildProcess[] = [];
  let n = 0;
  return {
    env,
    url,
    processes,
    async spawn(role) {
      const log = openSync(join(logDir, `${name}-${role}-${++n}.log`), 'a');
      const child = track(spawnHub(env, role, { output: log, logLevel: 'warn' }));
      closeSync(log);
      processes.push(child);
      if (role !== 'worker') {
        await eventually(
          async () => {
            if (child.exitCode !== null) throw new Error(`${name}: the ${role} process exited with ${child.exitCode} (log in ${logDir})`);
            return fetch(`${url}/healthz`).then(
              (r) => r.ok,
              () => false,
            );
          },
          60_000,
          `${name}: ${role} process listening`,
          100,
        );
      }
      return child;
    },
    async stop() {
      await Promise.all(
        processes.map(async (child) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited(child);
          clearTimeout(timer);
        }),
      );
      await cleanup(env).catch((err: unknown) => console.error(`${name}: cleanup failed: ${(err as Error).message}`));
    },
  };
}

/** The hub most scenarios break: workspace `shop` with one api account, whose replies reach a receiver of the suite's. */
export interface ApiHubUnderTest extends HubUnderTest {
  receiver: Awaited<ReturnType<typeof startReceiver>>;
  /** A signed message from `user` to the account, as the business's app sends it. */
  message(message: { id: string; user: string; text: string }): Delivery;
}

/** {@link hubUnderTest} with the api account and its receiver; `stop` stops both. */
export async function apiHubUnderTest(name: string, services: { mongoUri: string; redisUrl: string }, options: { secret: string }): Promise<ApiHubUnderTest> {
  const receiver = await startReceiver(options.secret);
  const hub = await hubUnderTest(name, services, { accounts: [{ workspace: 'shop', account: 'shop-app', secret: options.secret, webhookUrl: receiver.url }] });
  return {
    ...hub,
    receiver,
    message: (message) => apiDelivery(hub.url, 'shop-app', options.secret, message),
    async stop() {
      await hub.stop();
      await receiver.stop();
    },
  };
}

// ---- the business's webhook (api channel replies) ----

/** test/helpers' Receiver, plus when each message's first reply arrived (for recovery times). */
export async function startReceiver(secret: string): Promise<Receiver & { firstReplyAt: Map<string, number> }> {
  const receiver = await new Receiver(secret).start();
  const firstReplyAt = new Map<string, number>();
  receiver.respond = (reply) => {
    if (reply.inReplyTo && !firstReplyAt.has(reply.inReplyTo)) firstReplyAt.set(reply.inReplyTo, performance.now());
    return 200;
  };
  return Object.assign(receiver, { firstReplyAt });
}

// ---- the sender: a platform delivering webhooks ----

export interface Delivery {
  /** The message's id (the api channel's `id`, or what the scenario keys replies by). */
  id: string;
  /** One attempt; resolves to the HTTP status. */
  send(signal: AbortSignal): Promise<number>;
}

export interface Attempt {
  id: string;
  /** performance.now() when it was sent. */
  startedAt: number;
  ms: number;
  /** The HTTP status, or 0 for a network error or a timeout. */
  status: number;
  error?: string;
}

/**
 * Plays the platform: delivers each message, and redelivers one the hub refused (any non-2xx,
 * a network error, no answer within `timeoutMs`) with doubling backoff, as platforms do, until it
 * is accepted or `giveUpAfterMs` passed since its first attempt.
 */
export class Sender {
  readonly attempts: Attempt[] = [];
  /** Messages accepted (2xx) at least once, and when first. */
  readonly accepted = new Map<string, number>();
  readonly gaveUp = new Set<string>();

  constructor(private readonly options: { timeoutMs?: number; firstBackoffMs?: number; maxBackoffMs?: number; giveUpAfterMs?: number } = {}) {}

  /** Delivers every message, `concurrency` at a time (each until accepted or given up). */
  async deliverAll(deliveries: Delivery[], concurrency: number): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < deliveries.length) await this.deliver(deliveries[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, deliveries.length) }, lane));
  }

  /** One message until it is accepted or given up. */
  async deliver(delivery: Delivery): Promise<void> {
    const first = performance.now();
    let backoff = this.options.firstBackoffMs ?? 250;
    for (;;) {
      const startedAt = performance.now();
      let status = 0;
      let error: string | undefined;
      try {
        status = await delivery.send(AbortSignal.timeout(this.options.timeoutMs ?? 15_000));
      } catch (err) {
        error = (err as Error).name === 'TimeoutError' ? 'timeout' : (err as Error).message;
      }
      const ms = performance.now() - startedAt;
      this.attempts.push({ id: delivery.id, startedAt, ms, status, ...(error ? { error } : {}) });
      if (status >= 200 && status < 300) {
        if (!this.accepted.has(delivery.id)) this.accepted.set(delivery.id, performance.now());
        return;
      }
      if (performance.now() - first > (this.options.giveUpAfterMs ?? 300_000)) {
        this.gaveUp.add(delivery.id);
        return;
      }
      await sleep(backoff * (0.5 + Math.random()));
      backoff = Math.min(backoff * 2, this.options.maxBackoffMs ?? 4000);
    }
  }

  get http5xx(): number {
    return this.attempts.filter((a) => a.status >= 500).length;
  }

  get maxAckMs(): number {
    return this.attempts.reduce((m, a) => Math.max(m, a.ms), 0);
  }

  /** Attempts by outcome, e.g. `202×1500 503×37 timeout×2`. */
  outcomes(): string {
    const counts = new Map<string, number>();
    for (const a of this.attempts) {
      const key = a.status ? String(a.status) : (a.error ?? 'error');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts].map(([k, v]) => `${k}×${v}`).join(' ');
  }
}

/** A signed api-channel message, as a business's app POSTs it. */
export function apiDelivery(hubUrl: string, account: string, secret: string, message: { id: string; user: string; text: string }): Delivery {
  const body = JSON.stringify(message);
  const signature = sign(body, secret);
  return {
    id: message.id,
    async send(signal) {
      const res = await fetch(`${hubUrl}/channels/api/${account}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [signatureHeader]: signature },
        body,
        signal,
      });
      await res.arrayBuffer();
      return res.status;
    },
  };
}

// ---- the tally ----

/**
 * Lost and duplicated, from what the business's webhook received and what MongoDB holds:
 * lost = accepted without a reply; duplicated = messages answered by more than one reply id,
 * plus inbound messages stored more than once; resent = the same reply id received again.
 */
export async function tallyApi(
  mongoUri: string,
  workspace: string,
  accepted: Iterable<string>,
  receiver: Receiver,
): Promise<{ lost: number; duplicated: number; resent: number; storedIn: number; storedOut: number; notes: string[] }> {
  const replyIds = new Map<string, Set<string>>();
  for (const r of receiver.replies) {
    if (!r.inReplyTo) continue;
    replyIds.set(r.inReplyTo, (replyIds.get(r.inReplyTo) ?? new Set()).add(r.id));
  }
  const ids = [...accepted];
  const lost = ids.filter((id) => !replyIds.has(id)).length;
  const answeredTwice = [...replyIds.values()].filter((s) => s.size > 1).length;
  const distinctReplies = [...replyIds.values()].reduce((n, s) => n + s.size, 0);
  const resent = receiver.replies.filter((r) => r.inReplyTo).length - distinctReplies;
  const stored = await storedMessages(mongoUri, workspace);
  const notes: string[] = [];
  if (stored.inTwice) notes.push(`${stored.inTwice} inbound messages stored more than once`);
  if (stored.in !== ids.length) notes.push(`${stored.in} inbound messages stored for ${ids.length} accepted`);
  if (stored.notSent) notes.push(`${stored.notSent} replies stored but not 'sent'`);
  return { lost, duplicated: answeredTwice + stored.inTwice, resent, storedIn: stored.in, storedOut: stored.out, notes };
}

/** Counts of stored messages: inbound, outbound, inbound platform ids stored more than once, replies not `sent`. */
export async function storedMessages(mongoUri: string, workspace: string): Promise<{ in: number; out: number; inTwice: number; notSent: number }> {
  const conn = await mongoose.createConnection(mongoUri, { serverSelectionTimeoutMS: 30_000 }).asPromise();
  try {
    const messages = conn.db!.collection('messages');
    const inbound = await messages.find({ workspace, direction: 'in' }, { projection: { platformId: 1, account: 1, channel: 1 } }).toArray();
    const seen = new Map<string, number>();
    for (const m of inbound) {
      const key = `${String(m.channel)}\u0000${String(m.account)}\u0000${String(m.platformId)}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    const out = await messages.countDocuments({ workspace, direction: 'out' });
    const notSent = await messages.countDocuments({ workspace, direction: 'out', status: { $ne: 'sent' } });
    return { in: inbound.length, out, inTwice: [...seen.values()].filter((n) => n > 1).length, notSent };
  } finally {
    await conn.close();
  }
}

/** Waits until every accepted message has a reply; rejects when none arrives for `idleMs`. */
export async function untilAnswered(receiver: { firstReplyAt: Map<string, number> }, accepted: Iterable<string>, idleMs: number): Promise<void> {
  const ids = [...accepted];
  let answered = 0;
  let lastProgress = performance.now();
  for (;;) {
    const now = ids.filter((id) => receiver.firstReplyAt.has(id)).length;
    if (now === ids.length) return;
    if (now > answered) [answered, lastProgress] = [now, performance.now()];
    if (performance.now() - lastProgress > idleMs)
      throw new Error(`no new reply for ${idleMs} ms: ${ids.length - now} of ${ids.length} accepted messages unanswered`);
    await sleep(100);
  }
}

/** From `faultEnd` until the last of `ids` had its first reply (0 when all were answered before). */
export function recoveryFrom(faultEnd: number, ids: Iterable<string>, firstReplyAt: Map<string, number>): number {
  let last = faultEnd;
  for (const id of ids) last = Math.max(last, firstReplyAt.get(id) ?? Infinity);
  return last - faultEnd;
}

export const now = () => performance.now();

/** Delivers messages evenly spread over `spanMs` (each redelivered until accepted), as traffic keeps arriving through a fault. */
export async function sendSpread(sender: Sender, deliveries: Delivery[], spanMs: number): Promise<void> {
  const spacing = spanMs / deliveries.length;
  await Promise.all(
    deliveries.map(async (d, i) => {
      await sleep(i * spacing);
      await sender.deliver(d);
    }),
  );
}

/**
 * Delivers one message and waits for its reply: the hub's processes are up and working (a worker
 * connects to MongoDB and Redis as it starts, and exits when it cannot) before a fault is injected.
 */
export async function firstAnswered(sender: Sender, receiver: { firstReplyAt: Map<string, number> }, delivery: Delivery): Promise<void> {
  await sender.deliver(delivery);
  await eventually(async () => receiver.firstReplyAt.has(delivery.id), 60_000, `a reply to ${delivery.id}`, 50);
}
