import { Schema, model, type InferSchemaType } from 'mongoose';
import { privacyContract } from '../privacy/contract.js';
import { scalarFieldFilters } from './scalar-filters.js';

export const emailKinds = ['lead', 'transcript', 'close-copy', 'waiting'] as const;
export type EmailKind = (typeof emailKinds)[number];

/**
 * The e-mail log: one document per message the hub sends (core/email/): what kind, to whom,
 * about which conversation or lead, and how sending went. The body is not kept: it is made from
 * the conversation or lead when the message goes out, so the queue carries only this id.
 */
const emailSchema = new Schema(
  {
    /** Deterministic (from the turn, lead or action that asked for it), so a retried request queues it once. */
    _id: { type: String, required: true },
    workspace: { type: String, required: true },
    kind: { type: String, enum: emailKinds, required: true },
    to: { type: String, required: true },
    conversation: { type: Schema.Types.ObjectId, ref: 'Conversation' },
    lead: { type: String },
    /** The contact it is about (transcripts, leads), so erasure and export find it. */
    contact: { type: String },
    /** The contact's language, for the texts. */
    locale: { type: String },
    status: { type: String, enum: ['queued', 'sent', 'failed'], required: true },
    attempts: { type: Number, default: 0 },
    /** The relay's answer to the last failed attempt (its code and words, never the message). */
    error: { type: String },
    sentAt: { type: Date },
  },
  { timestamps: true, versionKey: false },
);

// The console's list of a workspace's e-mails, newest first; retention and erasure go by conversation.
emailSchema.index({ workspace: 1, createdAt: -1 });
emailSchema.index({ workspace: 1, conversation: 1 });
emailSchema.plugin(scalarFieldFilters);
export const Email = model('Email', emailSchema, 'emails');
export type EmailDoc = InferSchemaType<typeof emailSchema> & { _id: string };

/** Privacy contract (see core/privacy/contract.ts). */
export const emailPrivacy = privacyContract({
  store: { mongodb: 'emails' },
  purpose: 'the e-mail log: transcripts and notices sent, to whom and how sending went (bodies are not kept)',
  personal: ['to', 'contact', 'error'],
  findBy: '`conversation` or `contact` (the person’s conversations and contacts)',
  erasure: { action: 'delete' },
  retention: 'conversations',
});
