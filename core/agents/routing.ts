import type { WorkspaceConfig } from '../config/schema.js';
import type { Queues } from '../queue/queues.js';
import { audit, type Actor } from '../privacy/audit.js';
import { Agent, type AgentRole } from '../store/agent.js';
import { NotFoundError, PayloadError } from '../errors.js';
import type { Presence } from './presence.js';

/** A colleague as the console shows them: who they are to contacts, where they answer and whether they are there. */
export interface RoutedAgent {
  id: string;
  displayName: string;
  role: AgentRole;
  teams: string[];
  /** Most open conversations they hold at once (their own, or the workspace's `routing.capacity`). */
  capacity: number;
  /** Whether `capacity` is their own setting rather than the workspace's default. */
  ownCapacity: boolean;
  /** Open conversations they hold now. */
  open: number;
  presence: Presence;
}

export const idleAfterMs = (workspace: WorkspaceConfig) => workspace.routing.idleAfterMinutes * 60_000;

/** The workspace's active agents with their teams, capacity, load and presence: one MongoDB read and two Redis round trips. */
export async function routedAgents(queues: Queues, workspace: WorkspaceConfig): Promise<RoutedAgent[]> {
  const agents = await Agent.find({ workspace: workspace.id, disabled: { $ne: true } }, { displayName: 1, role: 1, teams: 1, capacity: 1 })
    .sort({ displayName: 1 })
    .lean();
  const ids = agents.map((a) => a._id);
  const [open, presence] = await Promise.all([
    queues.inbox.heldBy(workspace.id, ids),
    queues.presence.of(workspace.id, ids, { idleAfterMs: idleAfterMs(workspace) }),
  ]);
  return agents.map((a) => ({
    id: a._id,
    displayName: a.displayName,
    role: a.role,
    teams: a.teams ?? [],
    capacity: a.capacity ?? workspace.routing.capacity,
    ownCapacity: a.capacity !== undefined && a.capacity !== null,
    open: open.get(a._id) ?? 0,
    presence: presence.get(a._id) ?? 'offline',
  }));
}

/**
 * Sets an agent's teams and/or capacity (`null`: back to the workspace's default). Teams must be
 * declared in the workspace's config, so a typo cannot leave someone in a team no handoff names.
 */
export async function setAgentRouting(at: {
  workspace: WorkspaceConfig;
  agent: string;
  teams?: string[];
  capacity?: number | null;
  actor: Actor;
}): Promise<void> {
  const known = new Set(at.workspace.teams.map((t) => t.id));
  const unknown = (at.teams ?? []).filter((t) => !known.has(t));
  if (unknown.length) {
    const declared = known.size ? [...known].map((t) => `"${t}"`).join(', ') : "none (declare them under the workspace's `teams`)";
    throw new PayloadError(`no team ${unknown.map((t) => `"${t}"`).join(', ')} in workspace "${at.workspace.id}"; its teams: ${declared}`);
  }
  const agent = await Agent.findById(at.agent, { workspace: 1, disabled: 1 }).lean();
  if (!agent || agent.workspace !== at.workspace.id || agent.disabled) throw new NotFoundError(`no agent ${at.agent} in workspace "${at.workspace.id}"`);
  const set = {
    ...(at.teams ? { teams: [...new Set(at.teams)].sort() } : {}),
    ...(typeof at.capacity === 'number' ? { capacity: at.capacity } : {}),
  };
  await Agent.updateOne({ _id: at.agent }, { ...(Object.keys(set).length ? { $set: set } : {}), ...(at.capacity === null ? { $unset: { capacity: 1 } } : {}) });
  await audit({
    workspace: at.workspace.id,
    actor: at.actor,
    action: 'agent.routing_changed',
    target: at.agent,
    details: { ...(at.teams ? { teams: set.teams } : {}), ...(at.capacity !== undefined ? { capacity: at.capacity } : {}) },
  });
}
