import type { Logger } from 'pino';
import type { Config, WorkspaceConfig } from './config/schema.js';
import type { InboundMessage } from './message.js';
import type { Queues } from './queue/queues.js';
import type { Responder } from './responder.js';
import { Contact } from './store/contact.js';
import { Conversation, type ConversationDoc } from './store/conversation.js';
import { contactId, inboundMessageId, replyId } from './store/ids.js';
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
    const cause = { inReplyTo: inbound.platformId, receivedAt: inbound.receivedAt };

    // (A duplicate also bumps the conversation's seq: harmless gaps, and no read on the common path.)
    const conversation = await this.openConversation(inbound);
    const stored = await this.store(id, inbound, conversation);
    if (stored.status === 'processed') {
      // A duplicate, or a retry after a crash past this point: make sure its replies are queued
      // (delivery skips any already sent).
      const replies = Array.from({ length: stored.replies ?? 0 }, (_, i) => ({ address, messageId: replyId(id, i), ...cause }));
      await this.options.queues.enqueueOutbound(replies);
      return;
    }

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
      order: stored.order + i + 1,
      text: reply.text,
      choices: reply.choices,
      inReplyTo: id,
      status: 'queued' as const,
    }));
    await insertIgnoringDuplicates(docs);
    await Message.updateOne({ _id: id }, { $set: { status: 'processed', processedAt: new Date(), replies: docs.length } });
    await this.options.queues.enqueueOutbound(docs.map((d) => ({ address, messageId: d._id, ...cause })));
  }

  /** The address's open conversation, created with its contact on first contact; bumps its sequence. */
  private async openConversation(inbound: InboundMessage): Promise<ConversationDoc> {
    const { workspace, channel, account, user } = inbound.address;
    const now = new Date(inbound.receivedAt);
    const _id = contactId(inbound.address);
    const contact =
      (await Contact.findById(_id, { openConversation: 1 }).lean()) ??
      (await Contact.findOneAndUpdate(
        { _id },
        { $setOnInsert: { workspace, channel, account, user, name: inbound.profile?.name, locale: inbound.profile?.locale } },
        { upsert: true, returnDocument: 'after' }, // (FerretDB v1 has no projection on findAndModify)
      ).lean());
    if (contact?.openConversation) {
      // By `_id` alone, the look-up FerretDB v1 answers from an index; closing a conversation clears the pointer.
      const open = await Conversation.findByIdAndUpdate(contact.openConversation, { $inc: { seq: 1 }, $set: { lastMessageAt: now } }, { returnDocument: 'after' }).lean();
      if (open && open.workspace === workspace && open.status !== 'closed') return open;
    }
    // One shard processes an address at a time, so no other worker creates this conversation concurrently.
    const created = (await Conversation.create({ workspace, channel, account, user, contact: _id, status: 'bot', seq: 1, lastMessageAt: now })).toObject();
    await Contact.updateOne({ _id }, { $set: { openConversation: created._id } });
    return created;
  }

  /** Stores the inbound message; for one stored before, returns how far it got. */
  private async store(id: string, inbound: InboundMessage, conversation: ConversationDoc): Promise<{ status: string; order: number; replies?: number | null }> {
    const { address, content } = inbound;
    const order = conversation.seq * slotsPerTurn;
    const inserted = await insertIgnoringDuplicates([
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
        order,
        text: content.text,
        choiceId: content.type === 'choice' ? content.choiceId : undefined,
        status: 'received',
        receivedAt: new Date(inbound.receivedAt),
      },
    ]);
    if (inserted) return { status: 'received', order };
    const existing = await Message.findById(id, { status: 1, order: 1, replies: 1, workspace: 1 }).lean();
    if (existing?.workspace !== address.workspace) throw new Error(`message ${id} is a duplicate but cannot be found`);
    return existing;
  }
}

/** Inserts documents, skipping those already stored; true when all were new. */
async function insertIgnoringDuplicates(docs: object[]): Promise<boolean> {
  if (!docs.length) return true;
  try {
    await Message.insertMany(docs, { ordered: false });
    return true;
  } catch (err) {
    const writeErrors = (err as { writeErrors?: { code?: number; err?: { code?: number } }[] }).writeErrors;
    const onlyDuplicates = writeErrors?.length && writeErrors.every((e) => (e.code ?? e.err?.code) === duplicateKey);
    if (!onlyDuplicates && (err as { code?: number }).code !== duplicateKey) throw err;
    return false;
  }
}
