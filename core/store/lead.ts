import { Schema, model } from 'mongoose';
import { privacyContract } from '../privacy/contract.js';
import { scalarFieldFilters } from './scalar-filters.js';

const consentSchema = new Schema(
  {
    purpose: { type: String, required: true },
    granted: { type: Boolean, required: true },
    /** The question exactly as the contact saw it: part of the proof. */
    text: { type: String, required: true },
    /** Withdrawn later (STOP, "Stop news and offers", an objection): the consent ledger holds the proof. */
    withdrawnAt: { type: Date },
  },
  { _id: false },
);

/** A completed lead form. */
const leadSchema = new Schema(
  {
    /** Derived from the inbound message that completed the form, so a retried turn stores it once. */
    _id: { type: String, required: true },
    workspace: { type: String, required: true },
    conversation: { type: Schema.Types.ObjectId, required: true, ref: 'Conversation' },
    contact: { type: String, required: true, ref: 'Contact' },
    channel: { type: String, required: true },
    account: { type: String, required: true },
    flow: { type: String, required: true },
    form: { type: String, required: true },
    /** Field name → answer. Names are identifiers (checked by the flow loader): no `.` or `$`. */
    fields: { type: Schema.Types.Mixed, required: true },
    consent: { type: consentSchema },
    /** Delivery to the workspace's CRM webhook, when one is configured. */
    crm: {
      status: { type: String, enum: ['queued', 'sent', 'failed', 'held'] },
      attempts: { type: Number },
      error: { type: String },
      sentAt: { type: Date },
    },
    /** When retention anonymised it (its answers and the consent text are gone). */
    anonymisedAt: { type: Date },
  },
  { timestamps: true, versionKey: false, minimize: false },
);
leadSchema.index({ workspace: 1, createdAt: -1 });
// A contact's leads (the console's contact panel, erasure), answered from the index on FerretDB too.
leadSchema.index({ workspace: 1, contact: 1 });

leadSchema.plugin(scalarFieldFilters);
export const Lead = model('Lead', leadSchema, 'leads');

/** Privacy contract (see core/privacy/contract.ts). */
export const leadPrivacy = privacyContract({
  store: { mongodb: 'leads' },
  purpose: "a lead form's answers, with the consent question shown and the CRM delivery",
  personal: ['fields', 'consent', 'crm.error'],
  findBy: '`contact` (the contact id)',
  erasure: { action: 'delete' },
  retention: 'leads',
});
