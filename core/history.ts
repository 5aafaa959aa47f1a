import type { Address, Choice, FormSpec } from './message.js';
import { Contact } from './store/contact.js';
import { Conversation } from './store/conversation.js';
import { contactId } from './store/ids.js';
import { inWorkspace } from './store/in-workspace.js';
import { Message } from './store/message.js';

/** One message of a conversation as a client (the widget) shows it. */
export interface HistoryEntry {
  id: string;
  /** Position in the conversation; ask for `after` the last one seen to catch up. */
  order: number;
  direction: 'in' | 'out';
  sender: 'contact' | 'bot' | 'agent' | 'system';
  /** An agent's display name. */
  senderName?: string;
  /** The inbound message's platform id (the client's own id for what it sent). */
  platformId?: string;
  text?: string;
  choices?: Choice[];
  form?: FormSpec;
  at: string;
}

/** The messages of the address's open conversation after `after`, oldest first (at most `limit`). */
export async function conversationHistory(address: Address, options: { after?: number; limit?: number } = {}): Promise<HistoryEntry[]> {
  const contact = inWorkspace(await Contact.findById(contactId(address), { openConversation: 1, workspace: 1 }).lean(), address.workspace);
  if (!contact?.openConversation) return [];
  const messages = await Message.find(
    { workspace: address.workspace, conversation: contact.openConversation, order: { $gt: options.after ?? -1 } },
    { direction: 1, sender: 1, senderName: 1, platformId: 1, text: 1, choices: 1, form: 1, order: 1, createdAt: 1, status: 1 },
  )
    .sort({ order: 1 })
    .limit(options.limit ?? 200)
    .lean();
  return messages.map((m) => ({
    id: m._id,
    order: m.order,
    direction: m.direction,
    sender: m.sender,
    ...(m.senderName ? { senderName: m.senderName } : {}),
    ...(m.direction === 'in' && m.platformId ? { platformId: m.platformId } : {}),
    ...(m.text ? { text: m.text } : {}),
    ...(m.choices?.length ? { choices: m.choices.map((c) => ({ id: c.id, label: c.label })) } : {}),
    ...(m.form ? { form: m.form as FormSpec } : {}),
    at: (m.createdAt ?? new Date()).toISOString(),
  }));
}

/** The address's open conversation: its id and status. */
export async function openConversationOf(address: Address): Promise<{ id: string; status: 'bot' | 'waiting' | 'agent' | 'closed' } | undefined> {
  const contact = inWorkspace(await Contact.findById(contactId(address), { openConversation: 1, workspace: 1 }).lean(), address.workspace);
  if (!contact?.openConversation) return undefined;
  const conversation = await Conversation.findById(contact.openConversation, { status: 1 }).lean();
  return conversation && conversation.status !== 'closed' ? { id: String(conversation._id), status: conversation.status } : undefined;
}
