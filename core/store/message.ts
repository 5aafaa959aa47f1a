import { Schema, model } from 'mongoose';
import { privacyContract } from '../privacy/contract.js';
import { scalarFieldFilters } from './scalar-filters.js';

const messageStatuses = [
  'processed', // inbound, answered: its replies are stored (also what the business wrote from its own device, stored as `out` by `agent`)
  'failed', // inbound: the router gave up (see `error`); outbound: delivery gave up
  'queued', // outbound, waiting for delivery
  'sent', // outbound, the platform accepted it
  'delivered', // outbound, the platform reported it reached the device
  'read', // outbound, the platform reported it was read
  'dropped', // outbound, a bot reply not yet delivered when an agent took the conversation: never sent (see `error`)
] as const;

const choiceSchema = new Schema({ id: { type: String, required: true }, label: { type: String, required: true } }, { _id: false });
const errorSchema = new Schema(
  {
    message: { type: String, required: true },
    status: { type: Number },
    platformCode: { type: String },
    retryable: { type: Boolean },
    at: { type: Date, required: true },
  },
  { _id: false },
);

const messageSchema = new Schema(
  {
    /** Deterministic (see ids.ts), so retries find the same document. */
    _id: { type: String, required: true },
    workspace: { type: String, required: true },
    conversation: { type: Schema.Types.ObjectId, required: true, ref: 'Conversation' },
    channel: { type: String, required: true },
    account: { type: String, required: true },
    user: { type: String, required: true },
    direction: { type: String, enum: ['in', 'out'], required: true },
    sender: { type: String, enum: ['contact', 'bot', 'agent', 'system'], required: true },
    /** Inbound: the platform's message id. Outbound: the id the platform gave on delivery. */
    platformId: { type: String },
    /** Position in the conversation: the inbound's conversation seq × 1000 + reply index. */
    order: { type: Number, required: true },
    text: { type: String },
    choiceId: { type: String },
    choices: { type: [choiceSchema], default: undefined },
    /** Inbound: a file the contact sent (the platform's handle; bytes are not copied). */
    media: { kind: { type: String }, ref: { type: String }, mimeType: { type: String }, name: { type: String } },
    /** Inbound: a whole form's values (field name → value; names are identifiers). Outbound: the form shown. */
    fields: { type: Schema.Types.Mixed },
    form: { type: Schema.Types.Mixed },
    /** Inbound: the platform id of the message this one edits. */
    editOf: { type: String },
    /** Outbound from an agent: their display name, as contacts see it (never their e-mail). */
    senderName: { type: String },
    /** Outbound: the inbound message id that caused it. */
    inReplyTo: { type: String },
    status: { type: String, enum: messageStatuses, required: true },
    attempts: { type: Number, default: 0 },
    error: { type: errorSchema },
    receivedAt: { type: Date },
    processedAt: { type: Date },
    /** Inbound, once processed: how many replies it caused (their ids derive from this message's). */
    replies: { type: Number },
    sentAt: { type: Date },
    deliveredAt: { type: Date },
    readAt: { type: Date },
  },
  { timestamps: true, versionKey: false },
);
// A platform message is stored once: an inbound `_id` is a hash of workspace + channel + account +
// platform id, so the always-unique `_id` index is the uniqueness constraint. (A unique compound index
// would need a partial filter, because outbound messages have no platform id until delivered; FerretDB
// v1 has no partial indexes, and on MongoDB a sparse compound index still indexes the missing field.)
messageSchema.index({ workspace: 1, channel: 1, account: 1, platformId: 1 });
messageSchema.index({ workspace: 1, conversation: 1, order: 1 });

messageSchema.plugin(scalarFieldFilters);
export const Message = model('Message', messageSchema, 'messages');

/** Privacy contract (see core/privacy/contract.ts). */
export const messagePrivacy = privacyContract({
  store: { mongodb: 'messages' },
  purpose: 'every message of a conversation, both ways, with its delivery state',
  personal: ['user', 'text', 'choiceId', 'media', 'fields', 'form', 'error', 'senderName'],
  findBy: "`conversation` (the contact's conversations), or the platform user id in `user`",
  erasure: { action: 'delete' },
  retention: 'conversations',
});
