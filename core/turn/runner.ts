import type { ChannelCapabilities } from '../adapter.js';
import type { Config, WorkspaceConfig } from '../config/schema.js';
import type { InboundMessage } from '../message.js';
import type { IdleJob, Queues } from '../queue/queues.js';
import type { Responder } from '../responder.js';
import { Contact } from '../store/contact.js';
import { Conversation } from '../store/conversation.js';
import { inboundMessageId, replyId } from '../store/ids.js';
import { inWorkspace } from '../store/in-workspace.js';
import { Message } from '../store/message.js';
import { commitTurn } from './commit.js';
import { runSteps } from './compose.js';
import { openConversation, profileOf } from './conversation.js';
import { idleSlot, inboundDocument, insertIgnoringDuplicates, slotsPerTurn } from './documents.js';
import { turnSteps } from './steps.js';
import type { OwnForms, TurnCollection, TurnContext, TurnReply, TurnStep } from './types.js';

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
}

const emptyCollection = (): TurnCollection => ({ replies: [], leads: [], consents: [], typed: {}, timers: [] });

/**
 * Runs turns: builds the context of one inbound message or idle timer, runs it through the
 * steps (`steps.ts`) and commits what they collected (`commit.ts`); resolves to the replies to
 * queue for delivery. Every write is idempotent
 * (deterministic ids, upserts), so running a turn again after a crash or for a duplicate
 * delivery stores nothing twice and sends no second reply.
 *
 * @example
 * const turns = new TurnRunner({ config, queues, responder: new AutoReplyResponder(), channels });
 * await turns.message(inbound); // called by the inbound shard workers, one message at a time per shard
 */
export class TurnRunner {
  private readonly workspaces: Map<string, WorkspaceConfig>;
  private readonly steps: TurnStep[];

  constructor(private readonly options: TurnRunnerOptions) {
    this.workspaces = new Map(options.config.workspaces.map((w) => [w.id, w]));
    this.steps = options.steps ?? turnSteps({ responder: options.responder, ownForms: (channel) => options.channels.ownForms(channel) });
  }

  /** One inbound message's turn. */
  async message(inbound: InboundMessage): Promise<TurnReply[]> {
    const { address } = inbound;
    const workspace = this.workspace(address.workspace);
    const id = inboundMessageId({ ...address, platformId: inbound.platformId });
    const existing = await Message.findById(id, { status: 1, replies: 1, order: 1, workspace: 1 }).lean();
    if (existing && existing.workspace !== address.workspace) throw new Error(`message id ${id} belongs to another workspace`);
    if (existing?.status === 'processed') {
      // A duplicate, or a retry after a crash past the commit's message write: make sure its
      // replies are queued (delivery skips any already sent).
      const cause = { inReplyTo: inbound.platformId, receivedAt: inbound.receivedAt };
      return Array.from({ length: existing.replies ?? 0 }, (_, i) => ({ ref: { address, id: replyId(id, i), ...cause } }));
    }
    const { conversation, contact } = await openConversation(inbound);
    const order = existing?.order ?? conversation.seq * slotsPerTurn;
    const turn: TurnContext = {
      id,
      address,
      workspace,
      conversation,
      contact,
      capabilities: this.options.channels.capabilities(address.channel, address.account),
      inbound,
      replyOrder: order + 1,
      collected: emptyCollection(),
    };
    await runSteps(this.steps, turn);
    return commitTurn(turn, { queues: this.options.queues, inboundStored: existing !== null });
  }

  /**
   * A timer a message turn set has fired. Moot unless the contact has said nothing since (the
   * bot's last message turn is still the one that set it) and the bot still has the
   * conversation; a retry of an idle turn whose state was stored goes on regardless.
   */
  async idle(job: IdleJob): Promise<TurnReply[]> {
    const { address } = job;
    const workspace = this.workspaces.get(address.workspace);
    if (!workspace) return [];
    const conversation = inWorkspace(await Conversation.findById(job.conversation).lean(), address.workspace);
    if (!conversation) return [];
    const id = `${job.inbound}:${job.stage}`;
    const current = conversation.status === 'bot' && conversation.botInbound === job.inbound;
    if (!current && conversation.botTurn !== id) return [];
    const contact = await Contact.findById(conversation.contact, { name: 1, locale: 1, stopped: 1, noticeVersion: 1 }).lean();
    const turn: TurnContext = {
      id,
      address,
      workspace,
      conversation,
      contact: {
        id: conversation.contact,
        profile: profileOf(contact),
        stopped: contact?.stopped === true,
        ...(contact?.noticeVersion ? { noticeVersion: contact.noticeVersion } : {}),
      },
      capabilities: this.options.channels.capabilities(address.channel, address.account),
      idle: job.stage,
      replyOrder: conversation.seq * slotsPerTurn + idleSlot[job.stage],
      collected: emptyCollection(),
    };
    await runSteps(this.steps, turn);
    return commitTurn(turn, { queues: this.options.queues });
  }

  /**
   * Stores a message the turns gave up on, with the reason, so it is not lost and an operator
   * or agent can see it; a redelivery runs its turn again.
   */
  async recordFailure(inbound: InboundMessage, err: Error): Promise<void> {
    const id = inboundMessageId({ ...inbound.address, platformId: inbound.platformId });
    const { conversation } = await openConversation(inbound);
    await insertIgnoringDuplicates([
      {
        ...inboundDocument({ id, inbound, conversation: conversation._id, order: conversation.seq * slotsPerTurn }),
        status: 'failed',
        error: { message: err.message, at: new Date() },
      },
    ]);
  }

  private workspace(id: string): WorkspaceConfig {
    const workspace = this.workspaces.get(id);
    if (!workspace) throw new Error(`unknown workspace "${id}"`);
    return workspace;
  }
}
