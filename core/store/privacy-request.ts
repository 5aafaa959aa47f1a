import { Schema, model } from 'mongoose';
import { privacyContract } from '../privacy/contract.js';
import { scalarFieldFilters } from './scalar-filters.js';

/** The data-subject rights a request can exercise (GDPR Art. 15–21). */
export const requestKinds = ['access', 'export', 'erase', 'restrict', 'unrestrict', 'object', 'rectify'] as const;
export type RequestKind = (typeof requestKinds)[number];

/**
 * One data-subject request: when it was received, when it is due (one month, Art. 12(3)), an
 * optional extension by two more months with its reason, who handled it and what was done. The
 * person is a keyed pseudonym of the identifier they were found by, never the identifier itself,
 * so the log outlives an erasure without undoing it.
 */
const privacyRequestSchema = new Schema(
  {
    workspace: { type: String, required: true },
    kind: { type: String, enum: requestKinds, required: true },
    /** A keyed pseudonym of the identifier (core/privacy/pseudonym.ts): the same person maps to the same one. */
    subject: { type: String },
    status: { type: String, enum: ['open', 'in_progress', 'done', 'refused'], required: true },
    receivedAt: { type: Date, required: true },
    dueAt: { type: Date, required: true },
    extension: { until: { type: Date }, reason: { type: String } },
    /** Who logged it, who handled it: `cli`, or an API key's id (`key:…`). */
    receivedBy: { type: String, required: true },
    handledBy: { type: String },
    finishedAt: { type: Date },
    /** What was done, as counts per store (an erasure's receipt); never content. */
    outcome: { type: Schema.Types.Mixed },
    /**
     * An erasure under way: what it is erasing (contact ids and addresses), so a crash mid-way
     * resumes on exactly those even though the links that found them are already gone. Removed
     * when the erasure ends.
     */
    pending: { type: Schema.Types.Mixed },
    /** When retention cut its pseudonym (`anonymise`). */
    anonymisedAt: { type: Date },
  },
  { versionKey: false, minimize: false },
);

privacyRequestSchema.plugin(scalarFieldFilters);
export const PrivacyRequest = model('PrivacyRequest', privacyRequestSchema, 'privacy_requests');

/** Privacy contract (see core/privacy/contract.ts). */
export const privacyRequestPrivacy = privacyContract({
  store: { mongodb: 'privacy_requests' },
  purpose: 'the log of data-subject requests with their deadlines, for the data protection officer (Art. 5(2), 12(3))',
  // `pending` holds the addresses an erasure is erasing, only while it runs.
  personal: ['pending'],
  findBy: '`subject`, the keyed pseudonym of the identifier',
  erasure: { action: 'anonymise', keeps: 'the request under its pseudonym: the proof that it was answered, and when' },
  retention: 'requests',
});
