/**
 * Per-message resource counters every throughput bench prints next to its msg/s:
 * MongoDB wire commands (driver command monitoring), Redis commands (`INFO commandstats`),
 * CPU of the measured process(es) and of the database server (`/proc/<pid>/stat`).
 *
 * Use: `const c = new Counters({ redisUrl, dbPid })`, `c.watchMongo(client)` for every
 * MongoClient of the scenario, `await c.start()` right before the measured phase,
 * `await c.stop(messages)` right after it.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { mongo } from 'mongoose';

/** Clock ticks per second of /proc/<pid>/stat (`getconf CLK_TCK`; 100 on Linux). */
const clockTicks = 100;

export interface PerMessage {
  messages: number;
  /** MongoDB commands (`commandStarted` events) per message; null when not measurable (another process). */
  mongoOps: number | null;
  /** Redis commands per message, server-wide (every client of that Redis; the INFO calls themselves excluded). */
  redisCmds: number;
  /** CPU ms per message of the measured process(es): this process (`process.cpuUsage`) or the spawned pids. */
  cpuMs: number;
  /** CPU ms per message of the database server (embedded FerretDB); null when its pid is unknown (MONGODB_URI). */
  dbCpuMs: number | null;
  /** Totals over the measured phase. */
  totals: { mongoOps: number | null; redisCmds: number; cpuMs: number; dbCpuMs: number | null };
}

export interface CountersOptions {
  redisUrl: string;
  /** The database server's pid (see Services.dbPid). */
  dbPid?: number;
  /** Measure these processes' CPU instead of this one's (spawned hubs). */
  pids?: number[];
  /** The scenario makes no MongoDB calls at all (a bare bot): count 0 instead of "not measured". */
  noMongo?: boolean;
}

/** `uri` with `monitorCommands=true`, so the driver emits `commandStarted` events (a client option, never sent to the server). */
export function monitoredUri(uri: string): string {
  if (/[?&]monitorCommands=/i.test(uri)) return uri;
  return `${uri}${uri.includes('?') ? '&' : '?'}monitorCommands=true`;
}

/** utime + stime of a process in ms, from /proc/<pid>/stat; null when it is gone. */
export function procCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at state (field 3); utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return null;
  }
}

function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Calls per command from `INFO commandstats` (commands run inside scripts count too). */
async function redisCallsByCommand(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1]!, Number(m[2]));
  return calls;
}

const total = (calls: Map<string, number>) => [...calls.values()].reduce((a, b) => a + b, 0);

/** With BENCH_REDIS_BREAKDOWN=1 set, each measured phase prints its Redis commands per message by command, to find what to cut. */
function printBreakdown(before: Map<string, number>, after: Map<string, number>, messages: number): void {
  const rows = [...after]
    .map(([name, calls]) => [name, (calls - (before.get(name) ?? 0)) / messages] as const)
    .filter(([, perMessage]) => perMessage >= 0.01)
    .sort((a, b) => b[1] - a[1]);
  console.log(`redis commands per message: ${rows.map(([name, n]) => `${name} ${n.toFixed(2)}`).join(', ')}`);
}

export class Counters {
  private mongoOps = 0;
  private active = false;
  private watched = 0;
  private readonly redis: Redis;
  private before?: { redis: Map<string, number>; cpu: number; db: number | null };

  constructor(private readonly options: CountersOptions) {
    this.redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 3, lazyConnect: false });
  }

  /** Counts this client's commands while measuring; the client must have been created with `monitorCommands` (see {@link monitoredUri}). */
  watchMongo(client: mongo.MongoClient): void {
    if (!client.options.monitorCommands) throw new Error('counters: this MongoClient was created without monitorCommands; pass the URI through monitoredUri()');
    this.watched++;
    client.on('commandStarted', () => {
      if (this.active) this.mongoOps++;
    });
  }

  private cpu(): number {
    if (!this.options.pids) return ownCpuMs();
    return this.options.pids.reduce((sum, pid) => sum + (procCpuMs(pid) ?? 0), 0);
  }

  async start(): Promise<void> {
    this.mongoOps = 0;
    const redis = await redisCallsByCommand(this.redis);
    this.before = { redis, cpu: this.cpu(), db: this.options.dbPid ? procCpuMs(this.options.dbPid) : null };
    this.active = true;
  }

  /** Ends the measured phase; `settleMs` first lets the last replies' bookkeeping (status writes) finish. */
  async stop(messages: number, settleMs = 0): Promise<PerMessage> {
    if (!this.before) throw new Error('counters: stop() before start()');
    if (settleMs) await new Promise((r) => setTimeout(r, settleMs));
    this.active = false;
    const cpu = this.cpu() - this.before.cpu;
    const dbNow = this.options.dbPid ? procCpuMs(this.options.dbPid) : null;
    const db = dbNow !== null && this.before.db !== null ? dbNow - this.before.db : null;
    // The first INFO is counted in the second snapshot; the second is not yet counted in itself.
    const after = await redisCallsByCommand(this.redis);
    const redis = total(after) - total(this.before.redis) - 1;
    if (process.env.BENCH_REDIS_BREAKDOWN === '1') printBreakdown(this.before.redis, after, messages);
    const mongoOps = this.watched ? this.mongoOps : this.options.noMongo ? 0 : null;
    this.before = undefined;
    return {
      messages,
      mongoOps: mongoOps === null ? null : mongoOps / messages,
      redisCmds: redis / messages,
      cpuMs: cpu / messages,
      dbCpuMs: db === null ? null : db / messages,
      totals: { mongoOps, redisCmds: redis, cpuMs: cpu, dbCpuMs: db },
    };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** The counter columns' headers, for a table built with printRows. */
export const counterHeaders = ['mongo ops/msg', 'redis cmds/msg', 'cpu ms/msg', 'db cpu ms/msg'];

/** The counter columns of one row. */
export function counterCells(c: PerMessage | undefined): string[] {
  if (!c) return counterHeaders.map(() => '-');
  const f = (n: number | null, digits = 2) => (n === null ? 'n/a' : n.toFixed(digits));
  return [f(c.mongoOps), f(c.redisCmds), f(c.cpuMs, 3), f(c.dbCpuMs, 3)];
}

/** One line describing what the counters measured, for the report. */
export function countersNote(where: string): string {
  return (
    `counters (measured phase only): mongo ops = MongoDB commands the scenario's clients started (driver command monitoring); ` +
    `redis cmds = INFO commandstats calls, server-wide; cpu = ${where}; db cpu = the embedded FerretDB process (/proc/<pid>/stat)`
  );
}
