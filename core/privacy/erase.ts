import type { Redis } from 'ioredis';
import type { Model } from 'mongoose';
import type { Config, WorkspaceConfig } from '../config/schema.js';
import type { Address } from '../message.js';
import { MailboxBusyError, withMailboxesHeld } from '../queue/hold.js';
import { mailboxKey, type Queues } from '../queue/queues.js';
import { ConsentEvent } from '../store/consent.js';
import { Contact } from '../store/contact.js';
import { Conversation } from '../store/conversation.js';
import { ConversationEvent } from '../store/conversation-event.js';
import { ConversationNote } from '../store/conversation-note.js';
import { Email } from '../store/email.js';
import { Lead } from '../store/lead.js';
import { Message } from '../store/message.js';
import { PlatformRef } from '../store/platform-ref.js';
import { PrivacyRequest } from '../store/privacy-request.js';
import { audit, type Actor } from './audit.js';
import type { PrivacyContract } from './contract.js';
import { pseudonym } from './pseudonym.js';
import { eraseFromRedis } from './redis-erasure.js';
import { finishRequest, startRequest } from './requests.js';
import type { Subject } from './subject.js';

/** What an erasure removed, per store (`mongodb:messages`, `redis:mbox:in:*`, `crm`). */
export type Receipt = Record<string, number | string>;

/** What an erasure is erasing, stored on its request before anything goes, so a crash resumes on exactly this. */
interface Pending {
  contacts: string[];
  addresses: Address[];
  /** What they typed about themselves: searched for in Redis. */
  typed: string[];
}

export interface EraseOptions {
  config: Config;
  redis: Redis;
  queues: Queues;
  /** The data map (core/privacy/data-map.ts): Redis stores are erased by it. */
  contracts: readonly PrivacyContract[];
  /** The channels' own per-person models (registry.collections().models). */
  channelModels: readonly Model<any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  actor: Actor;
  /** Tests: called after each step, to stop an erasure half-way as a crash would. */
  afterStep?: (step: string) => void | Promise<void>;
}

/** A turn of the person's is running and kept its conversation's mailbox past the wait: try again. */
export const ErasureBusyError = MailboxBusyError;

/**
 * Erases a person everywhere (GDPR Art. 17): MongoDB (contacts, conversations, messages, leads,
 * platform refs, the channels' own collections; consent proof pseudonymised or deleted per
 * `privacy.erasure.consentProof`), Redis (jobs, mailboxes, snapshots, rate buckets, per-chat
 * keys: every store the data map says to delete from), and the CRM, told by a signed `erasure`
 * notice. Logged as a request with its receipt, and in the audit log.
 *
 * Idempotent and resumable: what it erases is stored on the request first; each step deletes
 * what is still there; contacts go last, so a crash at any point is finished by
 * {@link resumeErasures} (run by workers at start, and by `switchboard privacy erase`).
 */
export async function eraseSubject(options: EraseOptions, workspace: WorkspaceConfig, subject: Subject): Promise<{ request: string; receipt: Receipt }> {
  const contacts = subject.identities.map((i) => i.contact);
  const typed = await Contact.find({ _id: { $in: contacts } }, { email: 1, phone: 1 }).lean();
  const pending: Pending = {
    contacts,
    addresses: subject.identities.map((i) => i.address),
    typed: [...new Set(typed.flatMap((c) => [c.email, c.phone].filter((v): v is string => !!v)))],
  };
  const request = await startRequest({ workspace: workspace.id, kind: 'erase', subject: subject.pseudonym, actor: options.actor, pending });
  const receipt = await runErasure(options, workspace, request, subject.pseudonym, pending);
  return { request, receipt };
}

/** Finishes erasures a crash interrupted (requests still `in_progress` with their pending list). */
export async function resumeErasures(options: EraseOptions): Promise<string[]> {
  const resumed: string[] = [];
  for (const request of await PrivacyRequest.find({ kind: 'erase', status: 'in_progress' }).lean()) {
    const workspace = options.config.workspaces.find((w) => w.id === request.workspace);
    if (!workspace || !request.pending) continue;
    await runErasure(options, workspace, String(request._id), request.subject ?? '', request.pending as Pending);
    resumed.push(String(request._id));
  }
  return resumed;
}

async function runErasure(options: EraseOptions, workspace: WorkspaceConfig, request: string, subject: string, pending: Pending): Promise<Receipt> {
  const { queues } = options;
  const ws = workspace.id;
  const receipt: Receipt = {};
  const count = (store: string, n: number) => {
    if (n) receipt[store] = ((receipt[store] as number | undefined) ?? 0) + n;
  };
  const step = async (name: string) => options.afterStep?.(name);

  // No turn of theirs runs meanwhile: hold each address's inbound mailbox (as the retention sweep does).
  const mailboxes = pending.addresses.map((a) => ({ kind: 'in' as const, key: mailboxKey(a) }));
  const busy = "a turn of this person's is still running; nothing was erased yet, try again";
  await withMailboxesHeld(queues, { workspace: ws, mailboxes, busy }, async () => {
    const conversations = (await Conversation.find({ workspace: ws, contact: { $in: pending.contacts } }, { _id: 1 }).lean()).map((c) => String(c._id));
    const leads = (await Lead.find({ workspace: ws, contact: { $in: pending.contacts } }, { _id: 1 }).lean()).map((l) => l._id);
    const messages = (await Message.find({ workspace: ws, conversation: { $in: conversations } }, { _id: 1 }).lean()).map((m) => m._id);

    // Out of the console's inbox by id first (the scan below would find them too, reading every set whole).
    count('redis:inbox:*', await queues.inbox.remove(ws, conversations));
    const redisReceipt = await eraseFromRedis({
      redis: options.redis,
      prefix: options.config.redis.prefix,
      queues,
      contracts: options.contracts,
      traces: { addresses: pending.addresses, ids: [...pending.contacts, ...conversations, ...leads, ...messages], typed: pending.typed },
    });
    for (const [store, n] of Object.entries(redisReceipt)) count(store, n);
    await step('redis');

    // The CRM is told after Redis is clean, or the notice's own job (it names their leads) would go with the rest.
    // A resumed erasure queues it again; its job id is the request's, so a notice still waiting is not doubled.
    if (workspace.crm && leads.length) {
      await queues.enqueueCrm([
        {
          workspace: ws,
          notice: { id: `erasure-${request}`, event: 'erasure', leads, conversations, contacts: pending.contacts, at: new Date().toISOString() },
        },
      ]);
      receipt.crm = `erasure notice queued for ${leads.length} lead(s)`;
    }

    if (messages.length) count('mongodb:platformrefs', (await PlatformRef.deleteMany({ workspace: ws, message: { $in: messages } })).deletedCount);
    count('mongodb:messages', (await Message.deleteMany({ workspace: ws, conversation: { $in: conversations } })).deletedCount);
    count('mongodb:conversation_events', (await ConversationEvent.deleteMany({ workspace: ws, conversation: { $in: conversations } })).deletedCount);
    count('mongodb:conversation_notes', (await ConversationNote.deleteMany({ workspace: ws, conversation: { $in: conversations } })).deletedCount);
    count(
      'mongodb:emails',
      (await Email.deleteMany({ workspace: ws, $or: [{ conversation: { $in: conversations } }, { contact: { $in: pending.contacts } }] })).deletedCount,
    );
    count('mongodb:conversations', (await Conversation.deleteMany({ _id: { $in: conversations } })).deletedCount);
    await step('conversations');
    count('mongodb:leads', (await Lead.deleteMany({ workspace: ws, contact: { $in: pending.contacts } })).deletedCount);
    await eraseConsents(workspace, pending, count);
    for (const model of options.channelModels) {
      if (!model.schema.path('user') || !model.schema.path('account')) continue;
      for (const a of pending.addresses)
        count(`mongodb:${model.collection.collectionName}`, (await model.deleteMany({ workspace: ws, account: a.account, user: a.user })).deletedCount);
    }
    await step('leads');
    // Last: while a contact is there, a resumed erasure still finds everything of theirs.
    count('mongodb:contacts', (await Contact.deleteMany({ _id: { $in: pending.contacts } })).deletedCount);
  });
  await finishRequest(request, receipt);
  await audit({
    workspace: ws,
    actor: (await PrivacyRequest.findById(request, { handledBy: 1 }).lean())?.handledBy ?? options.actor,
    action: 'privacy.erase',
    target: subject,
    details: { request, receipt },
  });
  return receipt;
}

/** Consent proof stays provable under a pseudonym (default), or goes (`privacy.erasure.consentProof: delete`). */
async function eraseConsents(workspace: WorkspaceConfig, pending: Pending, count: (store: string, n: number) => void): Promise<void> {
  const filter = { workspace: workspace.id, contact: { $in: pending.contacts } };
  if (workspace.privacy.erasure.consentProof === 'delete') {
    count('mongodb:consents', (await ConsentEvent.deleteMany(filter)).deletedCount);
    return;
  }
  for (const event of await ConsentEvent.find(filter, { user: 1, contact: 1, evidence: 1 }).lean()) {
    await ConsentEvent.updateOne(
      { _id: event._id },
      {
        $set: { user: pseudonym(workspace, event.user), contact: pseudonym(workspace, event.contact), anonymisedAt: new Date() },
        // A keyword's text is what the person typed; a question's text is the business's and stays, as proof of what was asked.
        $unset: { 'evidence.userAgent': 1, 'evidence.ip': 1, ...(event.evidence?.source === 'keyword' ? { text: 1 } : {}) },
      },
    );
    count('mongodb:consents (pseudonymised)', 1);
  }
}
