import type { WorkspaceConfig } from '../config/schema.js';
import { openConversationOf } from '../history.js';
import type { Address } from '../message.js';
import type { Queues } from '../queue/queues.js';
import { Contact } from '../store/contact.js';
import { contactId } from '../store/ids.js';
import { normaliseEmail } from '../validate/contact-fields.js';
import { queueEmails } from './queue-email.js';

/** A contact asked from the channel's own client (the widget's menu) for their conversation by e-mail. */
export async function requestTranscript(
  queues: Queues,
  workspace: WorkspaceConfig | undefined,
  at: { address: Address; to: string; key: string },
): Promise<'queued' | 'invalid' | 'unavailable'> {
  const to = normaliseEmail(at.to);
  if (!to) return 'invalid';
  if (!workspace?.email) return 'unavailable';
  const open = await openConversationOf(at.address);
  if (!open) return 'unavailable';
  const contact = contactId(at.address);
  const locale = (await Contact.findById(contact, { locale: 1 }).lean())?.locale ?? undefined;
  await queueEmails(queues, workspace, [
    { kind: 'transcript', to, key: `${at.address.channel}:${at.key}`, conversation: open.id, contact, ...(locale ? { locale } : {}) },
  ]);
  return 'queued';
}
