import { createHash } from 'node:crypto';
import type { Address } from './message.js';
import { ConsentEvent } from './store/consent.js';
import { Contact } from './store/contact.js';
import { consentId, contactId } from './store/ids.js';

/** One consent event as an adapter or the router reports it. */
export interface ConsentInput {
  address: Address;
  purpose: string;
  granted: boolean;
  textVersion: string;
  text?: string;
  evidence: {
    /** E.g. `widget-notice`, `widget-checkbox`, `widget-menu`, `keyword`, `first-contact`. */
    source: string;
    /**
     * What makes this event unique and replay-safe (a message id, a client event id):
     * the same key records the event once.
     */
    key: string;
    messageId?: string;
    /** Coarse only (browser family and OS), never the full string. */
    userAgent?: string;
    /** Only when the workspace enables `privacy.storeIp`. */
    ip?: string;
  };
  at?: Date;
}

const duplicateKey = 11000;

/**
 * Appends a consent event (idempotent by its evidence key) and mirrors the
 * messaging consent on the contact, where turns read it. Called outside a turn, the
 * caller then marks the conversation's snapshot stale (`Queues.staleSnapshot`), as the
 * hub does for the adapters' consent.
 */
export async function recordConsent(input: ConsentInput): Promise<void> {
  const { address, evidence } = input;
  const { key, ...proof } = evidence;
  const contact = contactId(address);
  try {
    await ConsentEvent.create({
      _id: consentId({ ...address, purpose: input.purpose, evidenceKey: key }),
      workspace: address.workspace,
      channel: address.channel,
      account: address.account,
      user: address.user,
      contact,
      purpose: input.purpose,
      granted: input.granted,
      textVersion: input.textVersion,
      text: input.text,
      evidence: proof,
      at: input.at ?? new Date(),
    });
  } catch (err) {
    if ((err as { code?: number }).code !== duplicateKey) throw err;
  }
  if (input.purpose === 'messaging') {
    await Contact.updateOne({ _id: contact }, input.granted ? { $unset: { stopped: 1 } } : { $set: { stopped: true } });
  }
}

/** A version for a consent question's text, so the ledger says which wording a person agreed to. */
export function textVersion(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}
