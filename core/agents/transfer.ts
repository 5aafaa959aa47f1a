import { Types } from 'mongoose';
import type { WorkspaceConfig } from '../config/schema.js';
import { addressOf, changeConversation, ConversationActionError, findConversation } from '../conversations.js';
import { ForbiddenError } from '../errors.js';
import { Agent } from '../store/agent.js';
import { Conversation } from '../store/conversation.js';
import { inWorkspace } from '../store/in-workspace.js';
import { recordAction } from './action-log.js';
import type { Session } from './sessions.js';
import { outOfTurnId, storeOutOfTurn } from './takeover.js';
import type { Queues } from '../queue/queues.js';

/** Where a conversation goes: to one agent (theirs at once), or to a team's queue (waiting for one of them). */
export type TransferTarget = { agent: string } | { team: string };

/**
 * Hands a conversation people have to another agent, or back to the waiting queue of a team.
 * The agent who has it may transfer it, and admins and owners any open one. To an agent, it is
 * theirs at once and the contact is told who joined (as at a takeover); to a team, it waits again
 * (its waiting time starts anew) with that team. The bot stays out either way. The event records
 * from whom and to whom, so routing can avoid giving it back to an agent who passed it on.
 */
export async function transferConversation(
  queues: Queues,
  at: { workspace: WorkspaceConfig; id: string; by: Session; to: TransferTarget },
): Promise<{ status: 'agent' | 'waiting'; assignee?: string; team?: string }> {
  const conversation = await findConversation(at.by.workspace, at.id);
  if (conversation.status === 'closed') throw new ConversationActionError(`conversation ${at.id} is closed`);
  if (conversation.status === 'bot') throw new ConversationActionError(`conversation ${at.id} is the bot's: take it, or wait for a handoff`);
  if (at.by.role === 'agent' && conversation.assignee !== at.by.agent)
    throw new ForbiddenError('only the agent who has the conversation (or an admin) may transfer it');
  const actor = `agent:${at.by.agent}`;

  if ('team' in at.to) {
    const team = at.to.team;
    await changeConversation(queues, conversation, async () => {
      await Conversation.updateOne(
        { _id: conversation._id },
        {
          $set: { status: 'waiting', team, waitingSince: new Date() },
          $unset: { assignee: 1, assigneeName: 1 },
          ...(conversation.assignee ? { $addToSet: { passedOn: conversation.assignee } } : {}),
        },
      );
      await recordAction({
        workspace: at.by.workspace,
        conversation: conversation._id,
        kind: 'transferred',
        actor,
        details: { from: conversation.assignee ?? null, team },
      });
    });
    return { status: 'waiting', team };
  }

  const target = inWorkspace(await Agent.findById(at.to.agent, { workspace: 1, displayName: 1, disabled: 1 }).lean(), at.by.workspace);
  if (!target || target.disabled) throw new ConversationActionError('that agent is disabled or not in this workspace', true);
  if (conversation.status === 'agent' && conversation.assignee === target._id) throw new ConversationActionError('the conversation is theirs already');
  await changeConversation(queues, conversation, async () => {
    await Conversation.updateOne(
      { _id: conversation._id },
      {
        $set: { status: 'agent', assignee: target._id, assigneeName: target.displayName },
        $unset: { waitingSince: 1 },
        ...(conversation.assignee ? { $addToSet: { passedOn: conversation.assignee } } : {}),
      },
    );
    await queues.figures.handled({ workspace: at.by.workspace, agent: target._id, conversation: String(conversation._id) });
    await storeOutOfTurn(queues, {
      conversation,
      address: addressOf(conversation),
      id: outOfTurnId(conversation._id, 'joined', new Types.ObjectId().toHexString()),
      sender: 'system',
      text: at.workspace.texts.agentJoined.replaceAll('{name}', target.displayName),
    });
    await recordAction({
      workspace: at.by.workspace,
      conversation: conversation._id,
      kind: 'transferred',
      actor,
      details: { from: conversation.assignee ?? null, to: target._id },
    });
  });
  return { status: 'agent', assignee: target._id };
}
