import { z } from 'zod';
import type { DeliveryStatus, InboundMessage, MediaRef } from '../../../core/message.js';

/** The fields of a whatsapp-web.js `Message` we read (https://docs.wwebjs.dev/Message.html). */
const messageSchema = z.looseObject({
  id: z.looseObject({ _serialized: z.string().min(1) }),
  from: z.string().min(1),
  /** The chat a message of this number went to (`from` is then this number). */
  to: z.string().optional(),
  fromMe: z.boolean().optional(),
  body: z.string().optional(),
  type: z.string().min(1),
  hasMedia: z.boolean().optional(),
  isStatus: z.boolean().optional(),
  broadcast: z.boolean().optional(),
  notifyName: z.string().optional(),
  _data: z.looseObject({ notifyName: z.string().optional(), mimetype: z.string().optional(), filename: z.string().optional() }).optional(),
});

/** whatsapp-web.js `MessageTypes` that carry a file, and what they are to us. */
const mediaKinds: Record<string, MediaRef['kind']> = { image: 'image', video: 'video', audio: 'audio', ptt: 'audio', document: 'document', sticker: 'sticker' };
/**
 * Types whose `body` is what the person typed or tapped. Other kinds put something else there
 * (a location's JPEG thumbnail as base64, a contact card's vCard, a poll's name), which a flow
 * must not take for an answer.
 */
const textKinds = new Set(['chat', 'buttons_response', 'list_response', 'template_button_reply']);

export type ParsedEvent =
  | { kind: 'message'; message: InboundMessage }
  /** Something the hub does not answer: groups, status updates, notes to self, notifications. */
  | { kind: 'skipped'; reason: string }
  /** The event lacks fields every message has: logged, never queued. */
  | { kind: 'invalid'; reason: string };

/** Chats the hub does not answer: groups, status updates and broadcast lists, channels. */
const notOneToOne = /@(g\.us|broadcast|newsletter)$/;

/** True for a message this number sent (`fromMe`), read before the event is validated. */
export function sentByThisNumber(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && (raw as { fromMe?: unknown }).fromMe === true;
}

/**
 * One message event of the client → a normalized message. Only one-to-one chats are answered
 * (`<number>@c.us`, or a privacy id `<id>@lid`); groups (`@g.us`), status updates
 * (`status@broadcast`), broadcast lists and channels (`@newsletter`) are skipped. A deny list,
 * so a new kind of personal id is still answered. A message this number sent (`fromMe`) is the
 * business writing to the contact in `to` (`fromBusiness`); whether the hub sent it is for the
 * session to say (own-sends.ts).
 */
export function parseMessageEvent(raw: unknown, address: { workspace: string; account: string }): ParsedEvent {
  const parsed = messageSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    return { kind: 'invalid', reason: `${first.path.join('.') || 'message'}: ${first.message}` };
  }
  const m = parsed.data;
  const chat = m.fromMe ? m.to : m.from;
  if (!chat) return { kind: 'invalid', reason: 'to: expected the chat a message of this number went to' };
  if (m.isStatus || m.broadcast || chat === 'status@broadcast') return { kind: 'skipped', reason: 'status or broadcast' };
  if (notOneToOne.test(chat)) return { kind: 'skipped', reason: 'not a one-to-one chat' };
  if (m.fromMe && chat === m.from) return { kind: 'skipped', reason: 'a note to self' };

  const text = m.body?.trim() ? m.body : undefined;
  const mediaKind = mediaKinds[m.type] ?? (m.hasMedia ? 'other' : undefined);
  let content: InboundMessage['content'];
  if (mediaKind) {
    // The bytes stay on WhatsApp: the message id is what `downloadMedia` needs later.
    const media: MediaRef = { kind: mediaKind, ref: m.id._serialized, mimeType: m._data?.mimetype, name: m._data?.filename };
    content = { type: 'media', media, ...(text ? { text } : {}) };
  } else if (text && textKinds.has(m.type)) {
    content = { type: 'text', text };
  } else {
    return { kind: 'skipped', reason: `no typed text in a "${m.type}" message` };
  }
  // The name on a message of this number is the business's own.
  const name = m.fromMe ? undefined : (m._data?.notifyName ?? m.notifyName);
  return {
    kind: 'message',
    message: {
      platformId: m.id._serialized,
      address: { workspace: address.workspace, channel: 'whatsapp', account: address.account, user: chat },
      receivedAt: new Date().toISOString(),
      content,
      ...(name?.trim() ? { profile: { name: name.trim() } } : {}),
      ...(m.fromMe ? { fromBusiness: true as const } : {}),
    },
  };
}

const ackSchema = z.looseObject({ id: z.looseObject({ _serialized: z.string().min(1) }), fromMe: z.boolean().optional() });

/**
 * A `message_ack` event → a delivery report on one of our replies, when it says more than
 * "the server has it": 2 delivered to the phone, 3 read, 4 played, -1 failed
 * (https://docs.wwebjs.dev/global.html#MessageAck).
 */
export function parseAck(raw: unknown, ack: number, address: { workspace: string; account: string }): DeliveryStatus | undefined {
  const parsed = ackSchema.safeParse(raw);
  if (!parsed.success || parsed.data.fromMe === false) return undefined;
  const status = ack === 2 ? 'delivered' : ack === 3 || ack === 4 ? 'read' : ack === -1 ? 'failed' : undefined;
  if (!status) return undefined;
  return {
    workspace: address.workspace,
    channel: 'whatsapp',
    account: address.account,
    platformId: parsed.data.id._serialized,
    status,
    at: new Date().toISOString(),
    ...(status === 'failed' ? { error: { message: 'WhatsApp reported the message as failed', platformCode: 'ACK_ERROR' } } : {}),
  };
}
