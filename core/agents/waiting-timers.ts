import type { WorkspaceConfig } from '../config/schema.js';
import { addressOf, findConversation } from '../conversations.js';
import { MailboxBusyError, withMailboxesHeld } from '../queue/hold.js';
import { mailboxKey, type Queues } from '../queue/queues.js';
import { Conversation } from '../store/conversation.js';
import { emailId, queueEmails } from '../email/queue-email.js';
import { Agent } from '../store/agent.js';
import { Email } from '../store/email.js';
import { routedAgents } from './routing.js';
import { outOfTurnId, resumeBot, stillWaiting, storeOutOfTurn } from './takeover.js';

/** Long waits a sweep looks at, oldest first; more are taken up by the next sweeps. */
const perSweep = 100;
/** One sweep at a time per workspace; a sweep takes far less, and one cut short is simply run again. */
const lockMs = 10_000;

/**
 * What happens to a conversation nobody took: after `routing.notifyAfterMinutes` its team's members
 * get an e-mail (once per wait); after `routing.offlineAfterMinutes` with nobody of
 * its team online it takes the offline path (`texts.noAgent`; on the messengers the next message
 * becomes a lead, the widget shows its offline form), and after `routing.botAfterMinutes` it goes
 * back to the bot, which picks up after the handoff. Run by every worker's routing sweep; each
 * change is made under the conversation's mailbox hold and only while it still waits since the
 * same time, so an agent taking it meanwhile wins, and nothing is done twice.
 */
export async function checkLongWaits(
  queues: Queues,
  workspace: WorkspaceConfig,
  now = Date.now(),
): Promise<{ offline: number; toBot: number; notified: number }> {
  const { offlineAfterMinutes, botAfterMinutes } = workspace.routing;
  const notifyAfterMinutes = workspace.email ? workspace.routing.notifyAfterMinutes : undefined;
  const done = { offline: 0, toBot: 0, notified: 0 };
  if (!offlineAfterMinutes && !botAfterMinutes && !notifyAfterMinutes) return done;
  const lock = `${queues.prefix}:assign:${workspace.id}:timers`;
  if ((await queues.connection.set(lock, '1', 'PX', lockMs, 'NX')) !== 'OK') return done;
  try {
    const soonest = Math.min(...[offlineAfterMinutes, botAfterMinutes, notifyAfterMinutes].filter((m): m is number => m !== undefined)) * 60_000;
    const waits = await queues.inbox.waitingLongerThan(workspace.id, now - soonest, perSweep);
    if (!waits.length) return done;
    const online = (await routedAgents(queues, workspace)).filter((a) => a.presence === 'online');
    for (const { id, since } of waits) {
      const waited = now - since;
      try {
        if (notifyAfterMinutes && waited >= notifyAfterMinutes * 60_000) done.notified += await notifyTeam(queues, { workspace, id, since });
        if (botAfterMinutes && waited >= botAfterMinutes * 60_000) {
          if (await resumeBot(queues, { workspace: workspace.id, id, actor: 'routing', waitingSince: new Date(since) })) done.toBot += 1;
        } else if (offlineAfterMinutes && waited >= offlineAfterMinutes * 60_000) {
          if (await nobodyCame(queues, { workspace, id, since: new Date(since), online: online.map((a) => a.teams) })) done.offline += 1;
        }
      } catch (err) {
        if (!(err instanceof MailboxBusyError)) throw err; // a turn holds it: the next sweep tries again
      }
    }
    if (done.toBot) queues.requestAssignment(workspace);
    return done;
  } finally {
    await queues.connection.del(lock);
  }
}

/** The offline path for a conversation whose team has nobody online: said once, and marked, while it still waits since `since`. */
async function nobodyCame(queues: Queues, at: { workspace: WorkspaceConfig; id: string; since: Date; online: string[][] }): Promise<boolean> {
  const conversation = await findConversation(at.workspace.id, at.id);
  if (conversation.offline) return false;
  // A team the config declares has members; any other handoff is anyone's.
  const team = conversation.team && at.workspace.teams.some((t) => t.id === conversation.team) ? conversation.team : undefined;
  if (at.online.some((teams) => !team || teams.includes(team))) return false;
  const address = addressOf(conversation);
  const mailboxes = [{ kind: 'in' as const, key: mailboxKey(address) }];
  return withMailboxesHeld(queues, { workspace: address.workspace, mailboxes, busy: 'the conversation is busy' }, async () => {
    if (!(await stillWaiting(conversation._id, at.since))) return false;
    if ((await Conversation.findById(conversation._id, { offline: 1 }).lean())?.offline) return false;
    await Conversation.updateOne({ _id: conversation._id }, { $set: { offline: 'closed' } });
    await storeOutOfTurn(queues, {
      conversation,
      address,
      id: outOfTurnId(conversation._id, 'no-agent', String(at.since.getTime())),
      sender: 'system',
      text: at.workspace.texts.noAgent,
    });
    await queues.inbox.refresh(address.workspace, conversation._id);
    return true;
  });
}

/** E-mails the members of the conversation's team (every agent, without a declared team) that it waits; once per wait. */
async function notifyTeam(queues: Queues, at: { workspace: WorkspaceConfig; id: string; since: number }): Promise<number> {
  const key = `${at.id}:${at.since}`;
  if (await Email.exists({ _id: emailId(at.workspace.id, 'waiting', `${key}:0`) })) return 0;
  const conversation = await findConversation(at.workspace.id, at.id);
  const team = conversation.team && at.workspace.teams.some((t) => t.id === conversation.team) ? conversation.team : undefined;
  const members = await Agent.find({ workspace: at.workspace.id, disabled: { $ne: true } }, { email: 1, teams: 1 }).lean();
  const to = members.filter((a) => !team || (a.teams ?? []).includes(team)).map((a) => a.email);
  // Key 0 marks the wait as told, whoever else follows.
  await queueEmails(
    queues,
    at.workspace,
    to.map((address, i) => ({ kind: 'waiting' as const, to: address, key: `${key}:${i}`, conversation: conversation._id, contact: conversation.contact })),
  );
  return to.length ? 1 : 0;
}
