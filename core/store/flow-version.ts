import { Schema, model } from 'mongoose';
import { privacyContract } from '../privacy/contract.js';
import { scalarFieldFilters } from './scalar-filters.js';

/**
 * The source of every flow version a workspace has run, so a conversation
 * started on one finishes on it even after the hub restarts with newer files.
 */
const flowVersionSchema = new Schema(
  {
    /** `{workspace}/{flow}@{version}`; the version is the content hash. */
    _id: { type: String, required: true },
    workspace: { type: String, required: true },
    flow: { type: String, required: true },
    file: { type: String, required: true },
    source: { type: String, required: true },
  },
  { timestamps: true, versionKey: false },
);

flowVersionSchema.plugin(scalarFieldFilters);
export const FlowVersion = model('FlowVersion', flowVersionSchema, 'flowversions');

/** Privacy contract (see core/privacy/contract.ts). */
export const flowVersionPrivacy = privacyContract({
  store: { mongodb: 'flowversions' },
  purpose: 'the source of every flow version run',
  personal: [],
  findBy: 'nothing of a person',
  erasure: { action: 'none', why: 'flow sources written by the business hold no personal data' },
  retention: { none: 'kept while any conversation may still run on the version' },
});
export const flowVersionId = (workspace: string, flow: string, version: string): string => `${workspace}/${flow}@${version}`;
