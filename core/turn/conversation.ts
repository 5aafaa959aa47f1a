import { afterInbound, inboundPreview } from '../agents/inbox-summary.js';
import type { InboundMessage } from '../message.js';
import { Contact } from '../store/contact.js';
import { Conversation, type ConversationDoc } from '../store/conversation.js';
import { Types } from 'mongoose';
import { contactId } from '../store/ids.js';
import { inWorkspace } from '../store/in-workspace.js';
import { insertIgnoringDuplicates, prepared } from './documents.js';
import type { TurnContact } from './types.js';

/** Name and locale as the contact's platform gave them (the flow uses them in texts and to pick a language). */
export function profileOf(contact: { name?: string | null; locale?: string | null } | null): TurnContact['profile'] {
  return { ...(contact?.name ? { name: contact.name } : {}), ...(contact?.locale ? { locale: contact.locale } : {}) };
}

/** What a message moves on its conversation: the last message time, and the contact's last inbound time unless the business wrote it. */
export function messageTimes(inbound: InboundMessage): { lastMessageAt: Date; lastInboundAt?: Date } {
  const at = new Date(inbound.receivedAt);
  return { lastMessageAt: at, ...(inbound.fromBusiness ? {} : { lastInboundAt: at }) };
}

/** What a message sets of a new conversation's inbox summary (see core/agents/inbox-summary.ts). */
const firstInbound = (inbound: InboundMessage) => afterInbound({ inboundCount: 0 }, inbound);

/**
 * The address's open conversation, created with its contact on first contact; bumps its sequence
 * and, in the same write, what the inbox shows of it (the contact's message as the preview, one more unread).
 * The platform's profile (name, locale) fills what the contact lacks and never overwrites it.
 */
export async function openConversation(inbound: InboundMessage): Promise<{ conversation: ConversationDoc; contact: TurnContact }> {
  const { workspace, channel, account, user } = inbound.address;
  const times = messageTimes(inbound);
  const _id = contactId(inbound.address);
  const fields = { openConversation: 1, name: 1, locale: 1, stopped: 1, noticeVersion: 1, restricted: 1, objected: 1 };
  const profile = inbound.profile;
  let contact = await Contact.findById(_id, fields).lean();
  if (!contact) {
    const first = await firstContact(inbound, _id);
    if (first) return first;
    // Created meanwhile outside the turns (the widget's consent): it goes on below as a contact without a conversation.
    contact = await Contact.findById(_id, fields).lean();
  } else if ((profile?.name && !contact.name) || (profile?.locale && !contact.locale)) {
    const fill = { ...(profile.name && !contact.name ? { name: profile.name } : {}), ...(profile.locale && !contact.locale ? { locale: profile.locale } : {}) };
    await Contact.updateOne({ _id }, { $set: fill });
    contact = { ...contact, ...fill };
  }
  const state: TurnContact = {
    id: _id,
    profile: profileOf(contact),
    stopped: contact?.stopped === true,
    ...(contact?.noticeVersion ? { noticeVersion: contact.noticeVersion } : {}),
    ...(contact?.restricted ? { restricted: true } : {}),
    ...(contact?.objected ? { objected: true } : {}),
  };
  if (contact?.openConversation) {
    // By `_id` alone, the look-up FerretDB v1 answers from an index; closing a conversation clears the pointer.
    const open = inWorkspace(
      await Conversation.findByIdAndUpdate(
        contact.openConversation,
        {
          $inc: { seq: 1, ...(inbound.fromBusiness ? {} : { inboundCount: 1 }) },
          $set: { ...times, lastText: inboundPreview(inbound.content), lastSender: inbound.fromBusiness ? 'agent' : 'contact' },
        },
        { returnDocument: 'after' },
      ).lean(),
      workspace,
    );
    if (open && open.status !== 'closed') return { conversation: open, contact: state };
  }
  // One worker at a time holds the conversation's mailbox, so no other creates this conversation concurrently.
  const created = (
    await Conversation.create({ workspace, channel, account, user, contact: _id, status: 'bot', seq: 1, ...times, ...firstInbound(inbound) })
  ).toObject();
  await Contact.updateOne({ _id }, { $set: { openConversation: created._id } });
  return { conversation: created, contact: state };
}

/**
 * A person's first message: the contact is inserted pointing at a conversation that is inserted
 * next (two writes, not an upsert, an insert and a pointer update). A crash between the two leaves
 * a pointer to nothing, which the next turn finds and replaces. Undefined when the contact exists
 * after all (created outside the turns since it was looked up).
 */
async function firstContact(inbound: InboundMessage, _id: string): Promise<{ conversation: ConversationDoc; contact: TurnContact } | undefined> {
  const { workspace, channel, account, user } = inbound.address;
  const profile = inbound.profile;
  const conversation = prepared(
    {
      _id: new Types.ObjectId(),
      workspace,
      channel,
      account,
      user,
      contact: _id,
      status: 'bot' as const,
      seq: 1,
      ...messageTimes(inbound),
      ...firstInbound(inbound),
    },
    Conversation,
  );
  const contact = { _id, ...inbound.address, ...profileOf(profile ?? null), openConversation: conversation._id };
  if (await insertIgnoringDuplicates([contact], Contact)) return undefined;
  await insertIgnoringDuplicates([conversation], Conversation);
  return { conversation: conversation as unknown as ConversationDoc, contact: { id: _id, profile: profileOf(contact), stopped: false } };
}
