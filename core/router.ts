import type { Logger } from 'pino';
import type { Config, WorkspaceConfig } from './config/schema.js';
import type { InboundMessage } from './message.js';
import type { Queues } from './queue/queues.js';
import type { Responder } from './responder.js';
import { Contact } from './store/contact.js';
import { Conversation, type ConversationDoc } from './store/conversation.js';
import { inboundMessageId, replyId } from './store/ids.js';
import { Message } from './store/message.js';

const duplicateKey = 11000;
/** Replies per inbound message are ordered after it within this many slots (see Message.order). */
const slotsPerTurn = 1000;

export interface RouterOptions {
  config: Config;
  queues: Queues;
  responder: Responder;
  logger: Logger;
}

/**
 * Turns one inbound message into stored state and queued replies. Every step is
 * idempotent (deterministic ids, upserts), so running it again after a crash or
 * for a duplicate delivery stores nothing twice and sends no second reply.
 */
export class Router {
  private readonly workspaces: Map<string, WorkspaceConfig>;

  constructor(private readonly options: RouterOptions) {
    this.workspaces = new Map(options.config.workspaces.map((w) => [w.id, w]));
  }

  async handle(inbound: InboundMessage): Promise<void> {
    const { address } = inbound;
    const workspace = this.workspaces.get(address.workspace);
    if (!workspace) throw new Error(`unknown workspace "${address.workspace}"`);
    const id = inboundMessageId({ ...address, platformId: inbound.platformId });

    const existing = await Message.findById(id, { status: 1, order: 1 }).lean();
    if (existing?.status === 'processed') {
      // A duplicate, or a retry after a crash past this point: make sure its replies are queued.
      const pending = await Message.find({ workspace: address.workspace, inReplyTo: id, status: 'queued' }, { _id: 1 }).lean();
      await this.options.queues.enqueueOutbound(pending.map((m) => ({ workspace: address.workspace, messageId: m._id })));
      return;
    }

    const conversation = await this.openConversation(inbound);
    if (!existing) await this.store(id, inbound, conversation);
    const order = existing ? existing.order : conversation.seq * slotsPerTurn;

    const replies = await this.options.responder.respond({ workspace, conversation, message: inbound });
    const docs = replies.map((reply, i) => ({
      _id: replyId(id, i),
      workspace: address.workspace,
      conversation: conversation._id,
      channel: address.channel,
      account: address.account,
      user: address.user,
      direction: 'out' as const,
      sender: 'bot' as const,
      order: order + i + 1,
      text: reply.text,
      choices: reply.choices,
      inReplyTo: id,
      status: 'queued' as const,
    }));
    await insertIgnoringDuplicates(docs);
    await Message.updateOne({ _id: id }, { $set: { status: 'processed', processedAt: new Date() } });
    await this.options.queues.enqueueOutbound(docs.map((d) => ({ workspace: address.workspace, messageId: d._id })));
  }

  /** The address's open conversation, created with its contact on first contact; bumps its sequence. */
  private async openConversation(inbound: InboundMessage): Promise<ConversationDoc> {
    const { workspace, channel, account, user } = inbound.address;
    const now = new Date(inbound.receivedAt);
    const key = { workspace, channel, account, user, status: { $ne: 'closed' as const } };
    const found = await Conversation.findOneAndUpdate(key, { $inc: { seq: 1 }, $set: { lastMessageAt: now } }, { returnDocument: 'after' }).lean();
    if (found) return found;

    const contact = await Contact.findOneAndUpdate(
      { workspace, channel, account, user },
      { $setOnInsert: { workspace, channel, account, user, name: inbound.profile?.name, locale: inbound.profile?.locale } },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    // One inbound shard processes an address at a time, so no other worker can create this conversation concurrently.
    const created = await Conversation.create({ workspace, channel, account, user, contact: contact._id, status: 'bot', seq: 1, lastMessageAt: now });
    return created.toObject();
  }

  private async store(id: string, inbound: InboundMessage, conversation: ConversationDoc): Promise<void> {
    const { address, content } = inbound;
    await insertIgnoringDuplicates([
      {
        _id: id,
        workspace: address.workspace,
        conversation: conversation._id,
        channel: address.channel,
        account: address.account,
        user: address.user,
        direction: 'in',
        sender: 'contact',
        platformId: inbound.platformId,
        order: conversation.seq * slotsPerTurn,
        text: content.text,
        choiceId: content.type === 'choice' ? content.choiceId : undefined,
        status: 'received',
        receivedAt: new Date(inbound.receivedAt),
      },
    ]);
  }
}

async function insertIgnoringDuplicates(docs: object[]): Promise<void> {
  if (!docs.length) return;
  try {
    await Message.insertMany(docs, { ordered: false });
  } catch (err) {
    const writeErrors = (err as { writeErrors?: { code?: number; err?: { code?: number } }[] }).writeErrors;
    const onlyDuplicates = writeErrors?.length && writeErrors.every((e) => (e.code ?? e.err?.code) === duplicateKey);
    if (!onlyDuplicates && (err as { code?: number }).code !== duplicateKey) throw err;
  }
}
