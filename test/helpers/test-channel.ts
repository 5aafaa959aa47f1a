import { Redis } from 'ioredis';
import type { ChannelCapabilities } from '../../core/adapter.js';
import type { Address, InboundContent, InboundMessage } from '../../core/message.js';
import { Queues, type IdleJob, type WakeJob } from '../../core/queue/queues.js';
import type { Responder } from '../../core/responder.js';
import { connectStore, disconnectStore } from '../../core/store/connect.js';
import { Contact } from '../../core/store/contact.js';
import { ConsentEvent } from '../../core/store/consent.js';
import { Conversation } from '../../core/store/conversation.js';
import { contactId } from '../../core/store/ids.js';
import { Message } from '../../core/store/message.js';
import { TurnRunner, type TurnResult, type TurnSnapshot } from '../../core/turn/runner.js';
import type { OwnForms, TurnReply } from '../../core/turn/types.js';
import { cleanup, testEnv, type TestEnv } from './hub.js';

/** A reply as the test reads it back: stored, and queued for delivery. */
export interface TestReply {
  id: string;
  text: string;
  sender: string;
  order: number;
  choices?: { id: string; label: string }[];
}

export interface TestChannelOptions {
  responder: Responder;
  /** The channel's capabilities; defaults: plain text, no notice of its own. */
  capabilities?: Partial<ChannelCapabilities>;
  /** The forms the channel's own client shows (as a channel definition supplies them). */
  ownForms?: OwnForms;
  /** The workspace's `privacy` block. */
  privacy?: Record<string, unknown>;
  /** The workspace's CRM webhook (leads are then queued for it). */
  crm?: { webhookUrl: string; secret: string };
}

const channel = 'test';
const account = 'test-account';
const workspace = 'shop';

/**
 * An in-process channel for turn-level tests, in the spirit of botbuilder's TestAdapter: no
 * HTTP and no queue workers, but the real turn runner on the real Redis and MongoDB-wire server.
 * `send('hi')` runs that message's turn and returns the replies it stored for delivery;
 * `idle('remind')` fires the idle timer the last turn set.
 *
 * @example
 * const chat = await testChannel({ responder: new AutoReplyResponder() });
 * expect(await chat.send('hi')).toMatchObject([{ text: 'auto-reply from shop' }]);
 */
export async function testChannel(options: TestChannelOptions) {
  const env: TestEnv = testEnv({
    accounts: [],
    channels: { [workspace]: {} },
    ...(options.privacy ? { privacy: { [workspace]: options.privacy } } : {}),
    ...(options.crm ? { crm: { [workspace]: options.crm } } : {}),
  });
  await connectStore(env.mongoUri);
  const redis = new Redis(env.redisUrl, { maxRetriesPerRequest: null });
  const queues = new Queues({ connection: redis, prefix: env.prefix, outboundAttempts: env.config.pipeline.outboundAttempts });
  const capabilities: ChannelCapabilities = {
    maxTextLength: 4096,
    maxChoices: 0,
    maxChoiceLabelLength: 20,
    forms: false,
    typing: false,
    media: false,
    ...options.capabilities,
  };
  const turns = new TurnRunner({
    config: env.config,
    queues,
    responder: options.responder,
    channels: { capabilities: (c) => (c === channel ? capabilities : undefined), ownForms: (c) => (c === channel ? options.ownForms : undefined) },
  });
  let counter = 0;
  // Each user's conversation snapshot, kept between turns as the inbound worker keeps it in Redis,
  // so turns after the first take the path that reads nothing (see core/turn/snapshot.ts).
  const snapshots = new Map<string, TurnSnapshot>();
  const keep = (user: string, result: TurnResult): TurnReply[] => {
    if (result.snapshot) {
      const { value, recent } = result.snapshot;
      const before = snapshots.get(user) ?? {};
      snapshots.set(user, { ...(value !== null ? { value } : {}), ...((recent ?? before.recent) ? { recent: recent ?? before.recent } : {}) });
    }
    return result.replies;
  };

  const address = (user: string): Address => ({ workspace, channel, account, user });

  /** The replies a turn stored and gave back for delivery, read back from MongoDB in conversation order. */
  async function stored(replies: TurnReply[]): Promise<TestReply[]> {
    const docs = await Message.find({ _id: { $in: replies.map((r) => r.ref.id) } }).lean();
    return docs
      .sort((a, b) => a.order - b.order)
      .map((m) => ({
        id: m._id,
        text: m.text ?? '',
        sender: m.sender,
        order: m.order,
        ...(m.choices?.length ? { choices: m.choices.map((c) => ({ id: c.id, label: c.label })) } : {}),
      }));
  }

  return {
    env,
    turns,
    address,
    /** The message the next `send` will carry (its platform id is unique per call unless given). */
    inbound(content: string | InboundContent, from: { user?: string; platformId?: string } = {}): InboundMessage {
      return {
        platformId: from.platformId ?? `m${++counter}`,
        address: address(from.user ?? 'alice'),
        content: typeof content === 'string' ? { type: 'text', text: content } : content,
        receivedAt: new Date().toISOString(),
      };
    },
    /** Runs the turn of one message from `user` (default `alice`); resolves to the replies it queued. */
    async send(content: string | InboundContent | InboundMessage, from: { user?: string; platformId?: string } = {}): Promise<TestReply[]> {
      const message = typeof content === 'object' && 'address' in content ? content : this.inbound(content, from);
      const user = message.address.user;
      return stored(keep(user, await turns.message(message, snapshots.get(user))));
    },
    /** Fires the user's pending idle timer of this stage (as the inbound worker would); resolves to its replies. */
    async idle(stage: IdleJob['stage'], user = 'alice'): Promise<TestReply[]> {
      const job = await this.timer(stage, user);
      if (!job) throw new Error(`no ${stage} timer is set for ${user}`);
      return stored(keep(user, await turns.idle(job, snapshots.get(user))));
    },
    /** The user's pending idle timer of this stage, if a turn set one. */
    async timer(stage: IdleJob['stage'], user = 'alice'): Promise<IdleJob | undefined> {
      const jobs = await queues.turns.getJobs(['delayed']);
      const found = jobs.find((j) => j.name === 'idle' && j.data.idle?.stage === stage && j.data.idle.address.user === user);
      return (found?.data as WakeJob | undefined)?.idle;
    },
    /** Drops the users' snapshots, as someone changing a contact or conversation outside the turns does: the next turns read MongoDB. */
    staleSnapshots(): void {
      for (const [user, { recent }] of snapshots) snapshots.set(user, recent ? { recent } : {});
    },
    /** The replies of a turn run directly through `turns`. */
    stored,
    contact: (user = 'alice') => Contact.findById(contactId(address(user))).lean(),
    conversation: (user = 'alice') => Conversation.findOne({ workspace, user }).sort({ createdAt: -1, _id: -1 }).lean(),
    consents: (user = 'alice') => ConsentEvent.find({ workspace, user }).sort({ at: 1 }).lean(),
    messages: (user = 'alice') => Message.find({ workspace, user }).sort({ order: 1 }).lean(),
    async close(): Promise<void> {
      await queues.close();
      await redis.quit();
      await disconnectStore();
      await cleanup(env);
    },
  };
}

export type TestChannel = Awaited<ReturnType<typeof testChannel>>;
