/**
 * Messenger webhook events (https://developers.facebook.com/docs/messenger-platform/webhooks,
 * https://developers.facebook.com/docs/messenger-platform/reference/webhook-events) to normalized
 * messages. A POST batches `entry[].messaging[]`, possibly for several Pages of the same app.
 */
import { z } from 'zod';
import { PayloadError } from '../../core/errors.js';
import type { DeliveryStatus, InboundContent, InboundMessage, MediaRef } from '../../core/message.js';
import { describeIssue } from '../meta/json.js';

// Loose on purpose: Meta adds fields freely; only what we read is checked.
const attachmentSchema = z.looseObject({
  type: z.string(),
  payload: z.looseObject({ url: z.string().optional(), sticker_id: z.number().optional() }).nullish(),
});
const eventSchema = z.looseObject({
  sender: z.looseObject({ id: z.string().min(1) }),
  recipient: z.looseObject({ id: z.string().min(1) }),
  timestamp: z.number().optional(),
  message: z
    .looseObject({
      mid: z.string().min(1),
      text: z.string().optional(),
      is_echo: z.boolean().optional(),
      /** On echoes: the app that sent the message (a number in Meta's payloads). */
      app_id: z.union([z.number(), z.string()]).optional(),
      quick_reply: z.looseObject({ payload: z.string() }).optional(),
      attachments: z.array(attachmentSchema).optional(),
      sticker_id: z.number().optional(),
    })
    .optional(),
  postback: z.looseObject({ mid: z.string().optional(), title: z.string().optional(), payload: z.string() }).optional(),
  delivery: z.looseObject({ mids: z.array(z.string()).optional(), watermark: z.number() }).optional(),
});
const bodySchema = z.looseObject({
  object: z.string(),
  entry: z.array(z.looseObject({ id: z.string(), time: z.number().optional(), messaging: z.array(z.unknown()).optional() })),
});

export type MessengerEvent = z.infer<typeof eventSchema>;

/** What one webhook POST holds, by Page id. */
export interface ParsedBatch {
  /** Page id → its events that parsed, in order. */
  events: { pageId: string; event: MessengerEvent }[];
  /** Events that did not match the documented shape (skipped, logged; the rest of the batch goes on). */
  skipped: { pageId: string; index: number; reason: string }[];
}

/** Checks the envelope (a {@link PayloadError} if it is not a Page webhook) and each event on its own. */
export function parseBatch(json: unknown): ParsedBatch {
  const body = bodySchema.safeParse(json);
  if (!body.success) throw new PayloadError(describeIssue(body.error.issues[0]!));
  if (body.data.object !== 'page') throw new PayloadError(`"object": expected "page", got "${body.data.object}"`);
  const batch: ParsedBatch = { events: [], skipped: [] };
  for (const entry of body.data.entry) {
    (entry.messaging ?? []).forEach((raw, index) => {
      const event = eventSchema.safeParse(raw);
      if (event.success) batch.events.push({ pageId: entry.id, event: event.data });
      else batch.skipped.push({ pageId: entry.id, index, reason: describeIssue(event.error.issues[0]!) });
    });
  }
  return batch;
}

/** Where an event's messages belong: the account, and our app's id when it is configured (see config.ts). */
export interface EventAccount {
  workspace: string;
  account: string;
  appId?: string | undefined;
}

/**
 * The normalized messages of one event: none for echoes of our own sends, deliveries, reads and
 * other event kinds; one per attachment (ids `mid`, `mid:1`, … so redeliveries dedupe). An echo
 * sent by another app than ours (the Page's inbox, a person on their phone) is the business
 * writing to the contact, its recipient: `fromBusiness`. Without our app id, no echo can be told apart.
 */
export function toInbound(event: MessengerEvent, account: EventAccount, receivedAt = new Date().toISOString()): InboundMessage[] {
  const message = event.message;
  const echo = message?.is_echo === true;
  if (echo && (account.appId === undefined || String(message.app_id) === account.appId)) return [];
  const user = echo ? event.recipient.id : event.sender.id;
  const base = {
    address: { workspace: account.workspace, channel: 'messenger', account: account.account, user },
    receivedAt,
    ...(echo ? { fromBusiness: true as const } : {}),
  };
  if (message) {
    if (message.quick_reply)
      return [{ ...base, platformId: message.mid, content: { type: 'choice', choiceId: message.quick_reply.payload, text: message.text } }];
    const media = (message.attachments ?? []).map((a) => mediaOf(a, message.sticker_id)).filter((m): m is MediaRef => m !== undefined);
    if (media.length) {
      return media.map((m, i) => ({
        ...base,
        platformId: i ? `${message.mid}:${i}` : message.mid,
        content: { type: 'media', media: m, ...(i === 0 && message.text ? { text: message.text } : {}) } as InboundContent,
      }));
    }
    if (message.text !== undefined && message.text.trim() !== '') return [{ ...base, platformId: message.mid, content: { type: 'text', text: message.text } }];
    return [];
  }
  if (event.postback) {
    // Postbacks carry a `mid` in current API versions; older ones are identified by sender and time.
    const platformId = event.postback.mid ?? `postback:${event.sender.id}:${event.timestamp ?? 0}`;
    return [
      { ...base, platformId, content: { type: 'choice', choiceId: event.postback.payload, ...(event.postback.title ? { text: event.postback.title } : {}) } },
    ];
  }
  return [];
}

/** `delivery` events name the mids they confirm (https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/message-deliveries). */
export function toStatuses(event: MessengerEvent, address: { workspace: string; account: string }): DeliveryStatus[] {
  if (!event.delivery?.mids?.length) return [];
  const at = new Date(event.delivery.watermark || Date.now()).toISOString();
  return event.delivery.mids.map((platformId) => ({
    workspace: address.workspace,
    channel: 'messenger',
    account: address.account,
    platformId,
    status: 'delivered',
    at,
  }));
}

function mediaOf(a: z.infer<typeof attachmentSchema>, stickerId: number | undefined): MediaRef | undefined {
  const url = a.payload?.url;
  if (!url) return undefined; // location, fallback and template attachments carry no file
  switch (a.type) {
    case 'image':
      return { kind: stickerId !== undefined || a.payload?.sticker_id !== undefined ? 'sticker' : 'image', ref: url };
    case 'file':
      return { kind: 'document', ref: url };
    case 'audio':
      return { kind: 'audio', ref: url };
    case 'video':
      return { kind: 'video', ref: url };
    default:
      return { kind: 'other', ref: url };
  }
}
