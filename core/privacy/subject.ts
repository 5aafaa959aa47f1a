import type { WorkspaceConfig } from '../config/schema.js';
import type { Address } from '../message.js';
import { Contact } from '../store/contact.js';
import { contactId } from '../store/ids.js';
import { Lead } from '../store/lead.js';
import { normaliseEmail } from '../validate/contact-fields.js';
import { toE164 } from '../validate/phone.js';
import { identifierText, type Identifier } from './identifier.js';
import { pseudonym } from './pseudonym.js';

/** One identity of the person: a contact (one per channel account), and how it was linked to them. */
export interface Identity {
  contact: string;
  address: Address;
  /** Why it belongs to the person: the identifier asked for, or the e-mail/phone it shares with another identity. */
  via: string;
  restricted?: boolean;
  objected?: boolean;
  legalHold?: boolean;
}

/** A person in one workspace, as a request found them: every identity linked to the identifier. */
export interface Subject {
  workspace: string;
  /** The identifier asked for, canonical. */
  identifier: string;
  /** Its keyed pseudonym: what the request and audit logs record. */
  pseudonym: string;
  identities: Identity[];
}

/** The identifier matches nothing in the workspace: nothing was changed. */
export class SubjectNotFoundError extends Error {}

type ContactDoc = {
  _id: string;
  channel: string;
  account: string;
  user: string;
  email?: string | null;
  phone?: string | null;
  restricted?: boolean | null;
  objected?: boolean | null;
  legalHold?: boolean | null;
};
const contactFields = { channel: 1, account: 1, user: 1, email: 1, phone: 1, restricted: 1, objected: 1, legalHold: 1 };

/** E-mail addresses and phone numbers among a lead's answers (whatever the form calls its fields). */
function reachableIn(fields: Record<string, unknown>): { emails: string[]; phones: string[] } {
  const emails: string[] = [];
  const phones: string[] = [];
  for (const value of Object.values(fields ?? {})) {
    if (typeof value !== 'string') continue;
    const email = normaliseEmail(value)?.toLowerCase();
    if (email) emails.push(email);
    const phone = toE164(value);
    if (phone) phones.push(phone);
  }
  return { emails, phones };
}

/**
 * Finds the person an identifier names in a workspace, and every other identity of theirs there:
 * contacts sharing an e-mail address or phone number they typed (a pre-chat form, a lead form),
 * transitively, and on WhatsApp the number itself. A data-subject request acts on all of them.
 * These are scans (FerretDB answers only `_id` look-ups from an index), fine for a rare request.
 */
export async function findSubject(workspace: WorkspaceConfig, id: Identifier): Promise<Subject> {
  const ws = workspace.id;
  const identifier = identifierText(id);
  const leads = (await Lead.find({ workspace: ws }, { contact: 1, fields: 1 }).lean()).map((l) => ({
    contact: l.contact,
    ...reachableIn(l.fields as Record<string, unknown>),
  }));
  const found = new Map<string, Identity>();
  const seenEmails = new Set<string>();
  const seenPhones = new Set<string>();
  const emails: [string, string][] = [];
  const phones: [string, string][] = [];
  const add = (contacts: ContactDoc[], via: string) => {
    for (const c of contacts) {
      if (found.has(c._id)) continue;
      found.set(c._id, {
        contact: c._id,
        address: { workspace: ws, channel: c.channel, account: c.account, user: c.user },
        via,
        ...(c.restricted ? { restricted: true } : {}),
        ...(c.objected ? { objected: true } : {}),
        ...(c.legalHold ? { legalHold: true } : {}),
      });
      const name = `${c.channel}:${c.account}`;
      if (c.email) emails.push([c.email.toLowerCase(), `the e-mail typed on ${name}`]);
      if (c.phone) phones.push([c.phone, `the phone typed on ${name}`]);
      for (const lead of leads.filter((l) => l.contact === c._id)) {
        for (const e of lead.emails) emails.push([e, `an e-mail in a lead from ${name}`]);
        for (const p of lead.phones) phones.push([p, `a phone in a lead from ${name}`]);
      }
    }
  };
  // Whoever typed an e-mail or phone (pre-chat forms, rectifications), compared case-insensitively as people use addresses.
  const typed = await Contact.find({ workspace: ws, $or: [{ email: { $exists: true } }, { phone: { $exists: true } }] }, contactFields).lean<ContactDoc[]>();
  const byIds = async (ids: string[]) => (ids.length ? Contact.find({ _id: { $in: ids } }, contactFields).lean<ContactDoc[]>() : []);

  switch (id.kind) {
    case 'email':
      emails.push([id.email.toLowerCase(), identifier]);
      break;
    case 'phone':
      phones.push([id.phone, identifier]);
      break;
    case 'visitor':
      add(await Contact.find({ workspace: ws, channel: 'widget', user: id.visitor }, contactFields).lean<ContactDoc[]>(), identifier);
      break;
    case 'address': {
      const address = { workspace: ws, channel: id.channel, account: id.account, user: id.user };
      add(await byIds([contactId(address)]), identifier);
      break;
    }
  }
  // Follow e-mails and phones to more identities until none is new.
  while (emails.length || phones.length) {
    const [email, via] = emails.shift() ?? [];
    if (email !== undefined && !seenEmails.has(email)) {
      seenEmails.add(email);
      add(
        typed.filter((c) => c.email?.toLowerCase() === email),
        via!,
      );
      add(await byIds(leads.filter((l) => l.emails.includes(email)).map((l) => l.contact)), via!);
    }
    const [phone, phoneVia] = phones.shift() ?? [];
    if (phone !== undefined && !seenPhones.has(phone)) {
      seenPhones.add(phone);
      const digits = phone.slice(1);
      add(
        typed.filter((c) => c.phone === phone),
        phoneVia!,
      );
      // WhatsApp's user id is the number (Cloud: digits; Web: digits@c.us).
      add(
        await Contact.find({ workspace: ws, channel: 'whatsapp', user: { $in: [digits, phone, `${digits}@c.us`] } }, contactFields).lean<ContactDoc[]>(),
        phoneVia!,
      );
      add(await byIds(leads.filter((l) => l.phones.includes(phone)).map((l) => l.contact)), phoneVia!);
    }
  }
  return { workspace: ws, identifier, pseudonym: pseudonym(workspace, identifier), identities: [...found.values()] };
}

/** Like {@link findSubject}, but an identifier that matches nothing is an error (and nothing changes). */
export async function requireSubject(workspace: WorkspaceConfig, id: Identifier): Promise<Subject> {
  const subject = await findSubject(workspace, id);
  if (!subject.identities.length) {
    throw new SubjectNotFoundError(`nobody in workspace "${workspace.id}" is known by ${subject.identifier}; nothing was changed`);
  }
  return subject;
}
