import { Schema, model } from 'mongoose';
import { privacyContract } from '../privacy/contract.js';
import { scalarFieldFilters } from './scalar-filters.js';

/**
 * Agents' private notes on a conversation: for colleagues, shown in the console beside the
 * messages, never sent to the contact (they are not messages: no channel ever reads them).
 */
const conversationNoteSchema = new Schema(
  {
    workspace: { type: String, required: true },
    conversation: { type: Schema.Types.ObjectId, required: true, ref: 'Conversation' },
    /** The agent's id; the console shows their display name, read when the conversation is. */
    author: { type: String, required: true },
    text: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);

// A conversation's notes in order; retention and erasure remove them with it.
conversationNoteSchema.index({ workspace: 1, conversation: 1, at: 1 });
conversationNoteSchema.plugin(scalarFieldFilters);
export const ConversationNote = model('ConversationNote', conversationNoteSchema, 'conversation_notes');

/** Privacy contract (see core/privacy/contract.ts). */
export const conversationNotePrivacy = privacyContract({
  store: { mongodb: 'conversation_notes' },
  purpose: "agents' private notes on a conversation, for their colleagues",
  personal: ['text', 'author'],
  findBy: '`conversation` (the person’s conversations)',
  erasure: { action: 'delete' },
  retention: 'conversations',
});
