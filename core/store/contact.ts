import { Schema, model } from 'mongoose';
import { privacyContract } from '../privacy/contract.js';
import { scalarFieldFilters } from './scalar-filters.js';

/** A person as one channel account knows them. */
const contactSchema = new Schema(
  {
    /** Derived from the address (see ids.ts), so the router finds a contact by `_id`. */
    _id: { type: String, required: true },
    workspace: { type: String, required: true },
    channel: { type: String, required: true },
    account: { type: String, required: true },
    /** The platform's user id. */
    user: { type: String, required: true },
    name: { type: String },
    locale: { type: String },
    email: { type: String },
    phone: { type: String },
    /** Profile fields the person typed themselves (a pre-chat form): the platform's profile never overwrites them. */
    typed: { type: [String], default: undefined },
    /** The contact said STOP: nothing but the confirmation is sent until START (proof in `consents`). */
    stopped: { type: Boolean },
    /**
     * Processing restricted (GDPR Art. 18): what they write is stored, but the bot stays silent,
     * nothing goes to the CRM, they are left out of analytics, and agents see it. Until lifted.
     */
    restricted: { type: Boolean },
    /** Objected (Art. 21): no marketing and nothing resting on legitimate interest (idle reminders, analytics). */
    objected: { type: Boolean },
    /** Kept whatever the retention policy says (a legal claim, an investigation), until released. */
    legalHold: { type: Boolean },
    /** When retention anonymised it (left without conversations past its policy). */
    anonymisedAt: { type: Date },
    /** The version of the data-processing notice this contact was shown. */
    noticeVersion: { type: String },
    /** The contact's conversation that is not closed, if any: the router's way in without a query. */
    openConversation: { type: Schema.Types.ObjectId, ref: 'Conversation' },
  },
  { timestamps: true, versionKey: false },
);
contactSchema.index({ workspace: 1, channel: 1, account: 1, user: 1 }, { unique: true });

contactSchema.plugin(scalarFieldFilters);
export const Contact = model('Contact', contactSchema, 'contacts');

/** Privacy contract (see core/privacy/contract.ts). */
export const contactPrivacy = privacyContract({
  store: { mongodb: 'contacts' },
  purpose: 'one per channel identity: who wrote, what they typed about themselves, whether they said STOP',
  personal: ['user', 'name', 'locale', 'email', 'phone', 'typed'],
  findBy: '_id (a hash of the address), or the platform user id in `user`; `email`/`phone` for what they typed',
  erasure: { action: 'delete' },
  retention: 'contacts',
});
