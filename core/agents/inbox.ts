import type { ChainableCommander, Redis } from 'ioredis';
import { privacyContract } from '../privacy/contract.js';
import { Contact } from '../store/contact.js';
import { Conversation, type ConversationDoc } from '../store/conversation.js';
import { inboxSummary, type InboxSummary, type InboxView } from './inbox-summary.js';

/**
 * The inbox index: per workspace, Redis sorted sets of conversation ids, one per view (`open`,
 * `waiting`, `closed`, `mine:<agent>`) and per view and channel or team, so a page of any view is
 * a range of one set, fast at any size, where FerretDB v1 would sort the whole collection in Go.
 * The sets hold ids only; the page's conversations are then read by `_id`.
 *
 *   {prefix}:inbox:{ws}:open | waiting | closed            latest activity (waiting: since when) as the score
 *   {prefix}:inbox:{ws}:{view}:ch:{channel}, :{view}:team:{team}
 *   {prefix}:inbox:{ws}:mine:{agent}                        status agent, theirs
 *   {prefix}:inbox:{ws}:where                               hash: conversation id → the sets it is in
 *
 * `where` is what makes an update idempotent and complete: the script reads the sets the
 * conversation was in, leaves the ones it no longer belongs to (a team it left, an agent who
 * handed it back), adds it to the right ones and publishes its summary, in one round trip.
 * A channel and a team filter together intersect two sets as the page is read (see `page`).
 */
export interface IndexedConversation {
  _id: unknown;
  workspace: string;
  channel: string;
  status: ConversationDoc['status'];
  assignee?: string | null;
  team?: string | null;
  lastMessageAt?: Date | string | null;
  waitingSince?: Date | string | null;
  createdAt?: Date | string | null;
}

/** Where a page starts: after this entry (its score and id). */
export interface InboxCursor {
  score: number;
  id: string;
}

export interface InboxQuery {
  workspace: string;
  view: InboxView;
  /** `mine`: whose. */
  agent?: string;
  channel?: string;
  team?: string;
  after?: InboxCursor;
  limit: number;
}

const seg = (s: string) => encodeURIComponent(s);
/** A waiting set's `WITHSCORES` answer as ids and since when (ms). */
const sinceWhen = (flat: string[]) => Array.from({ length: flat.length / 2 }, (_, i) => ({ id: flat[2 * i]!, since: Number(flat[2 * i + 1]) }));
const ms = (date: Date | string | null | undefined) => (date ? new Date(date).getTime() : 0);

/** The sets a conversation belongs to, with its score in each. */
export function inboxEntries(c: IndexedConversation): { set: string; score: number }[] {
  const active = ms(c.lastMessageAt) || ms(c.createdAt);
  const byView = (view: 'open' | 'waiting' | 'closed', score: number) => [
    { set: view, score },
    { set: `${view}:ch:${seg(c.channel)}`, score },
    ...(c.team ? [{ set: `${view}:team:${seg(c.team)}`, score }] : []),
  ];
  switch (c.status) {
    case 'closed':
      return byView('closed', active);
    case 'waiting':
      return [...byView('open', active), ...byView('waiting', ms(c.waitingSince) || active)];
    case 'agent':
      return [...byView('open', active), ...(c.assignee ? [{ set: `mine:${seg(c.assignee)}`, score: active }] : [])];
    case 'bot':
      return byView('open', active);
  }
}

// KEYS: where, rebuilding flag, touched set. ARGV: base, id, mode (live | rebuild), channel, payload, then set, score pairs.
// A live change during a rebuild marks the id touched, and the rebuild leaves touched ids alone:
// what it read of them may be older than what was just indexed.
const updateScript = `
local base, id = ARGV[1], ARGV[2]
if ARGV[3] == 'rebuild' then
  if redis.call('SISMEMBER', KEYS[3], id) == 1 then return 0 end
elseif redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('SADD', KEYS[3], id)
end
local wanted = {}
for i = 6, #ARGV, 2 do wanted[ARGV[i]] = true end
local old = redis.call('HGET', KEYS[1], id)
if old then
  for set in string.gmatch(old, '%S+') do
    if not wanted[set] then redis.call('ZREM', base .. set, id) end
  end
end
local sets = {}
for i = 6, #ARGV, 2 do
  redis.call('ZADD', base .. ARGV[i], ARGV[i + 1], id)
  sets[#sets + 1] = ARGV[i]
end
if #sets > 0 then redis.call('HSET', KEYS[1], id, table.concat(sets, ' ')) else redis.call('HDEL', KEYS[1], id) end
if ARGV[5] ~= '' then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
return 1`;

// KEYS: the set read, then sets each entry must also be in. ARGV: descending (1 | 0), limit, after score, after id, scan limit.
// Returns the position reached ('' at the end) as id and score, then up to limit + 1 entries as id, score.
// The start is found by score and id, so a page goes on where the last one ended even if entries
// before it moved (a new message puts a conversation on top): nothing is listed twice or skipped
// that stayed where it was. Redis orders equal scores by member, so ties are ordered too.
const pageScript = `
local key, desc, limit, scanLimit = KEYS[1], ARGV[1] == '1', tonumber(ARGV[2]), tonumber(ARGV[5])
local pos = 0
if ARGV[3] ~= '' then
  local s, after = ARGV[3], ARGV[4]
  if desc then pos = redis.call('ZCOUNT', key, '(' .. s, '+inf') else pos = redis.call('ZCOUNT', key, '-inf', '(' .. s) end
  for _, m in ipairs(redis.call('ZRANGE', key, s, s, 'BYSCORE')) do
    if (desc and m >= after) or ((not desc) and m <= after) then pos = pos + 1 end
  end
end
local found, scanned, lastId, lastScore = {}, 0, '', ''
while true do
  local range
  if desc then range = redis.call('ZRANGE', key, pos, pos + limit, 'REV', 'WITHSCORES') else range = redis.call('ZRANGE', key, pos, pos + limit, 'WITHSCORES') end
  if #range == 0 then lastId = '' break end
  pos = pos + #range / 2
  for i = 1, #range, 2 do
    local keep = true
    for k = 2, #KEYS do
      if not redis.call('ZSCORE', KEYS[k], range[i]) then keep = false break end
    end
    if keep then
      found[#found + 1] = range[i]
      found[#found + 1] = range[i + 1]
      if #found > 2 * limit then return {range[i], range[i + 1], unpack(found)} end
    end
    scanned = scanned + 1
    lastId, lastScore = range[i], range[i + 1]
    if scanned >= scanLimit then return {lastId, lastScore, unpack(found)} end
  end
end
return {'', '', unpack(found)}`;

/** Entries a filtered page looks at, at most, before it answers with what it found and where to go on. */
const scanLimit = 5000;

interface InboxCommands {
  sbInboxUpdate(where: string, flag: string, touched: string, ...args: (string | number)[]): Promise<number>;
  sbInboxPage(count: number, ...args: (string | number)[]): Promise<string[]>;
}

/** The inbox index of every workspace (see the module's comment); one per Redis connection and prefix. */
export class InboxIndex {
  private readonly redis: Redis & InboxCommands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    if (!('sbInboxUpdate' in redis)) redis.defineCommand('sbInboxUpdate', { numberOfKeys: 3, lua: updateScript });
    if (!('sbInboxPage' in redis)) redis.defineCommand('sbInboxPage', { lua: pageScript });
    this.redis = redis as Redis & InboxCommands;
  }

  /** Every key of a workspace's index starts with this. */
  base(workspace: string): string {
    return `${this.prefix}:inbox:${seg(workspace)}:`;
  }

  /** The Redis pub/sub channel of a workspace's console events (the console's WebSocket forwards them). */
  channel(workspace: string): string {
    return `${this.prefix}:console:${workspace}`;
  }

  private keys(workspace: string): [string, string, string] {
    const base = this.base(workspace);
    return [`${base}where`, `${base}rebuilding`, `${base}touched`];
  }

  private args(at: { workspace: string; id: string; mode: 'live' | 'rebuild'; entries: { set: string; score: number }[]; summary?: InboxSummary | undefined }) {
    const payload = at.summary ? JSON.stringify({ t: 'conversation', conversation: at.summary }) : '';
    return [this.base(at.workspace), at.id, at.mode, this.channel(at.workspace), payload, ...at.entries.flatMap((e) => [e.set, e.score])];
  }

  /**
   * Puts a conversation in exactly the sets its state calls for and takes it out of the others,
   * then publishes its summary to the workspace's consoles, in one round trip. Idempotent: call
   * it after every change.
   */
  async update(conversation: IndexedConversation, summary?: InboxSummary): Promise<void> {
    const { workspace } = conversation;
    await this.redis.sbInboxUpdate(
      ...this.keys(workspace),
      ...this.args({ workspace, id: String(conversation._id), mode: 'live', entries: inboxEntries(conversation), summary }),
    );
  }

  /** Queues a rebuild's update on a pipeline: it leaves alone ids a live change touched meanwhile, and publishes nothing. */
  queueRebuild(pipeline: ChainableCommander, conversation: IndexedConversation): void {
    const { workspace } = conversation;
    (pipeline as ChainableCommander & InboxCommands).sbInboxUpdate(
      ...this.keys(workspace),
      ...this.args({ workspace, id: String(conversation._id), mode: 'rebuild', entries: inboxEntries(conversation) }),
    );
  }

  /**
   * Takes conversations out of every set of the workspace (retention, erasure, a rebuild's
   * leftovers); resolves to how many were in it. One pipelined round trip.
   */
  async remove(workspace: string, ids: readonly string[], mode: 'live' | 'rebuild' = 'live'): Promise<number> {
    if (!ids.length) return 0;
    const present = await this.redis.hmget(this.keys(workspace)[0], ...ids);
    const pipeline = this.redis.pipeline() as ChainableCommander & InboxCommands;
    // No sets wanted: the script takes the id out of those `where` names.
    for (const id of ids) void pipeline.sbInboxUpdate(...this.keys(workspace), ...this.args({ workspace, id, mode, entries: [] }));
    await pipeline.exec();
    return present.filter((p) => p !== null).length;
  }

  /** How many open conversations each of these agents holds (their `mine` set), in one round trip. */
  async heldBy(workspace: string, agents: readonly string[]): Promise<Map<string, number>> {
    const pipeline = this.redis.pipeline();
    for (const agent of agents) pipeline.zcard(`${this.base(workspace)}mine:${seg(agent)}`);
    const counts = agents.length ? ((await pipeline.exec()) ?? []) : [];
    return new Map(agents.map((agent, i) => [agent, Number(counts[i]?.[1] ?? 0)]));
  }

  /** A team's waiting conversations, longest waiting first: ids and since when (ms). */
  async waitingFor(workspace: string, team: string, limit: number): Promise<{ id: string; since: number }[]> {
    return sinceWhen(await this.redis.zrange(`${this.base(workspace)}waiting:team:${seg(team)}`, 0, limit - 1, 'WITHSCORES'));
  }

  /** How many conversations wait in the team's queue (or the workspace's). */
  async waitingCount(workspace: string, team?: string): Promise<number> {
    return this.redis.zcard(`${this.base(workspace)}waiting${team ? `:team:${seg(team)}` : ''}`);
  }

  /** A waiting conversation's rank in its team's queue (or the workspace's), 0 = next; undefined when not in it. */
  async waitingRank(workspace: string, id: string, team?: string): Promise<number | undefined> {
    const rank = await this.redis.zrank(`${this.base(workspace)}waiting${team ? `:team:${seg(team)}` : ''}`, id);
    return rank ?? undefined;
  }

  /** The workspace's waiting conversations that name no team: ids and since when. */
  async waitingWithoutTeam(workspace: string): Promise<{ id: string; since: number }[]> {
    const all = sinceWhen(await this.redis.zrange(`${this.base(workspace)}waiting`, 0, -1, 'WITHSCORES'));
    if (!all.length) return [];
    const teams = await this.redis.hmget(`${this.base(workspace)}where`, ...all.map((w) => w.id));
    return all.filter((_, i) => !(teams[i] ?? '').includes('waiting:team:'));
  }

  /** The workspace's conversations waiting since before `before` (ms), longest first: ids and since when. */
  async waitingLongerThan(workspace: string, before: number, limit: number): Promise<{ id: string; since: number }[]> {
    return sinceWhen(await this.redis.zrangebyscore(`${this.base(workspace)}waiting`, '-inf', before, 'WITHSCORES', 'LIMIT', 0, limit));
  }

  /** Ids of a workspace's indexed conversations (for the rebuild). */
  async indexedIds(workspace: string): Promise<string[]> {
    return this.redis.hkeys(this.keys(workspace)[0]);
  }

  /**
   * One page of a view, newest activity first (`waiting`: longest waiting first), after the
   * cursor: the conversation ids, and where the next page starts when there may be one.
   * A channel or team filter reads that view's own set; both together, or either on `mine`, read
   * one set and keep the entries also in the other, looking at no more than {@link scanLimit}
   * entries a request (a page may then come back short, with a cursor to go on).
   */
  async page(query: InboxQuery): Promise<{ ids: string[]; next?: InboxCursor }> {
    const { view, channel, team } = query;
    const base = this.base(query.workspace);
    const sets: string[] = [];
    if (view === 'mine') {
      sets.push(`mine:${seg(query.agent ?? '')}`);
      if (channel) sets.push(`open:ch:${seg(channel)}`);
      if (team) sets.push(`open:team:${seg(team)}`);
    } else {
      sets.push(channel ? `${view}:ch:${seg(channel)}` : team ? `${view}:team:${seg(team)}` : view);
      if (channel && team) sets.push(`${view}:team:${seg(team)}`);
    }
    const reply = await this.redis.sbInboxPage(
      sets.length,
      ...sets.map((s) => base + s),
      view === 'waiting' ? '0' : '1',
      query.limit,
      query.after ? String(query.after.score) : '',
      query.after?.id ?? '',
      scanLimit,
    );
    const [reachedId, reachedScore, ...found] = reply;
    const entries: InboxCursor[] = [];
    for (let i = 0; i < found.length; i += 2) entries.push({ id: found[i]!, score: Number(found[i + 1]) });
    const page = entries.slice(0, query.limit);
    if (entries.length > query.limit) return { ids: page.map((e) => e.id), next: page.at(-1)! };
    // Fewer than asked: the end, or the scan limit, in which case the next page goes on from where it stopped.
    return { ids: page.map((e) => e.id), ...(reachedId ? { next: { id: reachedId, score: Number(reachedScore) } } : {}) };
  }

  /**
   * Indexes a conversation and publishes its summary from what MongoDB holds now: for changes
   * made outside the turns (an agent's action), which read it by `_id` anyway. A conversation no
   * longer there is taken out of the index.
   */
  async refresh(workspace: string, id: unknown): Promise<InboxSummary | undefined> {
    const conversation = await Conversation.findById(id).lean();
    if (!conversation || conversation.workspace !== workspace) {
      await this.remove(workspace, [String(id)]);
      return undefined;
    }
    const contact = await Contact.findById(conversation.contact, { name: 1 }).lean();
    const summary = inboxSummary(conversation, contact?.name);
    await this.update(conversation, summary);
    return summary;
  }
}

/** Privacy contract of the index (see core/privacy/contract.ts). */
export const inboxPrivacy = privacyContract({
  store: { redis: 'inbox:*' },
  purpose: "the console's inbox views: which conversations are open, waiting, closed or an agent's, in order",
  personal: ["conversation ids (and agents' ids in the `mine` sets' names): ids only, no names or texts, which stay in MongoDB"],
  findBy: "the person's conversation ids (members of the sets and fields of `where`)",
  erasure: { action: 'delete' },
  retention: 'conversations',
});
