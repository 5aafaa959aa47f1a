import type { Redis } from 'ioredis';
import { privacyContract } from '../privacy/contract.js';
import { readyKeys, readyPushLua, wokenKey, wokenTtlMs } from './ready.js';

/** Inbound (messages and idle timers, in arrival order) or outbound (replies, in the order they were produced). */
export type MailboxKind = 'in' | 'out';

/** What {@link Mailboxes.next} found. */
export type NextEntry = { kind: 'entry'; entry: string; snapshot?: Snapshot } | { kind: 'empty' } | { kind: 'lost' };

/**
 * A conversation's snapshot as {@link Mailboxes.next} read it: its generation, and the snapshot
 * if it is of that generation. Storing one passes the generation it was read at, so a snapshot
 * made while someone marked it stale is stored stale.
 */
export interface Snapshot {
  gen: string;
  value?: string;
  /** The conversation's recently answered inbound message ids, as last stored; kept when the snapshot goes stale. */
  recent?: string;
  /**
   * How many replies waited in the conversation's outbound mailbox as the entry was read. None:
   * the entry's replies may be sent before they are stored, since nothing of theirs is ahead.
   */
  outbound: number;
}

/** What a turn leaves for the conversation's next one: its snapshot (`null` forgets it) and the recent ids (absent: kept as they are). */
export interface SnapshotUpdate {
  value: string | null;
  recent?: string;
}

/** A {@link SnapshotUpdate} to store as an entry is popped, with the generation it was made from. */
export interface SnapshotSave extends SnapshotUpdate {
  gen: string;
  ttlMs: number;
}

// Each script is one round trip and atomic, which is what makes the hand-over between a worker
// finishing a mailbox and a new entry arriving safe (see docs/ARCHITECTURE.md, "Ordering").

/** KEYS: list, lease. ARGV: entries…  → 1 when no worker holds the lease, else 0 (the caller is about to work through it). */
const pushScript = `
for i = 1, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
return 1`;

/**
 * KEYS: list, lease, woken. ARGV: listPrefix, rotation, bell, workspace, key, entries…
 * Appends and, when no worker holds the lease and no wake-up is on its way yet, puts the mailbox
 * on its workspace's ready list (ready.ts) in the same step → 1 when it did.
 */
const pushWakeScript = `${readyPushLua}
for i = 6, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ${wokenTtlMs}) then return 0 end
ready(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
return 1`;

/** KEYS: list, pause. ARGV: ms, entries… Appends and keeps every worker out for ms: the first entry waits. */
const pushPausedScript = `
for i = 2, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
return 1`;

/**
 * KEYS: lease, pause, woken. ARGV: token, ttl → 1 when acquired, else minus the milliseconds until the
 * current holder's lease expires, or until the mailbox's pause ends (its first entry waits).
 * Either way the wake-up marker goes: an entry pushed from now on wakes a worker again if needed.
 */
const acquireScript = `
redis.call('DEL', KEYS[3])
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return -paused end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
local left = redis.call('PTTL', KEYS[1])
if left < 1 then left = 1 end
return -left`;

/**
 * KEYS: list, lease, snapshot, outbound list. ARGV: token, ttl, done (the entry just handled, or ''), save, gen,
 * snapshot ttl, read, recent.
 * Pops `done` if it is still the head, and with it stores `save` as the conversation's snapshot
 * (made from generation `gen`; '' keeps it, '-' forgets it) and `recent` as its recently answered
 * message ids ('' keeps them). Then returns the new head and extends the lease; an empty mailbox
 * releases the lease in the same step, so an entry pushed after it finds no holder and wakes a
 * worker. With `read` = '1' the head comes with the snapshot's generation, the snapshot if it was
 * made from that generation (nobody marked it stale since) or '', the recent ids or '', and the
 * length of the conversation's outbound mailbox.
 */
const nextScript = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return {'lost'} end
if ARGV[3] ~= '' and redis.call('LINDEX', KEYS[1], 0) == ARGV[3] then
  redis.call('LPOP', KEYS[1])
  if ARGV[4] == '-' then redis.call('HDEL', KEYS[3], 'v', 'vg') end
  if ARGV[4] ~= '' and ARGV[4] ~= '-' and ARGV[8] ~= '' then
    redis.call('HSET', KEYS[3], 'v', ARGV[4], 'vg', ARGV[5], 'r', ARGV[8])
  elseif ARGV[4] ~= '' and ARGV[4] ~= '-' then
    redis.call('HSET', KEYS[3], 'v', ARGV[4], 'vg', ARGV[5])
  elseif ARGV[8] ~= '' then
    redis.call('HSET', KEYS[3], 'r', ARGV[8])
  end
  if ARGV[4] ~= '' or ARGV[8] ~= '' then redis.call('PEXPIRE', KEYS[3], ARGV[6]) end
end
local head = redis.call('LINDEX', KEYS[1], 0)
if not head then
  redis.call('DEL', KEYS[2])
  return {'empty'}
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
if ARGV[7] ~= '1' then return {'entry', head} end
local s = redis.call('HMGET', KEYS[3], 'gen', 'vg', 'v', 'r')
local gen = s[1] or '0'
local value = ''
if s[3] and s[2] == gen then value = s[3] end
return {'entry', head, gen, value, s[4] or '', redis.call('LLEN', KEYS[4])}`;

/** KEYS: snapshot. ARGV: ttl. A new generation: the snapshot made from the one before is stale, and so is any a turn in progress stores. */
const staleScript = `
redis.call('HINCRBY', KEYS[1], 'gen', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

/**
 * KEYS: lease, pause. ARGV: token, mode, ms. If this token holds the lease: `renew` extends it,
 * `release` gives it up, `pause` gives it up and keeps everyone out for ms (the first entry waits).
 */
const leaseScript = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == 'renew' then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
else
  redis.call('DEL', KEYS[1])
  if ARGV[2] == 'pause' then redis.call('SET', KEYS[2], '1', 'PX', ARGV[3]) end
end
return 1`;

/** See {@link Mailboxes.markLive}. */
const liveMarkEveryMs = 250;
const liveForMs = 1000;

interface MailboxCommands {
  sbMailboxPush(list: string, lease: string, ...entries: string[]): Promise<number>;
  sbMailboxPushWake(
    list: string,
    lease: string,
    woken: string,
    listPrefix: string,
    rotation: string,
    bell: string,
    workspace: string,
    key: string,
    ...entries: string[]
  ): Promise<number>;
  sbMailboxPushPaused(list: string, pause: string, ms: number, ...entries: string[]): Promise<number>;
  sbMailboxAcquire(lease: string, pause: string, woken: string, token: string, ttlMs: number): Promise<number>;
  sbMailboxNext(
    list: string,
    lease: string,
    snapshot: string,
    outbound: string,
    token: string,
    ttlMs: number,
    done: string,
    save: string,
    gen: string,
    snapshotTtlMs: number,
    read: '0' | '1',
    recent: string,
  ): Promise<(string | number)[]>;
  sbSnapshotStale(snapshot: string, ttlMs: number): Promise<number>;
  sbMailboxLease(lease: string, pause: string, token: string, mode: 'renew' | 'release' | 'pause', ms: number): Promise<number>;
}

/**
 * One mailbox per conversation and direction in Redis: a list of entries in order, and a lease
 * (a key with a token and an expiry) that lets one worker at a time, in any process, work through
 * it. Entries are removed only after they were handled, so a worker that dies leaves its entry at
 * the head for whoever takes the lease after it expires.
 *
 * @example
 * if (await mailboxes.push('in', key, [entry])) await wake(key); // nobody is working on it
 */
export class Mailboxes {
  private readonly redis: Redis & MailboxCommands;
  private turnsRunning = 0;
  private liveTimer?: NodeJS.Timeout;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    for (const [name, lua, keys] of [
      ['sbMailboxPush', pushScript, 2],
      ['sbMailboxPushWake', pushWakeScript, 3],
      ['sbMailboxPushPaused', pushPausedScript, 2],
      ['sbMailboxAcquire', acquireScript, 3],
      ['sbMailboxNext', nextScript, 4],
      ['sbSnapshotStale', staleScript, 1],
      ['sbMailboxLease', leaseScript, 2],
    ] as const) {
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: keys, lua });
    }
    this.redis = redis as Redis & MailboxCommands;
  }

  private list(kind: MailboxKind, key: string): string {
    return `${this.prefix}:mbox:${kind}:${key}`;
  }

  private lease(kind: MailboxKind, key: string): string {
    return `${this.prefix}:lease:${kind}:${key}`;
  }

  private pauseKey(kind: MailboxKind, key: string): string {
    return `${this.prefix}:pause:${kind}:${key}`;
  }

  private snapshotKey(key: string): string {
    return `${this.prefix}:snap:${key}`;
  }

  /** Appends entries for a caller that works through the mailbox next itself; true when no worker holds it. */
  async push(kind: MailboxKind, key: string, entries: readonly string[]): Promise<boolean> {
    if (!entries.length) return false;
    return (await this.redis.sbMailboxPush(this.list(kind, key), this.lease(kind, key), ...entries)) === 1;
  }

  /**
   * Appends entries and, when no worker holds the mailbox, wakes one through its workspace's
   * ready list, in one step (so no entry waits for a wake-up that a crash in between lost).
   */
  async pushAndWake(kind: MailboxKind, at: { key: string; workspace: string }, entries: readonly string[]): Promise<boolean> {
    if (!entries.length) return false;
    const { key, workspace } = at;
    const ready = readyKeys(this.prefix, kind);
    const woken = wokenKey(this.prefix, kind, key);
    return (
      (await this.redis.sbMailboxPushWake(
        this.list(kind, key),
        this.lease(kind, key),
        woken,
        ready.listPrefix,
        ready.rotation,
        ready.bell,
        workspace,
        key,
        ...entries,
      )) === 1
    );
  }

  /**
   * Appends entries to a mailbox nobody holds and keeps every worker out of it for `ms` (the
   * first entry waits, as after {@link pause}); the caller wakes a worker for when it ends.
   */
  async pushPaused(kind: MailboxKind, key: string, entries: readonly string[], ms: number): Promise<void> {
    if (!entries.length) return;
    await this.redis.sbMailboxPushPaused(this.list(kind, key), this.pauseKey(kind, key), Math.max(1, Math.ceil(ms)), ...entries);
  }

  /** Takes the lease: true, or the milliseconds until the current holder's lease expires (or the mailbox's pause ends). */
  async acquire(kind: MailboxKind, key: string, token: string, ttlMs: number): Promise<true | number> {
    const result = await this.redis.sbMailboxAcquire(this.lease(kind, key), this.pauseKey(kind, key), wokenKey(this.prefix, kind, key), token, ttlMs);
    return result === 1 ? true : -result;
  }

  /**
   * Pops `done` (if given and still first), storing `save` as the conversation's snapshot with it,
   * then the next entry, with the snapshot when `readSnapshot`; an empty mailbox is released.
   */
  async next(
    kind: MailboxKind,
    key: string,
    token: string,
    ttlMs: number,
    options: { done?: string; save?: SnapshotSave; readSnapshot?: boolean } = {},
  ): Promise<NextEntry> {
    const { done, save, readSnapshot } = options;
    const [found, entry, gen, value, recent, outbound] = (await this.redis.sbMailboxNext(
      this.list(kind, key),
      this.lease(kind, key),
      this.snapshotKey(key),
      this.list('out', key),
      token,
      ttlMs,
      done ?? '',
      save ? (save.value ?? '-') : '',
      save?.gen ?? '',
      save?.ttlMs ?? 0,
      readSnapshot ? '1' : '0',
      save?.recent ?? '',
    )) as [string, string?, string?, string?, string?, number?];
    if (found !== 'entry') return found === 'empty' ? { kind: 'empty' } : { kind: 'lost' };
    if (gen === undefined) return { kind: 'entry', entry: entry! };
    return { kind: 'entry', entry: entry!, snapshot: { gen, ...(value ? { value } : {}), ...(recent ? { recent } : {}), outbound: outbound ?? 0 } };
  }

  /**
   * Marks a conversation's snapshot stale: its next turn reads MongoDB. Whoever changes a contact
   * or conversation outside its turns calls this after writing MongoDB.
   */
  async staleSnapshot(key: string, ttlMs: number): Promise<void> {
    await this.redis.sbSnapshotStale(this.snapshotKey(key), ttlMs);
  }

  /** Extends the lease while one entry takes long (a slow flow `http` call); false if it was lost. */
  async renew(kind: MailboxKind, key: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.sbMailboxLease(this.lease(kind, key), this.pauseKey(kind, key), token, 'renew', ttlMs)) === 1;
  }

  /** Gives the lease up with entries left (they wait for a later wake-up). */
  async release(kind: MailboxKind, key: string, token: string): Promise<void> {
    await this.redis.sbMailboxLease(this.lease(kind, key), this.pauseKey(kind, key), token, 'release', 0);
  }

  /** Gives the lease up and keeps every worker out for `ms`: the first entry waits (a backoff, a rate limit) and nothing overtakes it. */
  async pause(kind: MailboxKind, key: string, token: string, ms: number): Promise<void> {
    await this.redis.sbMailboxLease(this.lease(kind, key), this.pauseKey(kind, key), token, 'pause', Math.max(1, Math.ceil(ms)));
  }

  /**
   * Notes a turn running in this process until `end()`: while any is, a Redis flag stays set
   * (renewed every quarter second, gone a second after the last one ends), so background work in
   * any process, such as the retention sweep, gives way to live turns, also to ones held up in
   * the database.
   */
  turnRunning(): { end(): void } {
    if (this.turnsRunning++ === 0) {
      const mark = () => void this.redis.set(`${this.prefix}:live`, '1', 'PX', liveForMs).catch(() => undefined);
      mark();
      this.liveTimer = setInterval(mark, liveMarkEveryMs);
      this.liveTimer.unref();
    }
    let ended = false;
    return {
      end: () => {
        if (ended) return;
        ended = true;
        if (--this.turnsRunning === 0) clearInterval(this.liveTimer);
      },
    };
  }

  /** Whether a turn is running in any process (or ended within about the last second). */
  async live(): Promise<boolean> {
    return (await this.redis.exists(`${this.prefix}:live`)) === 1;
  }

  /** Whether a worker holds the mailbox now. */
  async held(kind: MailboxKind, key: string): Promise<boolean> {
    return (await this.redis.exists(this.lease(kind, key))) === 1;
  }

  /** The entries waiting, oldest first (for tests and diagnostics). */
  async entries(kind: MailboxKind, key: string): Promise<string[]> {
    return this.redis.lrange(this.list(kind, key), 0, -1);
  }
}

/**
 * Privacy contracts of the mailboxes' Redis keys (see core/privacy/contract.ts). `{hash}` is
 * {@link mailboxKey} of the person's address, so no user id appears in key names.
 */
export const mailboxPrivacy = [
  privacyContract({
    store: { redis: 'mbox:in:*' },
    purpose: "a conversation's inbound messages and due idle timers until their turn is stored",
    personal: ['the normalized message: user id, text, choice, media, form fields, profile name'],
    findBy: "mailboxKey(address) of each of the person's addresses",
    erasure: { action: 'delete' },
    retention: { expires: 'removed as each turn is stored; a message whose turn gave up is stored failed in MongoDB instead' },
  }),
  privacyContract({
    store: { redis: 'mbox:out:*' },
    purpose: "a conversation's replies waiting to be delivered, in order",
    personal: ['reply ids and the answered platform message id'],
    findBy: 'mailboxKey(address)',
    erasure: { action: 'delete' },
    retention: { expires: 'removed as each reply is delivered or given up' },
  }),
  privacyContract({
    store: { redis: 'snap:*' },
    purpose: "the conversation's snapshot, so a turn reads nothing from MongoDB (core/turn/snapshot.ts)",
    personal: ["the contact's name, locale, STOP state, the bot's state (what the person answered) and the inbox's preview of their last message"],
    findBy: 'mailboxKey(address)',
    erasure: { action: 'delete' },
    retention: { expires: "24h after the conversation's last turn (snapshotTtlMs); forgotten when it closes" },
  }),
  privacyContract({
    store: { redis: 'lease:*' },
    purpose: "which worker holds a conversation's mailbox",
    personal: [],
    findBy: 'nothing of a person (a worker token under the hashed key)',
    erasure: { action: 'none', why: 'holds no personal data' },
    retention: { expires: 'pipeline.lockMs' },
  }),
  privacyContract({
    store: { redis: 'pause:*' },
    purpose: 'a mailbox (or an account) waiting out a backoff or a rate limit',
    personal: ["a mailbox's key is a hash of the conversation's address"],
    findBy: 'pause:{in|out}:{mailboxKey(address)}',
    erasure: { action: 'expires', within: 'the wait (seconds to minutes); an erasure removes it at once' },
    retention: { expires: 'the wait' },
  }),
  privacyContract({
    store: { redis: 'live' },
    purpose: 'turns ran within the last second (the retention sweep gives way)',
    personal: [],
    findBy: 'nothing of a person',
    erasure: { action: 'none', why: 'one flag for the deployment' },
    retention: { expires: '1s' },
  }),
];
