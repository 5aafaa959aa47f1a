import type { QueuePlace } from '../adapter.js';
import type { WorkspaceConfig } from '../config/schema.js';
import type { Address } from '../message.js';
import type { Queues } from '../queue/queues.js';
import { Contact } from '../store/contact.js';
import { Conversation } from '../store/conversation.js';
import { contactId } from '../store/ids.js';
import { inWorkspace } from '../store/in-workspace.js';
import { hoursFor, isOpen } from './opening-hours.js';
import { routedAgents } from './routing.js';

/**
 * The place in line of an address's waiting conversation: its rank in its team's waiting set
 * (the order routing hands them out in), or in the workspace's when it names no team. It counts
 * as offline while the team is closed, after the contact was told so, or while no member is
 * online (any agent of the workspace, for a handoff naming no team or one the config does not
 * declare). The conversation is read by `_id`, the place from Redis; presence needs the workspace's agents.
 */
export async function queuePlace(queues: Queues, workspace: WorkspaceConfig, address: Address): Promise<QueuePlace | undefined> {
  const contact = inWorkspace(await Contact.findById(contactId(address), { openConversation: 1, workspace: 1 }).lean(), workspace.id);
  if (!contact?.openConversation) return undefined;
  const conversation = await Conversation.findById(contact.openConversation, { status: 1, team: 1, offline: 1 }).lean();
  if (conversation?.status !== 'waiting') return undefined;
  const team = conversation.team ?? undefined;
  const rank = await queues.inbox.waitingRank(workspace.id, String(conversation._id), team);
  if (rank === undefined) return undefined;
  const hours = hoursFor(workspace, team);
  const closed = Boolean(conversation.offline) || (hours !== undefined && !isOpen(hours, new Date()));
  // A team the config does not declare has no members to ask: anyone of the workspace answers it.
  const members = team && workspace.teams.some((t) => t.id === team) ? team : undefined;
  const someoneThere = !closed && (await routedAgents(queues, workspace)).some((a) => a.presence === 'online' && (!members || a.teams.includes(members)));
  if (!someoneThere) return { position: rank + 1, offline: true };
  const median = await queues.figures.medianWait(workspace.id, team);
  return { position: rank + 1, offline: false, ...(median !== undefined ? { waitMinutes: Math.max(1, Math.ceil(median / 60)) } : {}) };
}
