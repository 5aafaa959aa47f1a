import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { privacyContract } from '../privacy/contract.js';
import { scalarFieldFilters } from './scalar-filters.js';

const conversationStatuses = ['bot', 'waiting', 'agent', 'closed'] as const;
export type ConversationStatus = (typeof conversationStatuses)[number];

const conversationSchema = new Schema(
  {
    workspace: { type: String, required: true },
    channel: { type: String, required: true },
    account: { type: String, required: true },
    user: { type: String, required: true },
    contact: { type: String, required: true, ref: 'Contact' },
    status: { type: String, enum: conversationStatuses, default: 'bot', required: true },
    /** Bumped once per inbound message; orders messages within the conversation. */
    seq: { type: Number, default: 0, required: true },
    /** The last message of either side (lists, retention). */
    lastMessageAt: { type: Date },
    /**
     * When the contact last wrote: platforms' reply windows (Messenger's 24 hours) count from it,
     * and neither an agent's reply nor the business writing from its own device moves it.
     */
    lastInboundAt: { type: Date },
    /** The contact's processing is restricted (Art. 18): agents see a banner; the bot stays silent. */
    restricted: { type: Boolean },
    /** Kept whatever the retention policy says, until released (see the contact's `legalHold`). */
    legalHold: { type: Boolean },
    /** When retention anonymised it (its messages' contents and the bot's state are gone). */
    anonymisedAt: { type: Date },
    /**
     * The responder's state (the flow engine's, as JSON: a string keeps nested arrays and odd
     * keys of flow variables out of the document, which FerretDB v1 would refuse).
     */
    botState: { type: String },
    /** The state before the turn of `botTurn`, so a retry of that turn starts from it again. */
    botPrevState: { type: String },
    /** The turn (message or idle, see core/turn/types.ts) that last stored the bot's state or the status. */
    botTurn: { type: String },
    /** The inbound message of the last such message turn: an idle timer it did not set is moot. */
    botInbound: { type: String },
    /** Team a handoff asked for. */
    team: { type: String },
    /** The agent who took it (`status: agent`): only they answer it until they hand it back or close it. */
    assignee: { type: String },
    /** Their display name when they took it, so the inbox shows it without reading the agent (never their e-mail). */
    assigneeName: { type: String },
    /** Handed off while the team was closed (`closed`); `message` once the contact's message after that was taken as a lead. */
    offline: { type: String, enum: ['closed', 'message'] },
    /** Taken from the queue and not answered yet: since when it waited (the handoff figures' time to the first agent reply). */
    awaitingReplySince: { type: Date },
    /** Agents who transferred it away: routing never assigns it to them again. */
    passedOn: { type: [String], default: undefined },
    // What the inbox shows (core/agents/inbox-summary.ts), kept up by the writes that change it, so a list needs no message read.
    /** The contact's messages so far, and how many of them an agent has read: `unread` is the difference. */
    inboundCount: { type: Number },
    readCount: { type: Number },
    /** The last thing a person said (the contact or an agent; bot replies are not previewed), cut to a preview. */
    lastText: { type: String },
    lastSender: { type: String, enum: ['contact', 'agent', 'system'] },
    /** Since when it has waited for an agent (`status: waiting`). */
    waitingSince: { type: Date },
  },
  { timestamps: true, versionKey: false },
);
// For listing an address's conversations (the router itself goes through Contact.openConversation).
conversationSchema.index({ workspace: 1, channel: 1, account: 1, user: 1, status: 1 });
conversationSchema.index({ workspace: 1, status: 1, lastMessageAt: -1 });

export type ConversationDoc = InferSchemaType<typeof conversationSchema> & { _id: Types.ObjectId };
conversationSchema.plugin(scalarFieldFilters);
export const Conversation = model('Conversation', conversationSchema, 'conversations');

/** Privacy contract (see core/privacy/contract.ts). */
export const conversationPrivacy = privacyContract({
  store: { mongodb: 'conversations' },
  purpose: "a contact's conversations: status, sequence, the bot's state, what the inbox shows of them",
  personal: ['user', 'botState', 'botPrevState', 'lastText', 'assigneeName'],
  findBy: '`contact` (the contact id), or the platform user id in `user`',
  erasure: { action: 'delete' },
  retention: 'conversations',
});
