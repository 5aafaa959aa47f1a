import type { Redis } from 'ioredis';
import type { Model } from 'mongoose';
import { recordConsent } from '../consent.js';
import type { Config, WorkspaceConfig } from '../config/schema.js';
import type { Queues } from '../queue/queues.js';
import { ConsentEvent } from '../store/consent.js';
import { Contact } from '../store/contact.js';
import { Conversation } from '../store/conversation.js';
import { Lead } from '../store/lead.js';
import { Message } from '../store/message.js';
import type { RequestKind } from '../store/privacy-request.js';
import { normaliseEmail } from '../validate/contact-fields.js';
import { toE164 } from '../validate/phone.js';
import { audit, listAudit, type Actor } from './audit.js';
import type { PrivacyContract } from './contract.js';
import { eraseSubject, resumeErasures, type Receipt } from './erase.js';
import { exportSubject } from './export.js';
import { parseIdentifier } from './identifier.js';
import { followMarketingWithdrawal, marketingPurpose } from './marketing.js';
import { extendRequest, finishRequest, listRequests, logRequest, startRequest } from './requests.js';
import { requireSubject, type Subject } from './subject.js';

export interface PrivacyDeps {
  config: Config;
  redis: Redis;
  queues: Queues;
  /** The data map (core/privacy/data-map.ts). */
  contracts: readonly PrivacyContract[];
  channelModels: readonly Model<any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Tests: called after each step of an erasure, to stop it half-way as a crash would. */
  afterStep?: (step: string) => void | Promise<void>;
}

/** A workspace that does not exist, or a change that cannot be made: the message says which. */
export class PrivacyInputError extends Error {}

/** How much of the person each identity holds: what a destructive command shows before it asks. */
export interface SubjectSummary {
  identity: string;
  linkedBy: string;
  conversations: number;
  messages: number;
  leads: number;
  consents: number;
  flags: string[];
}

/** The purpose that support rests on (the notice): an objection withdraws it too. */
const legitimateInterest = 'legitimate-interest';

/** Fields of a contact a rectification may set, each checked and normalised as the forms do. */
const contactFields: Record<string, (value: string) => string | undefined> = {
  name: (v) => v.trim() || undefined,
  email: normaliseEmail,
  phone: (v) => toE164(v.replace(/^00/, '+')),
  locale: (v) => (/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(v.trim()) ? v.trim() : undefined),
};

/**
 * Data-subject requests (GDPR Art. 15–21), the same for the CLI (`switchboard privacy …`) and the
 * admin API: each finds the person by an identifier with every identity of theirs, is logged as
 * a request with its deadline, acts, and lands in the audit log. An identifier that matches
 * nobody throws {@link SubjectNotFoundError} and changes nothing.
 */
export class PrivacyOperations {
  constructor(private readonly deps: PrivacyDeps) {}

  workspace(id: string): WorkspaceConfig {
    const workspace = this.deps.config.workspaces.find((w) => w.id === id);
    if (!workspace) throw new PrivacyInputError(`no workspace "${id}"; expected one of: ${this.deps.config.workspaces.map((w) => w.id).join(', ')}`);
    return workspace;
  }

  /** Every identity of the person, and how each was linked (logged in the audit log: a look-up of personal data). */
  async find(workspaceId: string, identifier: string, actor: Actor): Promise<Subject> {
    const subject = await requireSubject(this.workspace(workspaceId), parseIdentifier(identifier));
    await audit({ workspace: workspaceId, actor, action: 'privacy.find', target: subject.pseudonym, details: { identities: subject.identities.length } });
    return subject;
  }

  /** Per identity: how many conversations, messages, leads and consent events it holds. */
  async summarise(subject: Subject): Promise<SubjectSummary[]> {
    return Promise.all(
      subject.identities.map(async (i) => {
        const conversations = (await Conversation.find({ workspace: subject.workspace, contact: i.contact }, { _id: 1 }).lean()).map((c) => c._id);
        return {
          identity: `${i.address.channel}:${i.address.account}:${i.address.user}`,
          linkedBy: i.via,
          conversations: conversations.length,
          messages: conversations.length ? await Message.countDocuments({ conversation: { $in: conversations } }) : 0,
          leads: await Lead.countDocuments({ workspace: subject.workspace, contact: i.contact }),
          consents: await ConsentEvent.countDocuments({ workspace: subject.workspace, contact: i.contact }),
          flags: [i.restricted && 'restricted', i.objected && 'objected', i.legalHold && 'legal hold'].filter((f): f is string => !!f),
        };
      }),
    );
  }

  /** One JSON document of everything held (Art. 15, 20); logged as an `export` request. */
  async export(workspaceId: string, identifier: string, actor: Actor): Promise<Record<string, unknown>> {
    const workspace = this.workspace(workspaceId);
    const subject = await requireSubject(workspace, parseIdentifier(identifier));
    const request = await startRequest({ workspace: workspaceId, kind: 'export', subject: subject.pseudonym, actor });
    const document = await exportSubject(workspace, subject, this.deps.channelModels);
    const outcome = {
      identities: subject.identities.length,
      conversations: (document.conversations as unknown[]).length,
      leads: (document.leads as unknown[]).length,
    };
    await finishRequest(request, outcome);
    await audit({ workspace: workspaceId, actor, action: 'privacy.export', target: subject.pseudonym, details: { request, ...outcome } });
    return document;
  }

  /** Erases the person everywhere (Art. 17); resolves to the receipt of what was removed, per store. */
  async erase(workspaceId: string, identifier: string, actor: Actor): Promise<{ request: string; receipt: Receipt }> {
    const workspace = this.workspace(workspaceId);
    const subject = await requireSubject(workspace, parseIdentifier(identifier));
    const held = subject.identities.filter((i) => i.legalHold);
    if (held.length) {
      throw new PrivacyInputError(
        `${held.map((i) => `${i.address.channel}:${i.address.account}`).join(', ')} ${held.length === 1 ? 'is' : 'are'} under a legal hold: nothing was erased (Art. 17(3)(e)); lift the hold first`,
      );
    }
    return eraseSubject({ ...this.deps, actor }, workspace, subject);
  }

  /** Finishes erasures a crash interrupted. */
  async resumeErasures(actor: Actor): Promise<string[]> {
    return resumeErasures({ ...this.deps, actor });
  }

  /** Restricts processing (Art. 18): stored, not processed; or lifts it, releasing leads held back from the CRM. */
  async restrict(workspaceId: string, identifier: string, actor: Actor, restricted = true): Promise<{ request: string; identities: number }> {
    const workspace = this.workspace(workspaceId);
    const subject = await requireSubject(workspace, parseIdentifier(identifier));
    const kind: RequestKind = restricted ? 'restrict' : 'unrestrict';
    const request = await startRequest({ workspace: workspaceId, kind, subject: subject.pseudonym, actor });
    const contacts = subject.identities.map((i) => i.contact);
    const change = restricted ? { $set: { restricted: true } } : { $unset: { restricted: 1 } };
    await Contact.updateMany({ _id: { $in: contacts } }, change);
    await Conversation.updateMany({ workspace: workspaceId, contact: { $in: contacts } }, change);
    let released = 0;
    if (!restricted) {
      const held = await Lead.find({ workspace: workspaceId, contact: { $in: contacts }, 'crm.status': 'held' }, { _id: 1 }).lean();
      await Lead.updateMany({ _id: { $in: held.map((l) => l._id) } }, { $set: { 'crm.status': 'queued' } });
      await this.deps.queues.enqueueCrm(held.map((l) => ({ workspace: workspaceId, leadId: l._id })));
      released = held.length;
    }
    await this.stale(subject);
    const outcome = { identities: contacts.length, ...(released ? { leadsReleased: released } : {}) };
    await finishRequest(request, outcome);
    await audit({ workspace: workspaceId, actor, action: `privacy.${kind}`, target: subject.pseudonym, details: { request, ...outcome } });
    return { request, identities: contacts.length };
  }

  /**
   * Objection (Art. 21): marketing and what rests on legitimate interest stop. Both are withdrawn
   * in the consent ledger (the request is the proof), marketing consent on stored leads is marked
   * withdrawn and the CRM told, and the person gets no idle reminders.
   */
  async object(workspaceId: string, identifier: string, actor: Actor): Promise<{ request: string; identities: number; leads: number }> {
    const workspace = this.workspace(workspaceId);
    const subject = await requireSubject(workspace, parseIdentifier(identifier));
    const request = await startRequest({ workspace: workspaceId, kind: 'object', subject: subject.pseudonym, actor });
    let leads = 0;
    for (const identity of subject.identities) {
      for (const purpose of [marketingPurpose, legitimateInterest]) {
        await recordConsent({
          address: identity.address,
          purpose,
          granted: false,
          textVersion: 'privacy-request',
          evidence: { source: 'privacy-request', key: `${request}:${purpose}` },
        });
      }
      leads += (await followMarketingWithdrawal({ workspace, queues: this.deps.queues, contact: identity.contact, eventId: `${request}:${identity.contact}` }))
        .length;
    }
    await Contact.updateMany({ _id: { $in: subject.identities.map((i) => i.contact) } }, { $set: { objected: true } });
    await this.stale(subject);
    const outcome = { identities: subject.identities.length, leadsWithdrawn: leads };
    await finishRequest(request, outcome);
    await audit({ workspace: workspaceId, actor, action: 'privacy.object', target: subject.pseudonym, details: { request, ...outcome } });
    return { request, identities: subject.identities.length, leads };
  }

  /**
   * Rectification (Art. 16): `name`, `email`, `phone`, `locale` on every identity (as if the person
   * had typed them: a platform's profile never overwrites them), `lead.<field>` on their leads that
   * have that field. Each value is checked as the forms check it.
   */
  async rectify(
    workspaceId: string,
    identifier: string,
    changes: Record<string, string>,
    actor: Actor,
  ): Promise<{ request: string; contacts: number; leads: number }> {
    const workspace = this.workspace(workspaceId);
    if (!Object.keys(changes).length)
      throw new PrivacyInputError('nothing to rectify: give fields such as name=Ada, email=ada@example.com or lead.phone=+420601123456');
    const contact: Record<string, string> = {};
    const lead: Record<string, string> = {};
    for (const [field, value] of Object.entries(changes)) {
      if (field.startsWith('lead.')) {
        const name = field.slice(5);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new PrivacyInputError(`"${field}": expected lead.<field name>`);
        lead[name] = value;
        continue;
      }
      const check = contactFields[field];
      if (!check) throw new PrivacyInputError(`"${field}" cannot be rectified; expected one of ${Object.keys(contactFields).join(', ')}, or lead.<field>`);
      const normalised = check(value);
      if (normalised === undefined) throw new PrivacyInputError(`"${value}" is not a valid ${field}`);
      contact[field] = normalised;
    }
    const subject = await requireSubject(workspace, parseIdentifier(identifier));
    const request = await startRequest({ workspace: workspaceId, kind: 'rectify', subject: subject.pseudonym, actor });
    const contacts = subject.identities.map((i) => i.contact);
    if (Object.keys(contact).length)
      await Contact.updateMany({ _id: { $in: contacts } }, { $set: contact, $addToSet: { typed: { $each: Object.keys(contact) } } });
    let leads = 0;
    for (const [name, value] of Object.entries(lead)) {
      leads += (
        await Lead.updateMany(
          { workspace: workspaceId, contact: { $in: contacts }, [`fields.${name}`]: { $exists: true } },
          { $set: { [`fields.${name}`]: value } },
        )
      ).modifiedCount;
    }
    await this.stale(subject);
    const outcome = { fields: Object.keys(changes), contacts: Object.keys(contact).length ? contacts.length : 0, leads };
    await finishRequest(request, outcome);
    await audit({ workspace: workspaceId, actor, action: 'privacy.rectify', target: subject.pseudonym, details: { request, ...outcome } });
    return { request, contacts: outcome.contacts, leads };
  }

  /** The current state of each consent purpose per identity, with the event that proves it. */
  async consents(workspaceId: string, identifier: string, actor: Actor): Promise<{ identity: string; purposes: ConsentState[] }[]> {
    const subject = await this.find(workspaceId, identifier, actor);
    return Promise.all(
      subject.identities.map(async (i) => {
        const latest = new Map<string, ConsentState>();
        for (const e of await ConsentEvent.find({ workspace: workspaceId, contact: i.contact }).sort({ at: 1 }).lean()) {
          latest.set(e.purpose, {
            purpose: e.purpose,
            granted: e.granted,
            at: e.at,
            textVersion: e.textVersion,
            ...(e.text ? { text: e.text } : {}),
            source: e.evidence?.source ?? 'unknown',
            ...(e.evidence?.messageId ? { messageId: e.evidence.messageId } : {}),
          });
        }
        return { identity: `${i.address.channel}:${i.address.account}:${i.address.user}`, purposes: [...latest.values()] };
      }),
    );
  }

  /** Logs a request as received, to be handled later (its deadline runs from `receivedAt`). */
  async log(workspaceId: string, kind: RequestKind, identifier: string, actor: Actor, receivedAt?: Date): Promise<string> {
    const subject = await requireSubject(this.workspace(workspaceId), parseIdentifier(identifier));
    return logRequest({ workspace: workspaceId, kind, subject: subject.pseudonym, actor, ...(receivedAt ? { receivedAt } : {}) });
  }

  requests(workspaceId: string, options: { overdue?: boolean; now?: Date } = {}) {
    return listRequests(this.workspace(workspaceId).id, options);
  }

  extend(workspaceId: string, id: string, reason: string, actor: Actor): Promise<Date> {
    return extendRequest({ workspace: this.workspace(workspaceId).id, id, reason, actor });
  }

  audit(workspaceId: string, options: { since?: Date; limit?: number } = {}) {
    return listAudit(this.workspace(workspaceId).id, options);
  }

  /** What a turn reads from its snapshot changed: the next turn of each identity reads MongoDB. */
  private async stale(subject: Subject): Promise<void> {
    for (const i of subject.identities) await this.deps.queues.staleSnapshot(i.address);
  }
}

export interface ConsentState {
  purpose: string;
  granted: boolean;
  at: Date;
  textVersion: string;
  text?: string;
  source: string;
  messageId?: string;
}
