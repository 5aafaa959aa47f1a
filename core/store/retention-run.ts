import { Schema, model } from 'mongoose';
import { privacyContract } from '../privacy/contract.js';
import { scalarFieldFilters } from './scalar-filters.js';

/** What one retention sweep did (or, as a plan, would do) to one kind of data of one workspace's channel. */
const countSchema = new Schema(
  {
    workspace: { type: String, required: true },
    channel: { type: String, required: true },
    kind: { type: String, required: true },
    action: { type: String, enum: ['delete', 'anonymise'], required: true },
    count: { type: Number, required: true },
    /** The oldest document past its policy when the sweep began. */
    oldest: { type: Date },
    /** Conversations left for the next sweep because a turn of theirs was running. */
    busy: { type: Number },
  },
  { _id: false },
);

/**
 * One retention sweep: when it ran, as of which date, what it removed per workspace, channel and
 * kind, and what failed. Written as it goes, so a sweep that crashed shows how far it got (the
 * next one simply selects what is still past its policy).
 */
const retentionRunSchema = new Schema(
  {
    asOf: { type: Date, required: true },
    trigger: { type: String, enum: ['schedule', 'cli'], required: true },
    status: { type: String, enum: ['running', 'done', 'failed'], required: true },
    startedAt: { type: Date, required: true },
    finishedAt: { type: Date },
    counts: { type: [countSchema], default: [] },
    errors: { type: [String], default: [] },
    /** Failed queue jobs older than a week that the run removed (BullMQ trims them only when another job fails). */
    failedJobs: { type: Number },
  },
  { versionKey: false, suppressReservedKeysWarning: true },
);

retentionRunSchema.plugin(scalarFieldFilters);
export const RetentionRun = model('RetentionRun', retentionRunSchema, 'retentionruns');

/** Privacy contract (see core/privacy/contract.ts). */
export const retentionRunPrivacy = privacyContract({
  store: { mongodb: 'retentionruns' },
  purpose: 'what each retention sweep removed, for the data protection officer',
  personal: [],
  findBy: 'nothing of a person (counts per workspace, channel and kind)',
  erasure: { action: 'none', why: 'holds counts only' },
  retention: 'audit',
});
