import { Schema, model } from 'mongoose';

/**
 * Maps a platform's id of a reply we delivered to our message, so delivery
 * reports find it by `_id` (the one look-up FerretDB v1 indexes).
 */
const platformRefSchema = new Schema(
  {
    /** platformRefId(workspace, channel, account, platform id), see ids.ts. */
    _id: { type: String, required: true },
    workspace: { type: String, required: true },
    message: { type: String, required: true, ref: 'Message' },
  },
  { versionKey: false, timestamps: { createdAt: true, updatedAt: false } },
);

export const PlatformRef = model('PlatformRef', platformRefSchema, 'platformrefs');
