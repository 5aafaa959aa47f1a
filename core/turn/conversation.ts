import type { InboundMessage } from '../message.js';
import { Contact } from '../store/contact.js';
import { Conversation, type ConversationDoc } from '../store/conversation.js';
import { contactId } from '../store/ids.js';
import { inWorkspace } from '../store/in-workspace.js';
import type { TurnContact } from './types.js';

/** Name and locale as the contact's platform gave them (the flow uses them in texts and to pick a language). */
export function profileOf(contact: { name?: string | null; locale?: string | null } | null): TurnContact['profile'] {
  return { ...(contact?.name ? { name: contact.name } : {}), ...(contact?.locale ? { locale: contact.locale } : {}) };
}

/**
 * The address's open conversation, created with its contact on first contact; bumps its sequence.
 * The platform's profile (name, locale) fills what the contact lacks and never overwrites it.
 */
export async function openConversation(inbound: InboundMessage): Promise<{ conversation: ConversationDoc; contact: TurnContact }> {
  const { workspace, channel, account, user } = inbound.address;
  const now = new Date(inbound.receivedAt);
  const _id = contactId(inbound.address);
  const fields = { openConversation: 1, name: 1, locale: 1, stopped: 1, noticeVersion: 1 };
  const profile = inbound.profile;
  let contact = await Contact.findById(_id, fields).lean();
  if (!contact) {
    contact = await Contact.findOneAndUpdate(
      { _id },
      {
        $setOnInsert: {
          workspace,
          channel,
          account,
          user,
          ...(profile?.name ? { name: profile.name } : {}),
          ...(profile?.locale ? { locale: profile.locale } : {}),
        },
      },
      { upsert: true, returnDocument: 'after' }, // (FerretDB v1 has no projection on findAndModify)
    ).lean();
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
  };
  if (contact?.openConversation) {
    // By `_id` alone, the look-up FerretDB v1 answers from an index; closing a conversation clears the pointer.
    const open = inWorkspace(
      await Conversation.findByIdAndUpdate(contact.openConversation, { $inc: { seq: 1 }, $set: { lastMessageAt: now } }, { returnDocument: 'after' }).lean(),
      workspace,
    );
    if (open && open.status !== 'closed') return { conversation: open, contact: state };
  }
  // One worker at a time holds the conversation's mailbox, so no other creates this conversation concurrently.
  const created = (await Conversation.create({ workspace, channel, account, user, contact: _id, status: 'bot', seq: 1, lastMessageAt: now })).toObject();
  await Contact.updateOne({ _id }, { $set: { openConversation: created._id } });
  return { conversation: created, contact: state };
}
