import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import { addressOf, ConversationActionError, findConversation } from '../conversations.js';
import type { Address } from '../message.js';
import { withMailboxesHeld } from '../queue/hold.js';
import { mailboxKey, type InboundEntry, type OutboundEntry, type Queues } from '../queue/queues.js';
import { Conversation } from '../store/conversation.js';
import { Message } from '../store/message.js';
import { Agent } from '../store/agent.js';
import type { WorkspaceConfig } from '../config/schema.js';
import { recordAction } from './action-log.js';
import { preview } from './inbox-summary.js';
import type { Session } from './sessions.js';

/**
 * Stores a message made outside the turns (an agent's reply, the "joined" line) after everything
 * the conversation has so far, and queues it behind any reply still waiting. The caller holds the
 * conversation's inbound mailbox, so no turn bumps the sequence meanwhile.
 */
export async function storeOutOfTurn(
  queues: Queues,
  at: { conversation: { _id: Types.ObjectId }; address: Address; id: string; sender: 'agent' | 'system'; text: string; senderName?: string },
): Promise<void> {
  const now = new Date();
  const bumped = await Conversation.findByIdAndUpdate(
    at.conversation._id,
    { $inc: { seq: 1 }, $set: { lastMessageAt: now, lastText: preview(at.text), lastSender: at.sender } },
    { returnDocument: 'after' },
  ).lean();
  await Message.create({
    _id: at.id,
    workspace: at.address.workspace,
    conversation: at.conversation._id,
    channel: at.address.channel,
    account: at.address.account,
    user: at.address.user,
    direction: 'out',
    sender: at.sender,
    ...(at.senderName ? { senderName: at.senderName } : {}),
    order: bumped!.seq * 1000,
    text: at.text,
    status: 'queued',
  });
  await queues.staleSnapshot(at.address);
  await queues.queueReplies({ key: mailboxKey(at.address), workspace: at.address.workspace }, [{ address: at.address, id: at.id }]);
}

/** The name contacts see for an agent. */
async function displayName(agent: Session): Promise<string> {
  return (await Agent.findById(agent.agent, { displayName: 1 }).lean())?.displayName ?? 'An agent';
}

export const outOfTurnId = (conversation: Types.ObjectId, kind: string, key: string) =>
  `out_${createHash('sha256')
    .update(`${String(conversation)}\u0000${kind}\u0000${key}`)
    .digest('hex')
    .slice(0, 32)}`;

/**
 * Marks the bot's replies still waiting in a conversation's outbound mailbox `dropped`, with why:
 * the deliverer skips anything no longer `queued`, so they are never sent. People took the
 * conversation (an agent here, or the business from its own device, core/turn/commit.ts); the
 * caller has stored the new status first. Resolves to how many it dropped.
 */
export async function dropUndeliveredBotReplies(queues: Queues, at: { key: string; reason: string }): Promise<number> {
  // By `_id`, the look-up FerretDB answers from an index: the replies waiting are few.
  let count = 0;
  for (const raw of await queues.mailboxes.entries('out', at.key)) {
    const id = (JSON.parse(raw) as OutboundEntry).id;
    const reply = await Message.findById(id, { sender: 1, status: 1 }).lean();
    if (reply?.sender !== 'bot' || reply.status !== 'queued') continue;
    await Message.updateOne({ _id: id, status: 'queued' }, { $set: { status: 'dropped', error: { message: at.reason, at: new Date() } } });
    count++;
  }
  return count;
}

/**
 * An agent takes a conversation: from then on it is theirs and the bot is silent, on every
 * channel, enforced here rather than in a screen. The takeover holds the conversation's inbound
 * mailbox, so a bot turn in flight finishes first (with the deliveries it makes itself) and none
 * starts meanwhile; it stores the new owner, and marks the bot's replies still waiting to go out
 * `dropped` (never sent: the deliverer skips any reply no longer `queued`). Then it waits until no
 * delivery of the conversation is in flight, so when it returns no bot reply can still leave.
 * Later turns see `status: agent` and leave the bot out (core/turn/steps/respond.ts); the bot's
 * idle timers fire into the same silence.
 */
export async function takeConversation(
  queues: Queues,
  at: {
    agent: Session;
    id: string;
    workspace: WorkspaceConfig;
    /** Routing's assignment: only a conversation still waiting is given (a colleague may have taken it meanwhile), recorded as `assigned`. */
    assignment?: boolean;
  },
): Promise<{
  dropped: number;
  /** The "joined" line's message id, unless it was theirs already. */ joined?: string;
  /** An assignment found it no longer waiting. */ skipped?: true;
}> {
  const { workspace } = at;
  const conversation = await findConversation(at.agent.workspace, at.id);
  if (at.assignment && conversation.status !== 'waiting') return { dropped: 0, skipped: true };
  if (conversation.status === 'closed') throw new ConversationActionError(`conversation ${at.id} is closed`);
  if (conversation.status === 'agent' && conversation.assignee === at.agent.agent) return { dropped: 0 }; // theirs already: nothing to say again
  const address = addressOf(conversation);
  const key = mailboxKey(address);
  const busy = 'the conversation is busy; try again';
  const joinedId = outOfTurnId(conversation._id, 'joined', new Types.ObjectId().toHexString());
  const name = await displayName(at.agent);
  const dropped = await withMailboxesHeld(queues, { workspace: address.workspace, mailboxes: [{ kind: 'in', key }], busy }, async () => {
    // Under the hold no turn runs, and every other change holds it too: what is read now stays true until the write.
    if (at.assignment && (await Conversation.findById(conversation._id, { status: 1 }).lean())?.status !== 'waiting') return undefined;
    // Taken from the queue: the wait counts until the first reply (what was read under the hold is still so).
    const waitedSince = conversation.status === 'waiting' ? (conversation.waitingSince ?? new Date()) : undefined;
    await Conversation.updateOne(
      { _id: conversation._id },
      {
        $set: { status: 'agent', assignee: at.agent.agent, assigneeName: name, ...(waitedSince ? { awaitingReplySince: waitedSince } : {}) },
        $unset: { waitingSince: 1 },
      },
    );
    await queues.figures.handled({ workspace: address.workspace, agent: at.agent.agent, conversation: String(conversation._id) });
    await queues.staleSnapshot(address);
    const count = await dropUndeliveredBotReplies(queues, { key, reason: 'an agent took the conversation before it was delivered' });
    // The contact sees who took over, on every channel.
    const joined = workspace.texts.agentJoined.replaceAll('{name}', name);
    await storeOutOfTurn(queues, {
      conversation,
      address,
      id: joinedId,
      sender: 'system',
      text: joined,
    });
    await queues.inbox.refresh(address.workspace, conversation._id);
    return count;
  });
  if (dropped === undefined) return { dropped: 0, skipped: true };
  // A delivery that read a reply before it was marked finishes before the takeover returns.
  const deadline = Date.now() + 15_000;
  while (await queues.mailboxes.held('out', key)) {
    if (Date.now() > deadline) break; // a deliverer this slow is stuck on its platform call; what it reads next is dropped
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await recordAction({
    workspace: address.workspace,
    conversation: conversation._id,
    ...(at.assignment
      ? { kind: 'assigned', actor: 'routing', details: { to: at.agent.agent, dropped } }
      : { kind: 'taken', actor: `agent:${at.agent.agent}`, details: { dropped } }),
  });
  return { dropped, joined: joinedId };
}

/**
 * An agent's reply, in the conversation's order: stored after everything the conversation has so
 * far (its sequence is bumped while no turn runs), then queued behind any reply still waiting.
 * `clientId` makes a retried request store it once. Only the agent who took the conversation
 * may answer it.
 */
export async function agentReply(queues: Queues, at: { agent: Session; id: string; text: string; clientId?: string }): Promise<{ id: string }> {
  const conversation = await findConversation(at.agent.workspace, at.id);
  if (conversation.status !== 'agent' || conversation.assignee !== at.agent.agent) {
    throw new ConversationActionError(
      `take conversation ${at.id} first: it is ${conversation.status === 'agent' ? "another agent's" : `with the ${conversation.status === 'bot' ? 'bot' : conversation.status}`}`,
    );
  }
  const address = addressOf(conversation);
  const id = outOfTurnId(conversation._id, 'agent', at.clientId ?? new Types.ObjectId().toHexString());
  const mailboxes = [{ kind: 'in' as const, key: mailboxKey(address) }];
  return withMailboxesHeld(queues, { workspace: address.workspace, mailboxes, busy: 'the conversation is busy; try again' }, async () => {
    if (await Message.exists({ _id: id })) return { id };
    await storeOutOfTurn(queues, { conversation, address, id, sender: 'agent', text: at.text, senderName: await displayName(at.agent) });
    // The first reply since it was taken from the queue: how long the contact waited for a person.
    // (No projection: FerretDB v1's findAndModify has none.)
    const first = await Conversation.findOneAndUpdate(
      { _id: conversation._id, awaitingReplySince: { $exists: true } },
      { $unset: { awaitingReplySince: 1 } },
    ).lean();
    if (first?.awaitingReplySince) {
      await queues.figures.answered({
        workspace: address.workspace,
        team: first.team,
        conversation: String(conversation._id),
        since: first.awaitingReplySince,
      });
    }
    await queues.inbox.refresh(address.workspace, conversation._id);
    await recordAction({
      workspace: address.workspace,
      conversation: conversation._id,
      kind: 'agent_reply',
      actor: `agent:${at.agent.agent}`,
      details: { message: id },
    });
    return { id };
  });
}

/**
 * Hands a conversation back to the bot to pick up where it handed off: the bot's state is kept,
 * and a `resume` turn is queued in the conversation's order (an entry of its inbound mailbox,
 * as a due idle timer is), so the flow goes on at the handoff node's `next` right away. Written
 * while no turn runs; the conversation gets a new slot after everything said so far.
 */
export async function resumeBot(
  queues: Queues,
  at: {
    workspace: string;
    id: string;
    actor: string;
    /** Routing's fallback: only while the conversation still waits, since this time, for anyone (resolves to false otherwise). */
    waitingSince?: Date;
  },
): Promise<boolean> {
  const conversation = await findConversation(at.workspace, at.id);
  if (conversation.status === 'closed') throw new ConversationActionError(`conversation ${at.id} is closed`);
  if (conversation.status === 'bot') throw new ConversationActionError(`conversation ${at.id} is with the bot already`);
  const address = addressOf(conversation);
  const key = mailboxKey(address);
  return withMailboxesHeld(
    queues,
    { workspace: address.workspace, mailboxes: [{ kind: 'in', key }], busy: 'the conversation is busy; try again' },
    async () => {
      if (at.waitingSince && !(await stillWaiting(conversation._id, at.waitingSince))) return false;
      // Routing gave up on finding someone: a handoff nobody answered.
      if (at.waitingSince) await queues.figures.abandoned({ workspace: address.workspace, team: conversation.team, conversation: String(conversation._id) });
      // A marker of its own, so this resume turn is the current one (an idle timer set before the handoff stays moot).
      const marker = `resume_${new Types.ObjectId().toHexString()}`;
      await Conversation.updateOne(
        { _id: conversation._id },
        {
          $set: { status: 'bot', botInbound: marker },
          $inc: { seq: 1 },
          $unset: { assignee: 1, assigneeName: 1, team: 1, waitingSince: 1, awaitingReplySince: 1 },
        },
      );
      await recordAction({ workspace: address.workspace, conversation: conversation._id, kind: 'handed_back', actor: at.actor, details: { mode: 'resume' } });
      await queues.staleSnapshot(address);
      await queues.inbox.refresh(address.workspace, conversation._id);
      const entry: InboundEntry = { idle: { address, conversation: String(conversation._id), inbound: marker, stage: 'resume' } };
      await queues.mailboxes.push('in', key, [JSON.stringify(entry)]);
      return true;
    },
  );
}

/** Whether the conversation waits for people still, since that time (read under its mailbox's hold, so no turn or agent changes it meanwhile). */
export async function stillWaiting(id: Types.ObjectId, since: Date): Promise<boolean> {
  const now = await Conversation.findById(id, { status: 1, waitingSince: 1 }).lean();
  return now?.status === 'waiting' && now.waitingSince?.getTime() === since.getTime();
}
