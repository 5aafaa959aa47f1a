import type { InboundMessage } from '../message.js';
import type { InboundContent } from '../message.js';
import type { ConversationDoc, ConversationStatus } from '../store/conversation.js';

/** The console's inbox views (docs/console-api.md). */
export const inboxViews = ['mine', 'waiting', 'open', 'closed'] as const;
export type InboxView = (typeof inboxViews)[number];

/** One conversation as the inbox lists it and as the console's real-time events carry it (docs/console-api.md). */
export interface InboxSummary {
  id: string;
  channel: string;
  account: string;
  status: ConversationStatus;
  contact: { name?: string };
  assignee?: { id: string; name?: string };
  team?: string;
  lastMessage?: { text: string; sender: string; at: string };
  lastMessageAt?: string;
  waitingSince?: string;
  unread: number;
}

/** The fields of a conversation a summary is made of. */
export type SummaryFields = Pick<ConversationDoc, '_id' | 'channel' | 'account' | 'status'> &
  Partial<
    Pick<ConversationDoc, 'assignee' | 'assigneeName' | 'team' | 'lastText' | 'lastSender' | 'lastMessageAt' | 'waitingSince' | 'inboundCount' | 'readCount'>
  >;

const iso = (date: Date | string | null | undefined) => (date ? new Date(date).toISOString() : undefined);

/**
 * A conversation's inbox summary, from its document alone (plus the contact's name), so a turn can
 * publish it from what it holds in memory and a list needs one read per page.
 */
export function inboxSummary(conversation: SummaryFields, contactName?: string | null): InboxSummary {
  const lastMessageAt = iso(conversation.lastMessageAt);
  const waitingSince = iso(conversation.waitingSince);
  return {
    id: String(conversation._id),
    channel: conversation.channel,
    account: conversation.account,
    status: conversation.status,
    contact: contactName ? { name: contactName } : {},
    ...(conversation.assignee ? { assignee: { id: conversation.assignee, ...(conversation.assigneeName ? { name: conversation.assigneeName } : {}) } } : {}),
    ...(conversation.team ? { team: conversation.team } : {}),
    ...(conversation.lastText && conversation.lastSender && lastMessageAt
      ? { lastMessage: { text: conversation.lastText, sender: conversation.lastSender, at: lastMessageAt } }
      : {}),
    ...(lastMessageAt ? { lastMessageAt } : {}),
    ...(waitingSince ? { waitingSince } : {}),
    unread: Math.max(0, (conversation.inboundCount ?? 0) - (conversation.readCount ?? 0)),
  };
}

/** How long a preview may be: enough for a line in a list, short enough to keep documents and events small. */
export const previewLength = 140;

/** A message's text as a one-line preview of at most {@link previewLength} characters. */
export function preview(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= previewLength ? line : `${line.slice(0, previewLength - 1).trimEnd()}…`;
}

/** The preview of what a contact sent: its text, else what it was (a file, a form). Texts are redacted as they arrive. */
export function inboundPreview(content: InboundContent): string {
  switch (content.type) {
    case 'text':
      return preview(content.text);
    case 'choice':
      return preview(content.text ?? content.choiceId);
    case 'media':
      return preview(content.text || `[${content.media.kind}${content.media.name ? `: ${content.media.name}` : ''}]`);
    case 'form':
      return '[form]';
  }
}

/**
 * What a message changes in the conversation's summary fields: the contact's raises the unread
 * count; a business echo (the business writing from its own device) is the agent side. For a turn
 * that takes the conversation from its snapshot these are set (not incremented), so a retried turn
 * stores the same values.
 */
export function afterInbound(conversation: Pick<ConversationDoc, 'inboundCount'>, inbound: Pick<InboundMessage, 'content' | 'fromBusiness'>) {
  const count = conversation.inboundCount ?? 0;
  return inbound.fromBusiness
    ? { inboundCount: count, lastText: inboundPreview(inbound.content), lastSender: 'agent' as const }
    : { inboundCount: count + 1, lastText: inboundPreview(inbound.content), lastSender: 'contact' as const };
}
