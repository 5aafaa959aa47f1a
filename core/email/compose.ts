import type { WorkspaceConfig } from '../config/schema.js';
import { Contact } from '../store/contact.js';
import { Conversation } from '../store/conversation.js';
import type { EmailDoc } from '../store/email.js';
import { Lead } from '../store/lead.js';
import { Message } from '../store/message.js';
import { emailText, escapeHtml } from './texts.js';

export interface ComposedEmail {
  subject: string;
  text: string;
  html: string;
}

const at = (date: Date | undefined) => (date ?? new Date()).toISOString().slice(0, 16).replace('T', ' ');

/** A page of lines as text and as escaped HTML. */
function both(intro: string, lines: { who?: string; when?: string; text: string }[]): Omit<ComposedEmail, 'subject'> {
  const text = [intro, '', ...lines.map((l) => `${l.when ? `[${l.when}] ` : ''}${l.who ? `${l.who}: ` : ''}${l.text}`)].join('\n');
  const rows = lines
    .map(
      (l) =>
        `<p>${l.when ? `<small>${escapeHtml(l.when)}</small> ` : ''}${l.who ? `<b>${escapeHtml(l.who)}:</b> ` : ''}${escapeHtml(l.text).replace(/\n/g, '<br>')}</p>`,
    )
    .join('\n');
  return { text, html: `<!doctype html><html><body><p>${escapeHtml(intro)}</p>\n${rows}\n</body></html>` };
}

/**
 * The message one e-mail of the log stands for, made when it goes out (nothing of the body is
 * stored): a transcript holds the conversation's messages with agents' display names, never an
 * agent's e-mail and never the internal notes (they are not messages, and are not read here).
 */
export async function composeEmail(email: EmailDoc, workspace: WorkspaceConfig): Promise<ComposedEmail | undefined> {
  const conversation = email.conversation ? await Conversation.findById(email.conversation).lean() : undefined;
  const contact = email.contact ? await Contact.findById(email.contact, { name: 1 }).lean() : undefined;
  const channel = conversation?.channel ?? 'chat';
  const contactName = contact?.name ?? 'A contact';
  const values = { business: workspace.name, contact: contactName, channel };
  const locale = email.locale ?? undefined;

  if (email.kind === 'lead') {
    const lead = email.lead ? await Lead.findById(email.lead).lean() : undefined;
    if (!lead) return undefined;
    const words = emailText('lead', locale, { ...values, channel: lead.channel });
    const fields = Object.entries((lead.fields ?? {}) as Record<string, unknown>).map(([name, value]) => ({ who: name, text: String(value) }));
    return { subject: words.subject, ...both(words.intro, fields) };
  }
  if (!conversation) return undefined;
  if (email.kind === 'waiting') {
    const minutes = String(Math.max(1, Math.round((Date.now() - (conversation.waitingSince?.getTime() ?? Date.now())) / 60_000)));
    const words = emailText('waiting', locale, { ...values, minutes });
    return { subject: words.subject, ...both(words.intro, conversation.lastText ? [{ who: contactName, text: conversation.lastText }] : []) };
  }
  const messages = await Message.find({ workspace: workspace.id, conversation: conversation._id }).sort({ order: 1 }).lean();
  const self = email.kind === 'transcript' ? emailText('transcript', locale, values) : emailText('close-copy', locale, values);
  const you = email.kind === 'transcript' ? (locale?.startsWith('cs') ? 'Vy' : 'You') : contactName;
  const lines = messages.flatMap((m) => {
    const text = m.text ?? (m.choiceId ? String(m.choiceId) : m.fields ? Object.values(m.fields as Record<string, unknown>).join(', ') : undefined);
    if (!text) return [];
    const who = m.sender === 'contact' ? you : m.sender === 'agent' ? (m.senderName ?? 'Agent') : m.sender === 'bot' ? workspace.name : undefined;
    return [{ who, when: at(m.createdAt), text }];
  });
  return { subject: self.subject, ...both(self.intro, lines) };
}
