import { Schema, model } from 'mongoose';
import { privacyContract } from '../privacy/contract.js';
import { scalarFieldFilters } from './scalar-filters.js';

/**
 * The audit log: an append-only record of privacy actions (requests, exports, erasures,
 * restrictions, retention runs, policy changes). Nothing updates an entry; retention removes old
 * ones by policy (`privacy.retention.audit`). Entries name a pseudonymised target and counts,
 * never content.
 */
const auditEntrySchema = new Schema(
  {
    workspace: { type: String, required: true },
    at: { type: Date, required: true },
    /** `cli`, `schedule`, or an API key's id (`key:…`). */
    actor: { type: String, required: true },
    /** E.g. `privacy.erase`, `privacy.export`, `retention.run`, `policy.changed`. */
    action: { type: String, required: true },
    /** A keyed pseudonym of the person, a request id or a run id; never an identifier. */
    target: { type: String },
    /** Counts and ids only. */
    details: { type: Schema.Types.Mixed },
    /** When retention cut its pseudonym (`anonymise`). */
    anonymisedAt: { type: Date },
  },
  { versionKey: false },
);

auditEntrySchema.plugin(scalarFieldFilters);
export const AuditEntry = model('AuditEntry', auditEntrySchema, 'audit');

/** Privacy contract (see core/privacy/contract.ts). */
export const auditEntryPrivacy = privacyContract({
  store: { mongodb: 'audit' },
  purpose: 'what was done with personal data and by whom, for the data protection officer',
  personal: [],
  findBy: '`target`, the keyed pseudonym of a person',
  erasure: { action: 'none', why: 'holds pseudonyms and counts only: the record that an erasure happened must outlive it' },
  retention: 'audit',
});
