import { Schema, model } from 'mongoose';
import { privacyContract } from '../privacy/contract.js';
import { scalarFieldFilters } from './scalar-filters.js';

/**
 * The consent ledger: append-only. A change of mind is a new event, never an
 * update, so the history is the proof. The current state of a contact's
 * messaging consent is mirrored on the contact (`stopped`) for the router.
 */
const consentEventSchema = new Schema(
  {
    /** Derived from the evidence (see ids.ts), so a retried turn records an event once. */
    _id: { type: String, required: true },
    workspace: { type: String, required: true },
    channel: { type: String, required: true },
    account: { type: String, required: true },
    /** The platform's user id of the person (the subject). */
    user: { type: String, required: true },
    contact: { type: String, required: true, ref: 'Contact' },
    /**
     * `notice`: the data-processing notice was shown (support rests on legitimate interest);
     * `messaging`: the contact wants messages on this channel (STOP/START);
     * `marketing` or a form's own purpose: an explicit opt-in.
     */
    purpose: { type: String, required: true },
    granted: { type: Boolean, required: true },
    /** The version of the text shown (config `privacy.notice.version`, or a hash of the question). */
    textVersion: { type: String, required: true },
    /** The text exactly as the person saw it. */
    text: { type: String },
    /** How it was given: the source and what proves it (a message id, the coarse user agent). */
    evidence: {
      source: { type: String, required: true },
      messageId: { type: String },
      userAgent: { type: String },
      ip: { type: String },
    },
    /** When retention anonymised it: the person is a pseudonym, the proof of what was asked and answered stays. */
    anonymisedAt: { type: Date },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
consentEventSchema.index({ workspace: 1, channel: 1, account: 1, user: 1, at: -1 });

consentEventSchema.plugin(scalarFieldFilters);
export const ConsentEvent = model('ConsentEvent', consentEventSchema, 'consents');

/** Privacy contract (see core/privacy/contract.ts). */
export const consentPrivacy = privacyContract({
  store: { mongodb: 'consents' },
  purpose: 'the consent ledger: each grant or withdrawal with the text shown and its proof',
  personal: ['user', 'contact', 'evidence'],
  findBy: '`contact` (the contact id)',
  erasure: {
    action: 'anonymise',
    keeps: 'purpose, granted, text version and time, under a pseudonym: the proof that consent was asked for and given (Art. 7(1))',
  },
  retention: 'consents',
});
