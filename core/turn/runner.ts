import type { ChannelCapabilities } from '../adapter.js';
import { afterInbound, inboxSummary } from '../agents/inbox-summary.js';
import type { Config, WorkspaceConfig } from '../config/schema.js';
import type { InboundMessage } from '../message.js';
import type { IdleJob, Queues } from '../queue/queues.js';
import type { Responder } from '../responder.js';
import { Contact } from '../store/contact.js';
import { Conversation } from '../store/conversation.js';
import { inboundMessageId, replyId } from '../store/ids.js';
import { inWorkspace } from '../store/in-workspace.js';
import { Message } from '../store/message.js';
import { persistently } from '../store/persistently.js';
import { commitTurn, turnReplies } from './commit.js';
import type { DatabaseGate } from './database-gate.js';
import { runSteps } from './compose.js';
import { messageTimes, openConversation, profileOf } from './conversation.js';
import { idleSlot, inboundDocument, insertIgnoringDuplicates, slotsPerTurn } from './documents.js';
import { decodeRecent, decodeSnapshot, snapshotAfter } from './snapshot.js';
import type { Snapshot, SnapshotUpdate } from '../queue/mailbox.js';
import { turnSteps } from './steps.js';
import type { DeliverFirst, OwnForms, TurnCollection, TurnContact, TurnContext, TurnReply, TurnStep } from './types.js';

/** What the turns need to know of the channels loaded in this process. */
export interface TurnChannels {
  /** A channel account's capabilities (does its client show the privacy notice itself?). */
  capabilities(channel: string, account: string): ChannelCapabilities | undefined;
  /** The forms the channel's own client shows, by form id. */
  ownForms(channel: string): OwnForms | undefined;
}

export interface TurnRunnerOptions {
  config: Config;
  queues: Queues;
  responder: Responder;
  channels: TurnChannels;
  /** The turn's steps; default {@link turnSteps}. */
  steps?: TurnStep[];
  /** Lines up each workspace's database work when several share the process (see database-gate.ts); none: it all goes at once. */
  databaseGate?: DatabaseGate;
}

const emptyCollection = (): TurnCollection => ({ replies: [], leads: [], transcripts: [], consents: [], typed: {}, timers: [] });

/** A conversation's snapshot and recent ids as the mailbox gave them with the entry (see snapshot.ts). */
export type TurnSnapshot = Pick<Snapshot, 'value' | 'recent'>;

/**
 * What a turn came to: the replies it delivered itself (stored with their outcome), the replies
 * still to deliver through the outbound mailbox (after `retryInMs`, when the first of them must
 * wait), and what to leave for the conversation's next turn (undefined: leave it as it was).
 */
export interface TurnResult {
  replies: TurnReply[];
  delivered?: TurnReply[];
  retryInMs?: number;
  snapshot?: SnapshotUpdate;
}

/** How the caller wants a turn run. */
export interface TurnRunOptions {
  /** Send the replies before storing the turn (see core/pipeline/first-delivery.ts): given only when nothing of the conversation waits to be delivered. */
  deliverFirst?: DeliverFirst;
}

/** True when the platform's profile would fill in what the contact lacks (a write the snapshot's path does not make). */
function fillsProfile(contact: TurnContact, profile: InboundMessage['profile']): boolean {
  return Boolean((profile?.name && !contact.profile.name) || (profile?.locale && !contact.profile.locale));
}

/**
 * Runs turns: builds the context of one inbound message or idle timer, runs it through the
 * steps (`steps.ts`) and commits what they collected (`commit.ts`); resolves to the replies to
 * queue for delivery. Every write is idempotent
 * (deterministic ids, upserts), so running a turn again after a crash or for a duplicate
 * delivery stores nothing twice and sends no second reply.
 *
 * @example
 * const turns = new TurnRunner({ config, queues, responder: new AutoReplyResponder(), channels });
 * await turns.message(inbound, snapshot); // by the worker holding the conversation's inbound mailbox, one entry at a time
 */
export class TurnRunner {
  private readonly workspaces: Map<string, WorkspaceConfig>;
  private readonly steps: TurnStep[];

  constructor(private readonly options: TurnRunnerOptions) {
    this.workspaces = new Map(options.config.workspaces.map((w) => [w.id, w]));
    this.steps =
      options.steps ??
      turnSteps({
        responder: options.responder,
        ownForms: (channel) => options.channels.ownForms(channel),
        inLine: (workspace, team) => options.queues.inbox.waitingCount(workspace, team),
      });
  }

  /**
   * One inbound message's turn. With the conversation's fresh snapshot, and the message not among
   * those lately answered, the turn reads nothing: it takes the contact and conversation from the
   * snapshot and stores the conversation's new sequence with the rest. Otherwise it reads MongoDB.
   */
  async message(inbound: InboundMessage, snapshot: TurnSnapshot = {}, run: TurnRunOptions = {}): Promise<TurnResult> {
    const { address } = inbound;
    const workspace = this.workspace(address.workspace);
    const id = inboundMessageId({ ...address, platformId: inbound.platformId });
    const recent = decodeRecent(snapshot.recent);
    const known = recent.includes(id) ? undefined : decodeSnapshot(snapshot.value);
    if (known && known.conversation.workspace === address.workspace && !fillsProfile(known.contact, inbound.profile)) {
      const conversation = { ...known.conversation, seq: known.conversation.seq + 1, ...messageTimes(inbound), ...afterInbound(known.conversation, inbound) };
      const turn = this.context({ id, address, inbound, workspace, conversation, contact: known.contact, replyOrder: conversation.seq * slotsPerTurn + 1 });
      await runSteps(this.steps, turn);
      const result = await this.commit(turn, { sequence: true }, run);
      return { ...result, snapshot: snapshotAfter(turn, recent) };
    }

    const { existing, opened } = await this.gated(address.workspace, async () => {
      const existing = await Message.findById(id, { status: 1, replies: 1, order: 1, workspace: 1 }).lean();
      return { existing, opened: existing?.status === 'processed' ? undefined : await openConversation(inbound) };
    });
    if (existing && existing.workspace !== address.workspace) throw new Error(`message id ${id} belongs to another workspace`);
    if (!opened) {
      // A duplicate, or a retry after a crash past the commit's message write: make sure its
      // replies are queued (delivery skips any already sent).
      const cause = { inReplyTo: inbound.platformId, receivedAt: inbound.receivedAt };
      return { replies: Array.from({ length: existing?.replies ?? 0 }, (_, i) => ({ ref: { address, id: replyId(id, i), ...cause } })) };
    }
    const { conversation, contact } = opened;
    const turn = this.context({ id, address, inbound, workspace, conversation, contact, replyOrder: (existing?.order ?? conversation.seq * slotsPerTurn) + 1 });
    await runSteps(this.steps, turn);
    const result = await this.commit(turn, { inboundStored: existing !== null }, run);
    return { ...result, snapshot: snapshotAfter(turn, recent) };
  }

  /**
   * A timer a message turn set has fired. Moot unless the contact has said nothing since (the
   * bot's last message turn is still the one that set it) and the bot still has the
   * conversation; a retry of an idle turn whose state was stored goes on regardless.
   */
  async idle(job: IdleJob, snapshot: TurnSnapshot = {}, run: TurnRunOptions = {}): Promise<TurnResult> {
    const { address } = job;
    const workspace = this.workspaces.get(address.workspace);
    if (!workspace) return { replies: [] };
    // The snapshot is of the open conversation; a timer of an older one reads its own.
    const known = decodeSnapshot(snapshot.value);
    const fromSnapshot = known && String(known.conversation._id) === job.conversation && known.conversation.workspace === address.workspace;
    const conversation = fromSnapshot ? known.conversation : inWorkspace(await Conversation.findById(job.conversation).lean(), address.workspace);
    if (!conversation) return { replies: [] };
    const id = `${job.inbound}:${job.stage}`;
    const current = conversation.status === 'bot' && conversation.botInbound === job.inbound;
    if (!current && conversation.botTurn !== id) return { replies: [] };
    const contact = fromSnapshot ? known.contact : await this.contactOf(conversation.contact);
    const turn = this.context({
      id,
      address,
      workspace,
      conversation,
      contact,
      idle: job.stage,
      replyOrder: conversation.seq * slotsPerTurn + idleSlot[job.stage],
    });
    await runSteps(this.steps, turn);
    const result = await this.commit(turn, {}, run);
    // Only the open conversation's snapshot is kept; an older one's turn leaves it as it was.
    return fromSnapshot ? { ...result, snapshot: snapshotAfter(turn, decodeRecent(snapshot.recent)) } : result;
  }

  private async contactOf(id: string): Promise<TurnContact> {
    const contact = await Contact.findById(id, { name: 1, locale: 1, stopped: 1, noticeVersion: 1 }).lean();
    return {
      id,
      profile: profileOf(contact),
      stopped: contact?.stopped === true,
      ...(contact?.noticeVersion ? { noticeVersion: contact.noticeVersion } : {}),
    };
  }

  private gated<T>(workspace: string, work: () => Promise<T>): Promise<T> {
    return this.options.databaseGate ? this.options.databaseGate(workspace, work) : work();
  }

  /**
   * Stores the turn, with its replies' first delivery attempts when the caller makes them first:
   * a reply the platform accepted must be recorded, so that store write is retried persistently
   * rather than the turn (which would send it again).
   */
  private async commit(
    turn: TurnContext,
    options: { sequence?: boolean; inboundStored?: boolean },
    run: TurnRunOptions,
  ): Promise<Omit<TurnResult, 'snapshot'>> {
    const replies = turnReplies(turn);
    const conversationStatus = turn.collected.status ?? turn.conversation.status;
    const attempts = run.deliverFirst && replies.length ? await run.deliverFirst(replies, { conversationStatus }) : [];
    attempts.forEach((attempt, i) => Object.assign(replies[i]!.stored!, attempt.fields));
    const write = () => commitTurn(turn, { queues: this.options.queues, replies, ...options });
    await this.gated(turn.address.workspace, attempts.length ? () => persistently(write) : write);
    const settled = attempts.filter((a) => a.retryInMs === undefined).length;
    const retryInMs = attempts[settled]?.retryInMs;
    return {
      replies: replies.slice(settled),
      ...(settled ? { delivered: replies.slice(0, settled) } : {}),
      ...(retryInMs !== undefined ? { retryInMs } : {}),
    };
  }

  private context(at: Omit<TurnContext, 'capabilities' | 'collected'>): TurnContext {
    return { ...at, capabilities: this.options.channels.capabilities(at.address.channel, at.address.account), collected: emptyCollection() };
  }

  /**
   * Stores a message the turns gave up on, with the reason, so it is not lost and an operator
   * or agent can see it; a redelivery runs its turn again.
   */
  async recordFailure(inbound: InboundMessage, err: Error): Promise<void> {
    const id = inboundMessageId({ ...inbound.address, platformId: inbound.platformId });
    const { conversation, contact } = await openConversation(inbound);
    await insertIgnoringDuplicates([
      {
        ...inboundDocument({ id, inbound, conversation: conversation._id, order: conversation.seq * slotsPerTurn }),
        status: 'failed',
        error: { message: err.message, at: new Date() },
      },
    ]);
    // Still the contact's message: agents see it in the inbox.
    await this.options.queues.inbox.update(conversation, inboxSummary(conversation, contact.profile.name));
  }

  private workspace(id: string): WorkspaceConfig {
    const workspace = this.workspaces.get(id);
    if (!workspace) throw new Error(`unknown workspace "${id}"`);
    return workspace;
  }
}
