import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { privacyContract } from '../privacy/contract.js';
import type { MailboxKind } from './mailbox.js';

/**
 * Ready lists: the immediate wake-ups of mailboxes, without a BullMQ job each.
 *
 * A mailbox nobody holds is woken by putting its key on its workspace's ready list; the
 * workspaces with anything ready take turns in a rotation, so one workspace's flood waits behind
 * another's first message instead of in front of it. A worker takes a key (and records it as its
 * own, in its process's taken list, in the same step), works through the mailbox and removes it
 * from its taken list. A process keeps a heartbeat; when one stops beating, any other puts what
 * it had taken back on the ready lists, and the mailbox's lease (expired by then, or soon) lets
 * the next worker go on where the dead one stopped. Timers, backoffs and looking again after a
 * lease expires stay BullMQ delayed jobs (`queues.ts`): they are rare, and need a clock.
 *
 * A BullMQ job costs Redis about 30 commands from add to completion; a ready wake-up about 10.
 */

/** Keys of one direction's ready lists under a prefix. */
export interface ReadyKeys {
  /** `{prefix}:ready:{kind}:ws:` followed by a workspace id: that workspace's mailbox keys, oldest last. */
  listPrefix: string;
  /** The workspaces whose ready list is not empty, each once, next last. */
  rotation: string;
  /** One entry per wake-up (at most 64), which a worker with nothing to do blocks on. */
  bell: string;
}

export function readyKeys(prefix: string, kind: MailboxKind): ReadyKeys {
  return { listPrefix: `${prefix}:ready:${kind}:ws:`, rotation: `${prefix}:ready:${kind}:rotation`, bell: `${prefix}:ready:${kind}:bell` };
}

/** The key of a mailbox's wake-up marker: set while a wake-up is on a ready list, so a burst of entries wakes it once. */
export const wokenKey = (prefix: string, kind: MailboxKind, key: string) => `${prefix}:woken:${kind}:${key}`;

/** How long a wake-up marker lasts at most (a worker's lease acquire clears it); one that expires while its wake-up still waits only costs a second wake-up. */
export const wokenTtlMs = 60_000;

/**
 * Lua: `ready(listPrefix, rotation, bell, workspace, key)` puts a mailbox key on its workspace's
 * ready list (and the workspace in the rotation when its list was empty) and rings the bell.
 * Scripts that wake include it.
 */
export const readyPushLua = `
local function ready(listPrefix, rotation, bell, ws, key)
  if redis.call('LPUSH', listPrefix .. ws, key) == 1 then redis.call('LPUSH', rotation, ws) end
  if redis.call('LPUSH', bell, '1') > 64 then redis.call('LTRIM', bell, 0, 63) end
end`;

/** KEYS: woken marker. ARGV: listPrefix, rotation, bell, workspace, key. A wake-up that is not a mailbox push's (a stopping worker's, an erasure's). */
const wakeScript = `${readyPushLua}
redis.call('SET', KEYS[1], '1', 'PX', ${wokenTtlMs})
ready(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
return 1`;

/**
 * KEYS: rotation, taken, bell. ARGV: listPrefix, workspaces to pass over (over their share here)…
 * → the item `{key}:{workspace}` now in `taken`; 'skipped' when every workspace waiting was passed
 * over; false when nothing waits. Either way the bell is cleared, so the caller can block on it
 * until something new is pushed (another process, not at its share, takes what was passed over:
 * it rings for it, or it looks again within a second).
 */
const takeScript = `
local skip = {}
for i = 2, #ARGV do skip[ARGV[i]] = true end
local tries = 1
if #ARGV > 1 then tries = redis.call('LLEN', KEYS[1]) end
for _ = 1, tries do
  local ws = redis.call('RPOP', KEYS[1])
  if not ws then
    redis.call('DEL', KEYS[3])
    return false
  end
  local list = ARGV[1] .. ws
  if skip[ws] then
    redis.call('LPUSH', KEYS[1], ws)
  else
    local key = redis.call('RPOP', list)
    if redis.call('LLEN', list) > 0 then redis.call('LPUSH', KEYS[1], ws) end
    if key then
      local item = key .. ':' .. ws
      redis.call('LPUSH', KEYS[2], item)
      return item
    end
  end
end
redis.call('DEL', KEYS[3])
return 'skipped'`;

/**
 * KEYS: the set of processes. ARGV: the taken lists' prefix, the heartbeats' prefix, this
 * process's id, then per direction: listPrefix, rotation, bell (as ready() takes them).
 * Every process but this one whose heartbeat is gone has what it had taken put back on the ready
 * lists, and is forgotten. → how many wake-ups were put back.
 */
const sweepScript = `${readyPushLua}
local moved = 0
for _, proc in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if proc ~= ARGV[3] and redis.call('EXISTS', ARGV[2] .. proc) == 0 then
    local d = 4
    for _, kind in ipairs({'in', 'out'}) do
      local taken = ARGV[1] .. kind .. ':' .. proc
      for _, item in ipairs(redis.call('LRANGE', taken, 0, -1)) do
        local sep = string.find(item, ':', 1, true)
        ready(ARGV[d], ARGV[d + 1], ARGV[d + 2], string.sub(item, sep + 1), string.sub(item, 1, sep - 1))
        moved = moved + 1
      end
      redis.call('DEL', taken)
      d = d + 3
    end
    redis.call('SREM', KEYS[1], proc)
  end
end
return moved`;

interface ReadyCommands {
  sbReadyWake(woken: string, listPrefix: string, rotation: string, bell: string, workspace: string, key: string): Promise<number>;
  sbReadyTake(rotation: string, taken: string, bell: string, listPrefix: string, ...skip: string[]): Promise<string | null>;
  sbReadySweep(procs: string, takenPrefix: string, alivePrefix: string, self: string, ...directions: string[]): Promise<number>;
}

/** A mailbox a worker took from a ready list: finish it with {@link ReadyLists.finish}. */
export interface TakenWakeUp {
  key: string;
  workspace: string;
  /** As it stands in the taken list. */
  item: string;
}

/** The ready lists of both directions, and this process's place among the processes taking from them. */
export class ReadyLists {
  private readonly redis: Redis & ReadyCommands;
  /** This process: its taken lists and heartbeat are named by it. */
  readonly processId = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    for (const [name, lua, keys] of [
      ['sbReadyWake', wakeScript, 1],
      ['sbReadyTake', takeScript, 3],
      ['sbReadySweep', sweepScript, 1],
    ] as const) {
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: keys, lua });
    }
    this.redis = redis as Redis & ReadyCommands;
  }

  private keys(kind: MailboxKind): ReadyKeys {
    return readyKeys(this.prefix, kind);
  }

  private taken(kind: MailboxKind, proc = this.processId): string {
    return `${this.prefix}:ready:taken:${kind}:${proc}`;
  }

  private alive(proc = this.processId): string {
    return `${this.prefix}:ready:alive:${proc}`;
  }

  private get processes(): string {
    return `${this.prefix}:ready:processes`;
  }

  /** Puts a mailbox on its workspace's ready list (a push that found nobody holding it does this itself). */
  async wake(kind: MailboxKind, at: { key: string; workspace: string }): Promise<void> {
    const k = this.keys(kind);
    await this.redis.sbReadyWake(wokenKey(this.prefix, kind, at.key), k.listPrefix, k.rotation, k.bell, at.workspace, at.key);
  }

  /**
   * Takes the next mailbox, the workspaces taking turns; none of `passOver` (workspaces at their
   * share of this process). `skipped` when only those wait; undefined when nothing does.
   */
  async take(kind: MailboxKind, passOver: readonly string[] = []): Promise<TakenWakeUp | 'skipped' | undefined> {
    const k = this.keys(kind);
    const item = await this.redis.sbReadyTake(k.rotation, this.taken(kind), k.bell, k.listPrefix, ...passOver);
    if (item === null) return undefined;
    if (item === 'skipped') return 'skipped';
    const sep = item.indexOf(':');
    return { key: item.slice(0, sep), workspace: item.slice(sep + 1), item };
  }

  /** The mailbox was worked through (or handed on by a wake-up of its own): it leaves this process's taken list. */
  async finish(kind: MailboxKind, taken: TakenWakeUp): Promise<void> {
    await this.redis.lrem(this.taken(kind), 1, taken.item);
  }

  /** Waits up to `seconds` for a wake-up's bell on a connection of its own (it blocks). */
  async waitForBell(blocking: Redis, kind: MailboxKind, seconds: number): Promise<void> {
    await blocking.blpop(this.keys(kind).bell, seconds);
  }

  /** This process is alive for `ttlMs` more; the first beat also enrols it among the takers. */
  async beat(ttlMs: number): Promise<void> {
    await this.redis.multi().set(this.alive(), '1', 'PX', ttlMs).sadd(this.processes, this.processId).exec();
  }

  /** Puts back what dead processes had taken; returns how many wake-ups. */
  async sweep(): Promise<number> {
    const directions = (['in', 'out'] as const).flatMap((kind) => {
      const k = this.keys(kind);
      return [k.listPrefix, k.rotation, k.bell];
    });
    return this.redis.sbReadySweep(this.processes, `${this.prefix}:ready:taken:`, `${this.prefix}:ready:alive:`, this.processId, ...directions);
  }

  /** This process stops: it is no longer a taker (its taken lists are empty by then; a sweep would put back anything left). */
  async leave(): Promise<void> {
    await this.redis.del(this.alive());
  }

  /** Mailboxes waiting on the ready lists of a direction (for /metrics). */
  async depth(kind: MailboxKind): Promise<number> {
    const k = this.keys(kind);
    const workspaces = await this.redis.lrange(k.rotation, 0, -1);
    if (!workspaces.length) return 0;
    const pipeline = this.redis.pipeline();
    for (const ws of workspaces) pipeline.llen(k.listPrefix + ws);
    const lengths = (await pipeline.exec()) ?? [];
    return lengths.reduce((sum, [, n]) => sum + Number(n ?? 0), 0);
  }
}

/** Privacy contracts of the ready lists' keys (see core/privacy/contract.ts). */
export const readyPrivacy = [
  privacyContract({
    store: { redis: 'ready:*' },
    purpose: 'mailboxes waiting for a worker, per workspace; what each process took; its heartbeat',
    personal: [],
    findBy: 'nothing of a person (hashed mailbox keys and workspace ids)',
    erasure: { action: 'none', why: 'mailbox keys are hashes of addresses; the mailboxes themselves are erased' },
    retention: { expires: 'removed as a worker takes and finishes each; a dead process’s are put back within two heartbeats' },
  }),
  privacyContract({
    store: { redis: 'woken:*' },
    purpose: 'a wake-up is already on its way to this mailbox',
    personal: [],
    findBy: 'nothing of a person (a hashed mailbox key)',
    erasure: { action: 'none', why: 'holds no personal data' },
    retention: { expires: '60s, or when a worker takes the mailbox' },
  }),
];
