import type { ChannelCapabilities } from './adapter.js';
import type { Config, WorkspaceConfig } from './config/schema.js';
import { recordConsent } from './consent.js';
import { consentGate, pendingNotice, recordNoticeShown, textVersion } from './consent-gate.js';
import type { Address, InboundMessage } from './message.js';
import type { IdleJob, Queues } from './queue/queues.js';
import type { Reply, Responder, Turn, TurnOutcome } from './responder.js';
import { Contact } from './store/contact.js';
import { Conversation, type ConversationDoc } from './store/conversation.js';
import { contactId, inboundMessageId, leadId, replyId } from './store/ids.js';
import { Lead } from './store/lead.js';
import { Message } from './store/message.js';

const duplicateKey = 11000;
/** Replies per inbound message are ordered after it within this many slots (see Message.order). */
const slotsPerTurn = 1000;

export interface RouterOptions {
  config: Config;
  queues: Queues;
  responder: Responder;
  /** A channel account's capabilities (does its client show the privacy notice itself?). */
  capabilities?: (channel: string, account: string) => ChannelCapabilities | undefined;
}

/** What the router reads of a contact each turn. */
interface ContactState {
  profile: Turn['contact'];
  stopped: boolean;
  noticeVersion?: string;
}

/**
 * Turns one inbound message into stored state and queued replies. Every step is
 * idempotent (deterministic ids, upserts), so running it again after a crash or
 * for a duplicate delivery stores nothing twice and sends no second reply.
 *
 * @example
 * const router = new Router({ config, queues, responder: new AutoReplyResponder() });
 * await router.handle(inbound); // called by the inbound shard workers, one message at a time per shard

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

    const existing = await Message.findById(id, { status: 1, replies: 1, order: 1, conversation: 1, workspace: 1 }).lean();
    if (existing && existing.workspace !== address.workspace) throw new Error(`message id ${id} belongs to another workspace`);
    if (existing?.status === 'processed') {
      // A duplicate, or a retry after a crash past this point: make sure its replies are queued
      // (delivery skips any already sent).
      const replies = Array.from({ length: existing.replies ?? 0 }, (_, i) => ({ address, messageId: replyId(id, i), ...cause }));
      await this.options.queues.enqueueOutbound(replies);
      return;
    }

    const { conversation, contact } = await this.openConversation(inbound);
    const order = existing?.order ?? conversation.seq * slotsPerTurn;
    const gated = await consentGate({ id, inbound, workspace, stopped: contact.stopped });
    const outcome = gated ?? (await this.ownForm(id, inbound, workspace, conversation)) ?? (await this.respond(id, inbound, workspace, conversation, contact.profile));
    // The privacy notice goes first to a contact who has not seen its current version (unless their client shows it).
    const notice = gated || this.options.capabilities?.(address.channel, address.account)?.showsNotice ? undefined : pendingNotice(workspace.privacy, contact.noticeVersion);
    const replies = notice ? [notice, ...outcome.replies] : outcome.replies;
    const replyDocs = botReplies(replies, { key: id, address, conversation: conversation._id, order: order + 1, inReplyTo: id });
    if (notice) await recordNoticeShown(inbound, workspace.privacy, notice.text, replyDocs[0]!._id);
    const processed = { status: 'processed' as const, processedAt: new Date(), replies: replyDocs.length };

    if (existing) {
      // Stored by an earlier attempt that failed (see recordFailure): answer it now.
      await insertIgnoringDuplicates(replyDocs);
      await Message.updateOne({ _id: id }, { $set: processed });
    } else {
      // The turn's documents in one write, replies first: wherever the inbound message is stored,
      // its replies are too, so finding it processed above is proof the work was done.
      await insertIgnoringDuplicates([...replyDocs, { ...this.inboundDoc(id, inbound, conversation._id, order), ...processed }]);
    }
    // After the turn is stored: a crash before this shows the notice once more, never not at all.
    if (notice) await Contact.updateOne({ _id: conversation.contact }, { $set: { noticeVersion: workspace.privacy.notice!.version } });
    await this.options.queues.enqueueOutbound(replyDocs.map((d) => ({ address, messageId: d._id, ...cause })));
  }

  /**
   * Forms a channel's client shows itself rather than a flow: `prechat` (the widget asks name
   * and email before the first message; what people type about themselves goes on the contact)
   * and `offline` (left while nobody can answer: stored as a lead). Other forms go to the responder.
   */
  private async ownForm(id: string, inbound: InboundMessage, workspace: WorkspaceConfig, conversation: ConversationDoc): Promise<TurnOutcome | undefined> {
    const content = inbound.content;
    if (content.type !== 'form' || (content.form !== 'prechat' && content.form !== 'offline')) return undefined;
    if (content.form === 'prechat') {
      const typed = Object.fromEntries(Object.entries(content.fields).filter(([k, v]) => ['name', 'email', 'phone'].includes(k) && v));
      if (Object.keys(typed).length) await Contact.updateOne({ _id: conversation.contact }, { $set: typed, $addToSet: { typed: { $each: Object.keys(typed) } } });
      if (content.consent) await this.recordFormConsent(inbound, content.consent, id);
      return { replies: [] };
    }
    const lead = { flow: '-', form: 'offline', fields: content.fields, ...(content.consent ? { consent: content.consent } : {}) };
    return this.storeOutcome(id, inbound, workspace, conversation, { replies: [{ text: workspace.texts.offlineReceived, sender: 'system' }], leads: [lead] }, undefined);
  }

  /** A form's consent checkbox, ticked or not, into the ledger; the lead or message id is the proof. */
  private async recordFormConsent(inbound: InboundMessage, consent: { purpose: string; granted: boolean; text: string; version?: string }, key: string, source = 'form'): Promise<void> {
    await recordConsent({
      address: inbound.address,
      purpose: consent.purpose,
      granted: consent.granted,
      // The configured version where the text has one (the widget's checkbox), else a hash of the words shown.
      textVersion: consent.version ?? textVersion(consent.text),
      text: consent.text,
      evidence: { source, key, messageId: inboundMessageId({ ...inbound.address, platformId: inbound.platformId }) },
      at: new Date(inbound.receivedAt),
    });
  }

  /**
   * Runs the responder, unless people have the conversation, and stores what the turn
   * changed on the conversation before its messages (see `handle`): a crash in between
   * is retried from the state saved before this turn, so the bot's step is not taken twice.
   */
  private async respond(id: string, inbound: InboundMessage, workspace: WorkspaceConfig, conversation: ConversationDoc, contact: Turn['contact']): Promise<TurnOutcome> {
    const retry = conversation.botInbound === id;
    // Handed off (or with an agent): the bot stays silent; the message is stored for the people.
    if (!retry && conversation.status !== 'bot') return { replies: [] };
    const state = (retry ? conversation.botPrevState : conversation.botState) ?? undefined;
    const { address } = inbound;
    const outcome = await this.options.responder.respond({ workspace, conversation, contact, address, message: inbound, state });
    return this.storeOutcome(id, inbound, workspace, conversation, outcome, state);
  }

  /** Stores a turn's leads (and their consent), state and timers; see `respond`. */
  private async storeOutcome(id: string, inbound: InboundMessage, workspace: WorkspaceConfig, conversation: ConversationDoc, outcome: TurnOutcome, state: string | undefined): Promise<TurnOutcome> {
    const { address } = inbound;
    if (outcome.leads?.length) {
      const leads = outcome.leads.map((lead, i) => ({
        _id: leadId(id, i),
        workspace: address.workspace,
        conversation: conversation._id,
        contact: conversation.contact,
        channel: address.channel,
        account: address.account,
        ...lead,
        ...(workspace.crm ? { crm: { status: 'queued', attempts: 0 } } : {}),
      }));
      await insertIgnoringDuplicates(leads, Lead);
      for (const lead of leads) if (lead.consent) await this.recordFormConsent(inbound, lead.consent, lead._id);
      if (workspace.crm) await this.options.queues.enqueueCrm(leads.map((l) => ({ workspace: address.workspace, leadId: l._id })));
    }
    // Consent the bot took in words (a flow's "@stop" intent: no more marketing), with the message as proof.
    for (const [i, c] of (outcome.consents ?? []).entries()) await this.recordFormConsent(inbound, c, `${id}:consent:${i}`, 'flow-intent');
    if (outcome.state !== undefined || outcome.status) {
      await Conversation.updateOne(
        { _id: conversation._id },
        {
          $set: {
            botInbound: id,
            ...(outcome.state !== undefined ? { botState: outcome.state, ...(state !== undefined ? { botPrevState: state } : {}) } : {}),
            ...(outcome.status ? { status: outcome.status } : {}),
            ...(outcome.team ? { team: outcome.team } : {}),
          },
          ...(outcome.state !== undefined && state === undefined ? { $unset: { botPrevState: 1 } } : {}),
        },
      );
    }
    await this.scheduleTimers(address, conversation, id, outcome);
    return outcome;
  }

  private async scheduleTimers(address: Address, conversation: ConversationDoc, inboundId: string, outcome: TurnOutcome): Promise<void> {
    if (!outcome.timers?.length) return;
    await this.options.queues.scheduleIdle(
      address,
      outcome.timers.map((t) => ({ conversation: String(conversation._id), inbound: inboundId, stage: t.stage, delayMs: t.afterMs })),
    );
  }

  /**
   * A timer the responder asked for fired. Moot unless the contact has said
   * nothing since (the conversation's last turn is still the one that set it) and
   * the bot still has the conversation. Its replies are stored and queued before
   * the state changes, so a retry after a crash repeats nothing.
   */
  async handleIdle(job: IdleJob): Promise<void> {
    const { address } = job;
    const workspace = this.workspaces.get(address.workspace);
    const found = await Conversation.findById(job.conversation).lean();
    if (!workspace || found?.workspace !== address.workspace) return;
    if (found.status !== 'bot' || found.botInbound !== job.inbound) return;
    const conversation = found;
    const contact = await Contact.findById(conversation.contact, { name: 1, locale: 1, stopped: 1 }).lean();
    if (contact?.stopped) return; // Said STOP: no reminders.
    const outcome = await this.options.responder.respond({ workspace, conversation, contact: profileOf(contact), address, idle: job.stage, state: conversation.botState ?? undefined });
    // After the turn's own replies (+1…), before the next turn's.
    const base = conversation.seq * slotsPerTurn + (job.stage === 'remind' ? 800 : 900);
    const replyDocs = botReplies(outcome.replies, { key: `${job.inbound}:${job.stage}`, address, conversation: conversation._id, order: base });
    await insertIgnoringDuplicates(replyDocs);
    await this.options.queues.enqueueOutbound(replyDocs.map((d) => ({ address, messageId: d._id })));
    if (outcome.state !== undefined || outcome.status) {
      await Conversation.updateOne(
        { _id: conversation._id },
        { $set: { ...(outcome.state !== undefined ? { botState: outcome.state } : {}), ...(outcome.status ? { status: outcome.status } : {}) } },
      );
    }
    if (outcome.status === 'closed') await Contact.updateOne({ _id: conversation.contact, openConversation: conversation._id }, { $unset: { openConversation: 1 } });
  }

  /**
   * Stores a message the router gave up on, with the reason, so it is not lost
   * and an operator or agent can see it; a redelivery processes it again.
   */
  async recordFailure(inbound: InboundMessage, err: Error): Promise<void> {
    const id = inboundMessageId({ ...inbound.address, platformId: inbound.platformId });
    const { conversation } = await this.openConversation(inbound);
    await insertIgnoringDuplicates([
      {
        ...this.inboundDoc(id, inbound, conversation._id, conversation.seq * slotsPerTurn),
        status: 'failed',
        error: { message: err.message, at: new Date() },
      },
    ]);
  }

  /**
   * The address's open conversation, created with its contact on first contact; bumps its sequence.
   * The platform's profile (name, locale) fills what the contact lacks and never overwrites it.
   */
  private async openConversation(inbound: InboundMessage): Promise<{ conversation: ConversationDoc; contact: ContactState }> {
    const { workspace, channel, account, user } = inbound.address;
    const now = new Date(inbound.receivedAt);
    const _id = contactId(inbound.address);
    const fields = { openConversation: 1, name: 1, locale: 1, stopped: 1, noticeVersion: 1 };
    const profile = inbound.profile;
    let contact = await Contact.findById(_id, fields).lean();
    if (!contact) {
      contact = await Contact.findOneAndUpdate(
        { _id },
        { $setOnInsert: { workspace, channel, account, user, ...(profile?.name ? { name: profile.name } : {}), ...(profile?.locale ? { locale: profile.locale } : {}) } },
        { upsert: true, returnDocument: 'after' }, // (FerretDB v1 has no projection on findAndModify)
      ).lean();
    } else if ((profile?.name && !contact.name) || (profile?.locale && !contact.locale)) {
      const fill = { ...(profile.name && !contact.name ? { name: profile.name } : {}), ...(profile.locale && !contact.locale ? { locale: profile.locale } : {}) };
      await Contact.updateOne({ _id }, { $set: fill });
      contact = { ...contact, ...fill };
    }
    const state: ContactState = { profile: profileOf(contact), stopped: contact?.stopped === true, ...(contact?.noticeVersion ? { noticeVersion: contact.noticeVersion } : {}) };
    if (contact?.openConversation) {
      // By `_id` alone, the look-up FerretDB v1 answers from an index; closing a conversation clears the pointer.
      const open = await Conversation.findByIdAndUpdate(contact.openConversation, { $inc: { seq: 1 }, $set: { lastMessageAt: now } }, { returnDocument: 'after' }).lean();
      if (open && open.workspace === workspace && open.status !== 'closed') return { conversation: open, contact: state };
    }
    // One shard processes an address at a time, so no other worker creates this conversation concurrently.
    const created = (await Conversation.create({ workspace, channel, account, user, contact: _id, status: 'bot', seq: 1, lastMessageAt: now })).toObject();
    await Contact.updateOne({ _id }, { $set: { openConversation: created._id } });
    return { conversation: created, contact: state };
  }

  private inboundDoc(id: string, inbound: InboundMessage, conversation: ConversationDoc['_id'], order: number) {
    const { address, content } = inbound;
    return {
      _id: id,
      workspace: address.workspace,
      conversation,
      channel: address.channel,
      account: address.account,
      user: address.user,
      direction: 'in' as const,
      sender: 'contact' as const,
      platformId: inbound.platformId,
      order,
      text: content.type === 'form' ? undefined : content.text,
      choiceId: content.type === 'choice' ? content.choiceId : undefined,
      ...(content.type === 'media' ? { media: content.media } : {}),
      ...(content.type === 'form' ? { fields: content.fields, form: { id: content.form } } : {}),
      ...(inbound.editOf ? { editOf: inbound.editOf } : {}),
      receivedAt: new Date(inbound.receivedAt),
    };
  }
}

/**
 * Inserts documents in order, skipping those already stored (a retry after a
 * crash part-way through): the first attempt is one ordered write, and only a
 * duplicate makes it go again unordered to store the rest.
 */
async function insertIgnoringDuplicates(docs: object[], into: { insertMany(docs: object[], options: { ordered: boolean }): Promise<unknown> } = Message): Promise<void> {
  if (!docs.length) return;
  try {
    await into.insertMany(docs, { ordered: true });
  } catch (err) {
    if (!isDuplicate(err)) throw err;
    try {
      await into.insertMany(docs, { ordered: false });
    } catch (again) {
      if (!isDuplicate(again)) throw again;
    }
  }
}

/** The bot's replies as messages to store; ids derive from `key`, so a retried turn stores them once. */
function botReplies(replies: Reply[], at: { key: string; address: Address; conversation: ConversationDoc['_id']; order: number; inReplyTo?: string }) {
  return replies.map((reply, i) => ({
    _id: replyId(at.key, i),
    workspace: at.address.workspace,
    conversation: at.conversation,
    channel: at.address.channel,
    account: at.address.account,
    user: at.address.user,
    direction: 'out' as const,
    sender: reply.sender ?? ('bot' as const),
    order: at.order + i,
    text: reply.text,
    choices: reply.choices,
    ...(reply.form ? { form: reply.form } : {}),
    ...(at.inReplyTo ? { inReplyTo: at.inReplyTo } : {}),
    status: 'queued' as const,
  }));
}

/** Name and locale as the contact's platform gave them (the flow uses them in texts and to pick a language). */
function profileOf(contact: { name?: string | null; locale?: string | null } | null): Turn['contact'] {
  return { ...(contact?.name ? { name: contact.name } : {}), ...(contact?.locale ? { locale: contact.locale } : {}) };
}

function isDuplicate(err: unknown): boolean {
  const e = err as { code?: number; writeErrors?: { code?: number; err?: { code?: number } }[] };
  if (e.writeErrors?.length) return e.writeErrors.every((w) => (w.code ?? w.err?.code) === duplicateKey);
  return e.code === duplicateKey;
}
