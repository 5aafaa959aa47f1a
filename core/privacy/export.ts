import type { Model } from 'mongoose';
import type { WorkspaceConfig } from '../config/schema.js';
import { ConsentEvent } from '../store/consent.js';
import { Contact } from '../store/contact.js';
import { Conversation } from '../store/conversation.js';
import { Lead } from '../store/lead.js';
import { ConversationNote } from '../store/conversation-note.js';
import { Email } from '../store/email.js';
import { Message } from '../store/message.js';
import { PrivacyRequest } from '../store/privacy-request.js';
import type { Subject } from './subject.js';

/** The export's schema: bump `version` on any change that is not a new optional field (docs/privacy-export.md). */
export const exportSchema = { name: 'switchboard.privacy-export', version: 1 } as const;

/**
 * Everything held about a person in one workspace (GDPR Art. 15 and 20), as one JSON document:
 * their identities (contacts), conversations with their messages, leads, consent events and
 * privacy requests, and what the channels keep of them. Internal bookkeeping (the bot's state
 * machine, delivery attempts) is left out; what they wrote, what they were sent and when is in.
 * Media are the platforms' handles (the hub does not copy files), listed with their messages.
 */
export async function exportSubject(
  workspace: WorkspaceConfig,
  subject: Subject,
  channelModels: readonly Model<any>[], // eslint-disable-line @typescript-eslint/no-explicit-any
): Promise<Record<string, unknown>> {
  const ws = workspace.id;
  const contacts = subject.identities.map((i) => i.contact);
  const conversations = await Conversation.find({ workspace: ws, contact: { $in: contacts } })
    .sort({ createdAt: 1 })
    .lean();
  const ofThem = { workspace: ws, conversation: { $in: conversations.map((c) => c._id) } };
  const messages = await Message.find(ofThem).sort({ order: 1 }).lean();
  const byConversation = new Map<string, typeof messages>();
  for (const m of messages) byConversation.set(String(m.conversation), [...(byConversation.get(String(m.conversation)) ?? []), m]);
  // What agents wrote about them is data about them too (Art. 15); the author is left out.
  const notes = await ConversationNote.find(ofThem).sort({ at: 1 }).lean();
  const emails = await Email.find({ workspace: ws, $or: [ofThem, { contact: { $in: contacts } }] })
    .sort({ createdAt: 1 })
    .lean();
  const channels: Record<string, unknown[]> = {};
  for (const model of channelModels) {
    if (!model.schema.path('user') || !model.schema.path('account')) continue;
    const docs = await model.find({ workspace: ws, $or: subject.identities.map((i) => ({ account: i.address.account, user: i.address.user })) }).lean();
    if (docs.length) channels[model.collection.collectionName] = docs;
  }
  return {
    schema: exportSchema.name,
    version: exportSchema.version,
    workspace: ws,
    exportedAt: new Date().toISOString(),
    identifier: subject.identifier,
    identities: subject.identities.map((i) => ({ channel: i.address.channel, account: i.address.account, user: i.address.user, linkedBy: i.via })),
    contacts: (await Contact.find({ _id: { $in: contacts } }).lean()).map(({ _id, openConversation: _open, ...c }) => ({ id: _id, ...c })),
    conversations: conversations.map((c) => ({
      id: String(c._id),
      channel: c.channel,
      account: c.account,
      status: c.status,
      startedAt: c.createdAt,
      lastMessageAt: c.lastMessageAt,
      messages: (byConversation.get(String(c._id)) ?? []).map((m) => ({
        id: m._id,
        direction: m.direction,
        sender: m.sender,
        at: m.receivedAt ?? m.createdAt,
        ...(m.text !== undefined ? { text: m.text } : {}),
        ...(m.choiceId ? { choice: m.choiceId } : {}),
        ...(m.choices?.length ? { choices: m.choices } : {}),
        ...(m.media?.ref ? { media: m.media } : {}),
        ...(m.fields ? { fields: m.fields } : {}),
        status: m.status,
      })),
      notes: notes.filter((n) => String(n.conversation) === String(c._id)).map((n) => ({ at: n.at, text: n.text })),
    })),
    leads: (
      await Lead.find({ workspace: ws, contact: { $in: contacts } })
        .sort({ createdAt: 1 })
        .lean()
    ).map((l) => ({
      id: l._id,
      channel: l.channel,
      flow: l.flow,
      form: l.form,
      fields: l.fields,
      consent: l.consent ?? null,
      crm: l.crm?.status ?? null,
      createdAt: l.createdAt,
    })),
    emails: emails.map((e) => ({
      kind: e.kind,
      to: e.to,
      ...(e.conversation ? { conversation: String(e.conversation) } : {}),
      status: e.status,
      createdAt: e.createdAt,
      ...(e.sentAt ? { sentAt: e.sentAt } : {}),
    })),
    consents: (
      await ConsentEvent.find({ workspace: ws, contact: { $in: contacts } })
        .sort({ at: 1 })
        .lean()
    ).map((e) => ({
      channel: e.channel,
      purpose: e.purpose,
      granted: e.granted,
      textVersion: e.textVersion,
      ...(e.text ? { text: e.text } : {}),
      evidence: e.evidence,
      at: e.at,
    })),
    requests: (await PrivacyRequest.find({ workspace: ws, subject: subject.pseudonym }).sort({ receivedAt: 1 }).lean()).map((r) => ({
      id: String(r._id),
      kind: r.kind,
      status: r.status,
      receivedAt: r.receivedAt,
      dueAt: r.extension?.until ?? r.dueAt,
      ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}),
    })),
    channels,
  };
}
