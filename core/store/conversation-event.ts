import { Schema, model } from 'mongoose';
import { privacyContract } from '../privacy/contract.js';
import { scalarFieldFilters } from './scalar-filters.js';

export const conversationEventKinds = ['handed_off', 'taken', 'assigned', 'agent_reply', 'handed_back', 'closed', 'reopened', 'transferred'] as const;
export type ConversationEventKind = (typeof conversationEventKinds)[number];

/**
 * What happened to a conversation's ownership, in order: the bot handed it off (or closed it),
 * an agent took it, answered, handed it back, closed or reopened it. The console's history shows
 * them beside the messages.
 */
const conversationEventSchema = new Schema(
  {
    workspace: { type: String, required: true },
    conversation: { type: Schema.Types.ObjectId, required: true, ref: 'Conversation' },
    kind: { type: String, enum: conversationEventKinds, required: true },
    /** `agent:<agent id>`, an API key's id (`key:…`), `cli:<user>`, or `bot`. */
    actor: { type: String, required: true },
    at: { type: Date, required: true },
    /** Ids and counts (the reply's message id, bot replies dropped at a takeover). */
    details: { type: Schema.Types.Mixed },
  },
  { versionKey: false },
);

// A conversation's events in order (its timeline; retention and erasure remove them with it).
conversationEventSchema.index({ workspace: 1, conversation: 1, at: 1 });
conversationEventSchema.plugin(scalarFieldFilters);
export const ConversationEvent = model('ConversationEvent', conversationEventSchema, 'conversation_events');

/** Privacy contract (see core/privacy/contract.ts). */
export const conversationEventPrivacy = privacyContract({
  store: { mongodb: 'conversation_events' },
  purpose: 'what agents (and the bot) did with a conversation: handed off, took it, replied, handed it back, closed or reopened it',
  personal: ['actor'],
  findBy: '`conversation` (the person’s conversations)',
  erasure: { action: 'delete' },
  retention: 'conversations',
});
