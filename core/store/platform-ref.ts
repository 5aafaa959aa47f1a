import { Schema, model } from 'mongoose';
import { privacyContract } from '../privacy/contract.js';
import { scalarFieldFilters } from './scalar-filters.js';

/**
 * Maps a platform's id of a reply we delivered to our message, so delivery
 * reports find it by `_id` (the one look-up FerretDB v1 indexes). A report can
 * beat the send's own result (WhatsApp's `sent`/`delivered` arrive within
 * milliseconds): it is then parked here as `pending` until the message is known.
 */
const platformRefSchema = new Schema(
  {
    /** platformRefId(workspace, channel, account, platform id), see ids.ts. */
    _id: { type: String, required: true },
    workspace: { type: String, required: true },
    message: { type: String, ref: 'Message' },
    /** The furthest report that arrived before the message was known. */
    pending: {
      status: { type: String },
      at: { type: Date },
      error: { message: { type: String }, platformCode: { type: String } },
    },
  },
  { versionKey: false, timestamps: { createdAt: true, updatedAt: false } },
);

// A message's refs, for removing them with it (retention, erasure).
platformRefSchema.index({ workspace: 1, message: 1 });
platformRefSchema.plugin(scalarFieldFilters);
export const PlatformRef = model('PlatformRef', platformRefSchema, 'platformrefs');

/** Privacy contract (see core/privacy/contract.ts). */
export const platformRefPrivacy = privacyContract({
  store: { mongodb: 'platformrefs' },
  purpose: 'platform ids of delivered replies, so delivery reports find them',
  personal: ['message'],
  findBy: "`message` (ids of the person's messages)",
  erasure: { action: 'delete' },
  retention: 'conversations',
});
