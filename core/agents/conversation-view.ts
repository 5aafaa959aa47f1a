import { findConversation } from '../conversations.js';
import { ConsentEvent } from '../store/consent.js';
import { Contact } from '../store/contact.js';
import { ConversationEvent } from '../store/conversation-event.js';
import { ConversationNote } from '../store/conversation-note.js';
import { Lead } from '../store/lead.js';
import { Message } from '../store/message.js';
import { agentNames } from './agent-names.js';
import { inboxSummary, type InboxSummary } from './inbox-summary.js';

/** How many of a conversation's messages the console gets: the last ones. */
export const viewMessages = 500;
/** Leads shown in the contact panel: the latest ones. */
const viewLeads = 50;

export interface ConversationView {
  conversation: InboxSummary & { restricted: boolean };
  messages: {
    id: string;
    sender: string;
    senderName?: string;
    text?: string;
    choice?: string;
    media?: { kind: string; name?: string }[];
    status: string;
    error?: string;
    at: string;
  }[];
  notes: { id: string; author: { id: string; name?: string }; text: string; at: string }[];
  events: { kind: string; actor: string; at: string }[];
  contact: {
    name?: string;
    identities: string[];
    typed: Record<string, string>;
    leads: { form: string; fields: Record<string, unknown>; at: string }[];
    consent: { purpose: string; granted: boolean; at: string }[];
    noticeSeen?: string;
  };
}

/** Who did it, as the console shows it: an agent's display name (never their e-mail), `bot`, or the key's or CLI user's id. */
function actorName(actor: string, names: Map<string, string>): string {
  if (!actor.startsWith('agent:')) return actor;
  return names.get(actor.slice('agent:'.length)) ?? 'a removed agent';
}

const iso = (d: Date | string | null | undefined) => new Date(d ?? 0).toISOString();

/**
 * A conversation as the console shows it: its summary, its last {@link viewMessages} messages
 * oldest first with their delivery state and failures, the agents' notes, what happened to it
 * (handoffs, takeovers; agents' replies are its messages), and the contact panel. Every read is
 * by `_id` or by the workspace and conversation (or address) an index leads with.
 */
export async function conversationView(workspace: string, id: string): Promise<ConversationView> {
  const conversation = await findConversation(workspace, id);
  const of = { workspace, conversation: conversation._id };
  const [contact, recent, notes, events] = await Promise.all([
    Contact.findById(conversation.contact).lean(),
    Message.find(of, { sender: 1, senderName: 1, text: 1, choiceId: 1, media: 1, status: 1, error: 1, receivedAt: 1, createdAt: 1 })
      .sort({ order: -1 })
      .limit(viewMessages)
      .lean(),
    ConversationNote.find(of).sort({ at: 1 }).lean(),
    ConversationEvent.find({ ...of, kind: { $ne: 'agent_reply' } })
      .sort({ at: 1 })
      .lean(),
  ]);
  const person = contact?.workspace === workspace ? contact : null;
  const address = { workspace, channel: conversation.channel, account: conversation.account, user: conversation.user };
  const [leads, consents] = await Promise.all([
    Lead.find({ workspace, contact: conversation.contact }, { form: 1, fields: 1, createdAt: 1 }).sort({ createdAt: -1 }).limit(viewLeads).lean(),
    ConsentEvent.find(address, { purpose: 1, granted: 1, at: 1 }).sort({ at: 1 }).lean(),
  ]);
  const names = await agentNames(workspace, [
    ...notes.map((n) => n.author),
    ...events.flatMap((e) => (e.actor.startsWith('agent:') ? [e.actor.slice('agent:'.length)] : [])),
    ...(conversation.assignee && !conversation.assigneeName ? [conversation.assignee] : []),
  ]);
  // The latest event per purpose is the state; the ledger keeps the history.
  const consent = new Map<string, { purpose: string; granted: boolean; at: string }>();
  for (const c of consents) consent.set(c.purpose, { purpose: c.purpose, granted: c.granted, at: iso(c.at) });
  const typed: Record<string, string> = {};
  for (const field of person?.typed ?? []) {
    const value = (person as Record<string, unknown> | null)?.[field];
    if (typeof value === 'string') typed[field] = value;
  }
  const assigneeName = conversation.assigneeName ?? (conversation.assignee ? names.get(conversation.assignee) : undefined);
  return {
    conversation: {
      ...inboxSummary({ ...conversation, ...(assigneeName ? { assigneeName } : {}) }, person?.name),
      restricted: Boolean(conversation.restricted || person?.restricted),
    },
    messages: recent.reverse().map((m) => ({
      id: m._id,
      sender: m.sender,
      ...(m.senderName ? { senderName: m.senderName } : {}),
      ...(m.text !== undefined && m.text !== null ? { text: m.text } : {}),
      ...(m.choiceId ? { choice: m.choiceId } : {}),
      ...(m.media?.kind ? { media: [{ kind: m.media.kind, ...(m.media.name ? { name: m.media.name } : {}) }] } : {}),
      status: m.status,
      ...((m.status === 'failed' || m.status === 'dropped') && m.error?.message ? { error: m.error.message } : {}),
      at: iso(m.receivedAt ?? m.createdAt),
    })),
    notes: notes.map((n) => ({
      id: String(n._id),
      author: { id: n.author, ...(names.get(n.author) ? { name: names.get(n.author)! } : {}) },
      text: n.text,
      at: iso(n.at),
    })),
    events: events.map((e) => ({ kind: e.kind, actor: actorName(e.actor, names), at: iso(e.at) })),
    contact: {
      ...(person?.name ? { name: person.name } : {}),
      identities: [`${conversation.channel}:${conversation.account}:${conversation.user}`],
      typed,
      leads: leads.map((l) => ({ form: l.form, fields: (l.fields ?? {}) as Record<string, unknown>, at: iso(l.createdAt) })),
      consent: [...consent.values()],
      ...(person?.noticeVersion ? { noticeSeen: person.noticeVersion } : {}),
    },
  };
}
