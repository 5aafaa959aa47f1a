import type { Address, InboundMessage } from '../message.js';
import type { Reply } from '../responder.js';
import type { ConversationDoc } from '../store/conversation.js';
import { replyId, turnEventId } from '../store/ids.js';
import { Message } from '../store/message.js';

const duplicateKey = 11000;

/** Replies per inbound message are ordered after it within this many slots (see Message.order). */
export const slotsPerTurn = 1000;
/** Where an idle turn's replies go within its slot: after the turn's own replies (+1…), before the next turn's. */
export const idleSlot = { resume: 100, remind: 800, close: 900 } as const;

/** Who the contact sees as the writer of what the business sent from its own device or inbox. */
export const businessDeviceName = 'Business device';

/**
 * The contact's message as stored; `order` is its place in the conversation. What the business
 * wrote from its own device (`fromBusiness`) is stored as an agent's message to the contact.
 */
export function inboundDocument(options: { id: string; inbound: InboundMessage; conversation: ConversationDoc['_id']; order: number }) {
  const { id, inbound, conversation, order } = options;
  const { address, content } = inbound;
  return {
    _id: id,
    workspace: address.workspace,
    conversation,
    channel: address.channel,
    account: address.account,
    user: address.user,
    ...(inbound.fromBusiness
      ? { direction: 'out' as const, sender: 'agent' as const, senderName: businessDeviceName }
      : { direction: 'in' as const, sender: 'contact' as const }),
    platformId: inbound.platformId,
    order,
    text: content.type === 'form' ? undefined : content.text,
    choiceId: content.type === 'choice' ? content.choiceId : undefined,
    ...(content.type === 'media' ? { media: content.media } : {}),
    ...(content.type === 'form' ? { fields: content.fields, form: { id: content.form } } : {}),
    ...(inbound.editOf ? { editOf: inbound.editOf } : {}),
    receivedAt: new Date(inbound.receivedAt),
  };
}

/** A turn's replies as messages to store; ids derive from `key`, so a retried turn stores them once. */
export function replyDocuments(
  replies: readonly Reply[],
  at: { key: string; address: Address; conversation: ConversationDoc['_id']; order: number; inReplyTo?: string },
) {
  return replies.map((reply, i) => ({
    _id: replyId(at.key, i),
    workspace: at.address.workspace,
    conversation: at.conversation,
    channel: at.address.channel,
    account: at.address.account,
    user: at.address.user,
    direction: 'out' as const,
    sender: reply.sender ?? ('bot' as const),
    order: at.order + i,
    text: reply.text,
    choices: reply.choices,
    ...(reply.form ? { form: reply.form } : {}),
    ...(at.inReplyTo ? { inReplyTo: at.inReplyTo } : {}),
    status: 'queued' as const,
  }));
}

/** A takeover by people outside the console (a business echo) as a conversation event; its id derives from the turn's. */
export function takeoverEvent(at: { turn: string; address: Address; conversation: ConversationDoc['_id']; actor: string; dropped: number }) {
  return {
    _id: turnEventId(at.turn, 'taken'),
    workspace: at.address.workspace,
    conversation: at.conversation,
    kind: 'taken' as const,
    actor: at.actor,
    at: new Date(),
    details: { dropped: at.dropped },
  };
}

/** A document as {@link insertIgnoringDuplicates} stores it: cast to its model's schema, with defaults and timestamps. */
export function prepared<T extends object>(doc: T, into: Insertable): T {
  return into.applyTimestamps(into.applyDefaults(into.castObject(doc))) as T;
}

/** A model the turn inserts into. */
export interface Insertable {
  insertMany(docs: object[], options: { ordered: boolean; lean: true }): Promise<unknown>;
  castObject(doc: object): object;
  applyDefaults(doc: object): object;
  applyTimestamps(doc: object): object;
}

/**
 * Inserts documents in order, skipping those already stored (a retry after a
 * crash part-way through): the first attempt is one ordered write, and only a
 * duplicate makes it go again unordered to store the rest. Resolves to whether some were stored already.
 *
 * The documents are cast, given their defaults and timestamps, and inserted lean: hydrating each
 * into a mongoose document to validate it cost about a tenth of the hub's CPU per message, for
 * documents this module builds itself (test/turn/documents.test.ts validates every kind).
 */
export async function insertIgnoringDuplicates(docs: object[], into: Insertable = Message): Promise<boolean> {
  if (!docs.length) return false;
  const ready = docs.map((doc) => prepared(doc, into));
  try {
    await into.insertMany(ready, { ordered: true, lean: true });
    return false;
  } catch (err) {
    if (!isDuplicate(err)) throw err;
    try {
      await into.insertMany(ready, { ordered: false, lean: true });
    } catch (again) {
      if (!isDuplicate(again)) throw again;
    }
    return true;
  }
}

function isDuplicate(err: unknown): boolean {
  const e = err as { code?: number; writeErrors?: { code?: number; err?: { code?: number } }[] };
  if (e.writeErrors?.length) return e.writeErrors.every((w) => (w.code ?? w.err?.code) === duplicateKey);
  return e.code === duplicateKey;
}
