import type { Redis } from 'ioredis';
import type { WorkspaceConfig } from '../config/schema.js';
import { privacyContract } from '../privacy/contract.js';
import type { Queues } from '../queue/queues.js';
import type { RoutedAgent } from './routing.js';

/** The figures cover this much of the past; older entries are trimmed as new ones come. */
export const figuresWindowMs = 7 * 24 * 3600 * 1000;
/** The team of a handoff that named none. */
const noTeam = '-';

/**
 * Handoff figures, per workspace and team, kept in Redis so every hub process adds to and reads
 * the same: sorted sets scored by when it happened, trimmed to {@link figuresWindowMs}.
 *
 *   {prefix}:figures:{ws}:reply:{team}       "<conversation>:<ms from handoff to the first agent reply>"
 *   {prefix}:figures:{ws}:abandoned:{team}   conversation ids: handed off, and ended before any agent answered
 *   {prefix}:figures:{ws}:handled            "<agent>:<conversation>": who took (or was given) which
 *
 * Queue length and the oldest wait come from the inbox index's waiting sets, load per agent from
 * their `mine` sets: nothing is counted twice.
 */
export class HandoffFigures {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(workspace: string, ...parts: string[]): string {
    return [`${this.prefix}:figures:${workspace}`, ...parts].join(':');
  }

  private async add(key: string, member: string, at: number): Promise<void> {
    await this.redis
      .multi()
      .zadd(key, at, member)
      .zremrangebyscore(key, '-inf', at - figuresWindowMs)
      .pexpire(key, figuresWindowMs)
      .exec();
  }

  /** An agent's first reply after a handoff (at `since`). */
  async answered(at: { workspace: string; team?: string | null; conversation: string; since: Date; now?: number }): Promise<void> {
    const now = at.now ?? Date.now();
    await this.add(this.key(at.workspace, 'reply', at.team ?? noTeam), `${at.conversation}:${Math.max(0, now - at.since.getTime())}`, now);
  }

  /** A handed-off conversation ended (closed, or back to the bot) before any agent answered. */
  async abandoned(at: { workspace: string; team?: string | null; conversation: string; now?: number }): Promise<void> {
    await this.add(this.key(at.workspace, 'abandoned', at.team ?? noTeam), at.conversation, at.now ?? Date.now());
  }

  /** An agent took, or was given, a conversation. */
  async handled(at: { workspace: string; agent: string; conversation: string; now?: number }): Promise<void> {
    await this.add(this.key(at.workspace, 'handled'), `${at.agent}:${at.conversation}`, at.now ?? Date.now());
  }

  /** The median wait for a first reply of the team's handoffs (seconds), from 3 of them on; undefined with fewer. */
  async medianWait(workspace: string, team: string | undefined, now = Date.now()): Promise<number | undefined> {
    const replies = await this.redis.zrangebyscore(this.key(workspace, 'reply', team ?? noTeam), now - figuresWindowMs, '+inf');
    if (replies.length < 3) return undefined;
    return percentile(
      replies.map((r) => Number(r.slice(r.lastIndexOf(':') + 1))).sort((a, b) => a - b),
      0.5,
    );
  }

  /** The window's figures for the workspace: per team (declared ones, and `-` for handoffs naming none) and per agent. */
  async read(queues: Queues, workspace: WorkspaceConfig, agents: readonly RoutedAgent[], now = Date.now()): Promise<Figures> {
    const since = now - figuresWindowMs;
    const teams = [...workspace.teams.map((t) => t.id), noTeam];
    const teamFigures = await Promise.all(
      teams.map(async (team) => {
        const [replies, abandoned, queue] = await Promise.all([
          this.redis.zrangebyscore(this.key(workspace.id, 'reply', team), since, '+inf'),
          this.redis.zcount(this.key(workspace.id, 'abandoned', team), since, '+inf'),
          team === noTeam ? queues.inbox.waitingWithoutTeam(workspace.id) : queues.inbox.waitingFor(workspace.id, team, 1_000_000),
        ]);
        const waits = replies.map((r) => Number(r.slice(r.lastIndexOf(':') + 1))).sort((a, b) => a - b);
        const oldest = queue.length ? Math.min(...queue.map((q) => q.since)) : undefined;
        return {
          team,
          name: team === noTeam ? 'No team' : (workspace.teams.find((t) => t.id === team)?.name ?? team),
          firstReply: { count: waits.length, p50Seconds: percentile(waits, 0.5), p95Seconds: percentile(waits, 0.95) },
          abandoned,
          queue: { length: queue.length, ...(oldest !== undefined ? { oldestWaitSeconds: Math.round((now - oldest) / 1000) } : {}) },
        };
      }),
    );
    const handled = new Map<string, number>();
    for (const member of await this.redis.zrangebyscore(this.key(workspace.id, 'handled'), since, '+inf')) {
      const agent = member.slice(0, member.indexOf(':'));
      handled.set(agent, (handled.get(agent) ?? 0) + 1);
    }
    return {
      windowDays: figuresWindowMs / (24 * 3600 * 1000),
      teams: teamFigures.filter((t) => t.team !== noTeam || t.firstReply.count || t.abandoned || t.queue.length),
      agents: agents.map((a) => ({ id: a.id, displayName: a.displayName, handled: handled.get(a.id) ?? 0, open: a.open })),
    };
  }
}

export interface Figures {
  windowDays: number;
  teams: {
    team: string;
    /** The team's name as configured (its id without one). */
    name: string;
    firstReply: { count: number; p50Seconds?: number | undefined; p95Seconds?: number | undefined };
    abandoned: number;
    queue: { length: number; oldestWaitSeconds?: number };
  }[];
  agents: { id: string; displayName: string; handled: number; open: number }[];
}

/** The nearest-rank percentile of sorted milliseconds, in whole seconds; undefined when there are none. */
function percentile(sortedMs: readonly number[], p: number): number | undefined {
  if (!sortedMs.length) return undefined;
  return Math.round(sortedMs[Math.min(sortedMs.length - 1, Math.ceil(p * sortedMs.length) - 1)]! / 1000);
}

/** Privacy contract (see core/privacy/contract.ts). */
export const figuresPrivacy = privacyContract({
  store: { redis: 'figures:*' },
  purpose: 'handoff figures: time to the first agent reply, abandoned handoffs and conversations per agent, over the last 7 days',
  personal: ['conversation ids and agent ids, with when (no names, no texts)'],
  findBy: 'the conversation or agent id inside the members',
  erasure: { action: 'expires', within: '7d' },
  retention: { expires: '7 days: every write trims what is older, and a set nobody writes to expires' },
});
