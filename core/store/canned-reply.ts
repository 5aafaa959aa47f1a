import { createHash } from 'node:crypto';
import { Schema, model } from 'mongoose';
import { privacyContract } from '../privacy/contract.js';
import { scalarFieldFilters } from './scalar-filters.js';

/** A shortcut agents type as `/shortcut`: lowercase letters, digits, `-` and `_`. */
export const cannedShortcut = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** `_id` from workspace and shortcut, so a workspace's reply is read and replaced by `_id`. */
export const cannedReplyId = (workspace: string, shortcut: string) =>
  `canned_${createHash('sha256').update(`${workspace}\u0000${shortcut}`).digest('hex').slice(0, 32)}`;

/** A workspace's canned reply: the text an agent's `/shortcut` expands to in the console's composer. */
const cannedReplySchema = new Schema(
  {
    _id: { type: String, required: true },
    workspace: { type: String, required: true },
    shortcut: { type: String, required: true },
    text: { type: String, required: true },
    /** `agent:<id>` or a key's id. */
    updatedBy: { type: String, required: true },
  },
  { timestamps: true, versionKey: false },
);
cannedReplySchema.index({ workspace: 1, shortcut: 1 });
cannedReplySchema.plugin(scalarFieldFilters);
export const CannedReply = model('CannedReply', cannedReplySchema, 'canned_replies');

/** Privacy contract (see core/privacy/contract.ts). */
export const cannedReplyPrivacy = privacyContract({
  store: { mongodb: 'canned_replies' },
  purpose: "the business's prepared answers, for agents",
  personal: [],
  findBy: 'nothing of a contact: texts the business wrote for everyone (`updatedBy` is the agent id of who changed it last)',
  erasure: { action: 'none', why: "the business's own texts, about nobody" },
  retention: { none: 'kept until an admin removes it' },
});
