import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config, WorkspaceConfig } from '../config/schema.js';
import { emitEvents } from '../pipeline/event-webhook.js';
import { privacyContract } from '../privacy/contract.js';
import { MailboxBusyError } from '../queue/hold.js';
import type { Queues } from '../queue/queues.js';
import { Conversation } from '../store/conversation.js';
import { routedAgents, type RoutedAgent } from './routing.js';
import { hoursFor, isOpen } from './opening-hours.js';
import { takeConversation } from './takeover.js';
import { checkLongWaits } from './waiting-timers.js';

/** A pass holds the workspace's lock this long at most without renewing it (each assignment renews it). */
const lockMs = 30_000;
/** Waiting conversations a pass looks at per team; a longer queue is worked through by the next passes. */
const lookAhead = 200;
/** How often every process checks each workspace with `auto` teams, whatever happened: a pass a crash cut short is taken up again. */
export const sweepEveryMs = 15_000;
/** When each agent was last given a conversation: the tie-break between agents equally loaded. Kept a week after the last. */
const lastAssignedKeepMs = 7 * 24 * 3600 * 1000;

// KEYS: lock. ARGV: token, ms. Extends the lock only while it is still ours.
const renewScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
// KEYS: lock. ARGV: token. Releases it only while it is still ours.
const releaseScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

const keys = (queues: Queues, workspace: string) => {
  const base = `${queues.prefix}:assign:${workspace}`;
  return { lock: `${base}:lock`, again: `${base}:again`, last: `${base}:last` };
};

const autoTeams = (workspace: WorkspaceConfig) => workspace.teams.filter((t) => t.assignment === 'auto').map((t) => t.id);
/** Closed teams' queues wait for opening time (the sweep hands them out then). */
const openNow = (workspace: WorkspaceConfig, team: string) => {
  const hours = hoursFor(workspace, team);
  return !hours || isOpen(hours, new Date());
};

/**
 * Hands waiting conversations of the workspace's `auto` teams to agents who can take them:
 * online, in the conversation's team, below their capacity, and never one who transferred that
 * conversation away; of those, the one with the fewest open conversations, then the one given
 * a conversation longest ago. The longest-waiting conversation goes first.
 *
 * Any process may ask, whenever something changed (a handoff, a close, an agent coming online):
 * one pass at a time runs per workspace, under a Redis lock. A request while a pass runs leaves a
 * flag, and the pass runs again before it lets go, so nothing asked for is missed; what a crash
 * cuts short, the next {@link sweepEveryMs} sweep takes up. Each assignment is a takeover that
 * holds the conversation's mailbox and gives it only while it still waits, so a conversation is
 * never given twice; the lock, renewed before every assignment, keeps two passes from counting
 * the same free capacity.
 */
export async function requestAssignment(queues: Queues, workspace: WorkspaceConfig, logger?: Logger): Promise<number> {
  const teams = autoTeams(workspace);
  if (!teams.length) return 0;
  const redis = queues.connection;
  const k = keys(queues, workspace.id);
  await redis.set(k.again, '1', 'PX', lockMs);
  let assigned = 0;
  for (;;) {
    const token = randomBytes(12).toString('hex');
    if ((await redis.set(k.lock, token, 'PX', lockMs, 'NX')) !== 'OK') return assigned; // the holder runs again for us
    try {
      while (await redis.del(k.again)) assigned += await pass(queues, { workspace, teams, lock: k.lock, token, last: k.last, logger });
    } finally {
      await redis.eval(releaseScript, 1, k.lock, token);
    }
    // Asked for between the last check and the release: nobody else saw the lock free yet, so run again.
    if (!(await redis.exists(k.again))) return assigned;
  }
}

async function pass(
  queues: Queues,
  at: { workspace: WorkspaceConfig; teams: string[]; lock: string; token: string; last: string; logger?: Logger | undefined },
): Promise<number> {
  const { workspace } = at;
  const teams = at.teams.filter((t) => openNow(workspace, t));
  if (!teams.length) return 0;
  const agents = (await routedAgents(queues, workspace)).filter(
    (a) => a.presence === 'online' && a.open < a.capacity && a.teams.some((t) => teams.includes(t)),
  );
  if (!agents.length) return 0;
  const waiting = new Map<string, { since: number; team: string }>();
  for (const team of teams) {
    for (const w of await queues.inbox.waitingFor(workspace.id, team, lookAhead)) if (!waiting.has(w.id)) waiting.set(w.id, { since: w.since, team });
  }
  const lastGiven = new Map<string, number>();
  const scores = await queues.connection.zmscore(at.last, ...agents.map((a) => a.id));
  agents.forEach((a, i) => lastGiven.set(a.id, Number(scores[i] ?? 0)));

  let assigned = 0;
  for (const [id, { team }] of [...waiting].sort((a, b) => a[1].since - b[1].since)) {
    if (!agents.some((a) => a.open < a.capacity)) break;
    const candidates = agents.filter((a) => a.open < a.capacity && a.teams.includes(team));
    if (!candidates.length) continue;
    const passedOn = new Set((await Conversation.findById(id, { passedOn: 1 }).lean())?.passedOn ?? []);
    const agent = pick(
      candidates.filter((a) => !passedOn.has(a.id)),
      lastGiven,
    );
    if (!agent) continue;
    if (!(await queues.connection.eval(renewScript, 1, at.lock, at.token, lockMs))) return assigned; // the lock lapsed: another pass counts now
    if (await give(queues, { workspace, id, agent, logger: at.logger })) {
      agent.open += 1;
      const now = Date.now();
      lastGiven.set(agent.id, now);
      await queues.connection.multi().zadd(at.last, now, agent.id).pexpire(at.last, lastAssignedKeepMs).exec();
      assigned += 1;
    }
  }
  return assigned;
}

/** The fewest open conversations first; equal, the one given a conversation longest ago. */
function pick(candidates: RoutedAgent[], lastGiven: Map<string, number>): RoutedAgent | undefined {
  return [...candidates].sort((a, b) => a.open - b.open || (lastGiven.get(a.id) ?? 0) - (lastGiven.get(b.id) ?? 0))[0];
}

async function give(queues: Queues, at: { workspace: WorkspaceConfig; id: string; agent: RoutedAgent; logger?: Logger | undefined }): Promise<boolean> {
  try {
    const taken = await takeConversation(queues, {
      agent: { agent: at.agent.id, workspace: at.workspace.id, role: at.agent.role },
      id: at.id,
      workspace: at.workspace,
      assignment: true,
    });
    if (taken.skipped) return false;
    await emitEvents(queues, at.workspace, [
      { type: 'conversation.assigned', conversation: at.id, actor: 'routing', key: `routing>${at.agent.id}` },
      ...(taken.joined ? [{ type: 'message.created' as const, conversation: at.id, message: taken.joined }] : []),
    ]);
    return true;
  } catch (err) {
    // A turn kept it past the wait: the next pass tries again.
    if (err instanceof MailboxBusyError) return false;
    at.logger?.warn({ err: (err as Error).message, conversation: at.id }, 'assignment failed');
    return false;
  }
}

/**
 * Every {@link sweepEveryMs}, a routing pass over each workspace (in the background, as any
 * request) and its long waits (core/agents/waiting-timers.ts); returns the stop function.
 */
export function startAssignmentSweep(options: { queues: Queues; config: Config; logger: Logger }): () => void {
  const timer = setInterval(() => {
    for (const w of options.config.workspaces) {
      options.queues.requestAssignment(w);
      void checkLongWaits(options.queues, w).catch((err: unknown) => options.logger.warn({ err: (err as Error).message }, 'long-wait check failed'));
    }
  }, sweepEveryMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Privacy contract (see core/privacy/contract.ts). */
export const assignmentPrivacy = privacyContract({
  store: { redis: 'assign:*' },
  purpose: 'routing: one pass at a time per workspace (a lock and a flag), and when each agent was last given a conversation (the tie-break)',
  personal: ['agent ids and the time each was last given a conversation (`assign:{workspace}:last`)'],
  findBy: 'the agent id (a member of the sorted set)',
  erasure: { action: 'expires', within: '7d' },
  retention: { expires: "7 days after the workspace's last assignment; the lock and flag after 30 s" },
});
