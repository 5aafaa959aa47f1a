import type { Redis } from 'ioredis';
import { consoleChannel } from '../console/channel.js';
import { privacyContract } from '../privacy/contract.js';

export const presences = ['online', 'away', 'offline'] as const;
export type Presence = (typeof presences)[number];

/** A console sends a heartbeat this often; one missed twice over (plus slack) means the agent left. */
export const heartbeatEveryMs = 20_000;
/** Without a heartbeat for this long an agent is `offline`: their console closed, or their laptop did. */
export const presenceWindowMs = 60_000;
/** An agent's entry outlives their last heartbeat by this much, so agents who never come back leave nothing behind. */
const keepMs = 7 * 24 * 3600 * 1000;

/** What is kept per agent: their own choice and the last time any of their consoles beat and saw them at work. */
interface Beat {
  /** What the agent chose with the console's toggle. */
  chosen: Presence;
  /** Last heartbeat of any of their consoles (ms). */
  beatAt: number;
  /** Last heartbeat that saw keyboard or pointer use since the one before (ms). */
  activeAt: number;
}

/**
 * Agents' presence, one Redis key per agent holding their {@link Beat}. The console beats
 * every {@link heartbeatEveryMs} while open, saying whether the agent used it meanwhile; presence
 * is worked out when read, so a console that vanished turns `offline` without anyone writing:
 * - `offline`: chosen, or no heartbeat for {@link presenceWindowMs};
 * - `away`: chosen, or no use of any of their consoles for the workspace's `routing.idleAfterMinutes`;
 * - `online` otherwise.
 *
 * A change an agent makes (the toggle, coming back from idle, a first heartbeat) is published to
 * the workspace's consoles at once; a lapse into `offline` shows when consoles next read the list.
 */
export class AgentPresence {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  key(workspace: string, agent: string): string {
    return `${this.prefix}:presence:${workspace}:${agent}`;
  }

  /** A console's heartbeat (`active`: the agent used it since the last one) or toggle (`chosen`); resolves to their presence after it, and whether that changed. */
  async beat(at: {
    workspace: string;
    agent: string;
    idleAfterMs: number;
    active?: boolean;
    chosen?: Presence;
    now?: number;
  }): Promise<{ presence: Presence; changed: boolean }> {
    const now = at.now ?? Date.now();
    const key = this.key(at.workspace, at.agent);
    const before = parse(await this.redis.get(key));
    const next: Beat = {
      chosen: at.chosen ?? before?.chosen ?? 'online',
      beatAt: now,
      // A first heartbeat or a toggle is the agent at work.
      activeAt: at.active || at.chosen || !before ? now : before.activeAt,
    };
    await this.redis.set(key, JSON.stringify(next), 'PX', keepMs);
    const presence = presenceOf(next, { now, idleAfterMs: at.idleAfterMs });
    const previous = before ? presenceOf(before, { now, idleAfterMs: at.idleAfterMs }) : 'offline';
    const changed = presence !== previous;
    if (changed) await this.redis.publish(consoleChannel(this.prefix, at.workspace), JSON.stringify({ t: 'presence', agent: at.agent, presence }));
    return { presence, changed };
  }

  /** These agents' presence, in one round trip (agents never seen, or gone for a week, are `offline`). */
  async of(workspace: string, agents: readonly string[], options: { idleAfterMs: number; now?: number }): Promise<Map<string, Presence>> {
    const now = options.now ?? Date.now();
    const raw = agents.length ? await this.redis.mget(agents.map((agent) => this.key(workspace, agent))) : [];
    const beats = raw.map(parse);
    return new Map(agents.map((agent, i) => [agent, beats[i] ? presenceOf(beats[i], { now, idleAfterMs: options.idleAfterMs }) : 'offline']));
  }
}

export function presenceOf(beat: Beat, at: { now: number; idleAfterMs: number }): Presence {
  if (beat.chosen === 'offline' || at.now - beat.beatAt > presenceWindowMs) return 'offline';
  if (beat.chosen === 'away' || at.now - beat.activeAt > at.idleAfterMs) return 'away';
  return 'online';
}

function parse(raw: string | null | undefined): Beat | undefined {
  if (!raw) return undefined;
  try {
    const beat = JSON.parse(raw) as Beat;
    return presences.includes(beat.chosen) && typeof beat.beatAt === 'number' && typeof beat.activeAt === 'number' ? beat : undefined;
  } catch {
    return undefined;
  }
}

/** Privacy contract (see core/privacy/contract.ts). */
export const presencePrivacy = privacyContract({
  store: { redis: 'presence:*' },
  purpose: 'which agents are online, away or offline, to route conversations to people who are there',
  personal: ['agent id', 'time of the last heartbeat', 'time the console was last used'],
  findBy: 'the key: presence:{workspace}:{agent id}',
  erasure: { action: 'expires', within: '7d' },
  retention: { expires: "7 days after the agent's last heartbeat; each heartbeat overwrites the one before, so no history is kept" },
});
