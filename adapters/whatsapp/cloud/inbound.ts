/**
 * Cloud API webhooks (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components,
 * payload examples: https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples)
 * to normalized messages and delivery reports: `entry[].changes[].value.messages[]` and `.statuses[]`.
 */
import { z } from 'zod';
import { PayloadError } from '../../../core/errors.js';
import type { DeliveryStatus, InboundContent, InboundMessage, MediaRef } from '../../../core/message.js';
import { describeIssue } from '../../meta/json.js';

const mediaSchema = z.looseObject({ id: z.string(), mime_type: z.string().optional(), caption: z.string().optional(), filename: z.string().optional() });
const messageSchema = z.looseObject({
  from: z.string().min(1),
  id: z.string().min(1),
  timestamp: z.string().optional(),
  type: z.string(),
  text: z.looseObject({ body: z.string() }).optional(),
  interactive: z
    .looseObject({
      type: z.string(),
      button_reply: z.looseObject({ id: z.string(), title: z.string().optional() }).optional(),
      list_reply: z.looseObject({ id: z.string(), title: z.string().optional() }).optional(),
    })
    .optional(),
  /** A quick-reply button of a template. */
  button: z.looseObject({ payload: z.string().optional(), text: z.string() }).optional(),
  image: mediaSchema.optional(),
  document: mediaSchema.optional(),
  audio: mediaSchema.optional(),
  video: mediaSchema.optional(),
  sticker: mediaSchema.optional(),
});
const statusSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  timestamp: z.string().optional(),
  recipient_id: z.string().optional(),
  errors: z
    .array(
      z.looseObject({
        code: z.number(),
        title: z.string().optional(),
        message: z.string().optional(),
        error_data: z.looseObject({ details: z.string().optional() }).optional(),
      }),
    )
    .optional(),
});
const valueSchema = z.looseObject({
  metadata: z.looseObject({ phone_number_id: z.string() }),
  contacts: z.array(z.looseObject({ wa_id: z.string().optional(), profile: z.looseObject({ name: z.string().optional() }).optional() })).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
});
const bodySchema = z.looseObject({
  object: z.string(),
  entry: z.array(z.looseObject({ id: z.string(), changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })) })),
});

export type CloudMessage = z.infer<typeof messageSchema>;
export type CloudStatus = z.infer<typeof statusSchema>;

/** One webhook POST, by phone number id. */
export interface ParsedBatch {
  messages: { phoneNumberId: string; message: CloudMessage; name?: string }[];
  statuses: { phoneNumberId: string; status: CloudStatus }[];
  /** Parts that did not match the documented shape (skipped and logged; the rest of the batch goes on). */
  skipped: { where: string; reason: string }[];
}

/** Checks the envelope (a {@link PayloadError} if it is not a WhatsApp webhook) and each message and status on its own. */
export function parseBatch(json: unknown): ParsedBatch {
  const body = bodySchema.safeParse(json);
  if (!body.success) throw new PayloadError(describeIssue(body.error.issues[0]!));
  if (body.data.object !== 'whatsapp_business_account') throw new PayloadError(`"object": expected "whatsapp_business_account", got "${body.data.object}"`);
  const batch: ParsedBatch = { messages: [], statuses: [], skipped: [] };
  body.data.entry.forEach((entry, e) => {
    entry.changes.forEach((change, c) => {
      if (change.field !== 'messages') return; // account updates, template reviews, …: not conversations
      const where = `entry.${e}.changes.${c}`;
      const value = valueSchema.safeParse(change.value);
      if (!value.success) return void batch.skipped.push({ where, reason: describeIssue(value.error.issues[0]!) });
      const phoneNumberId = value.data.metadata.phone_number_id;
      const names = new Map((value.data.contacts ?? []).filter((c) => c.wa_id && c.profile?.name).map((c) => [c.wa_id!, c.profile!.name!]));
      (value.data.messages ?? []).forEach((raw, i) => {
        const m = messageSchema.safeParse(raw);
        if (m.success) batch.messages.push({ phoneNumberId, message: m.data, ...(names.has(m.data.from) ? { name: names.get(m.data.from)! } : {}) });
        else batch.skipped.push({ where: `${where}.value.messages.${i}`, reason: describeIssue(m.error.issues[0]!) });
      });
      (value.data.statuses ?? []).forEach((raw, i) => {
        const s = statusSchema.safeParse(raw);
        if (s.success) batch.statuses.push({ phoneNumberId, status: s.data });
        else batch.skipped.push({ where: `${where}.value.statuses.${i}`, reason: describeIssue(s.error.issues[0]!) });
      });
    });
  });
  return batch;
}

/** The normalized message, or undefined for kinds a conversation cannot use (reactions, locations, system notices, …). */
export function toInbound(
  m: CloudMessage,
  address: { workspace: string; account: string },
  name?: string,
  receivedAt = new Date().toISOString(),
): InboundMessage | undefined {
  const content = contentOf(m);
  if (!content) return undefined;
  return {
    platformId: m.id,
    address: { workspace: address.workspace, channel: 'whatsapp', account: address.account, user: m.from },
    receivedAt,
    content,
    ...(name ? { profile: { name } } : {}),
  };
}

function contentOf(m: CloudMessage): InboundContent | undefined {
  switch (m.type) {
    case 'text':
      return m.text && m.text.body.trim() !== '' ? { type: 'text', text: m.text.body } : undefined;
    case 'interactive': {
      const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
      return reply ? { type: 'choice', choiceId: reply.id, ...(reply.title ? { text: reply.title } : {}) } : undefined;
    }
    case 'button':
      // A template's quick reply: its payload when the template set one, else its text.
      return m.button ? { type: 'choice', choiceId: m.button.payload ?? m.button.text, text: m.button.text } : undefined;
    case 'image':
    case 'document':
    case 'audio':
    case 'video':
    case 'sticker': {
      const media = m[m.type];
      if (!media) return undefined;
      const ref: MediaRef = {
        kind: m.type,
        ref: media.id,
        ...(media.mime_type ? { mimeType: media.mime_type } : {}),
        ...(media.filename ? { name: media.filename } : {}),
      };
      return { type: 'media', media: ref, ...(media.caption ? { text: media.caption } : {}) };
    }
    default:
      return undefined;
  }
}

/** `delivered`, `read` and `failed` reports (`sent` is what our own send already recorded). */
export function toStatus(s: CloudStatus, address: { workspace: string; account: string }): DeliveryStatus | undefined {
  if (s.status !== 'delivered' && s.status !== 'read' && s.status !== 'failed') return undefined;
  const seconds = Number(s.timestamp);
  const error = s.errors?.[0];
  return {
    workspace: address.workspace,
    channel: 'whatsapp',
    account: address.account,
    platformId: s.id,
    status: s.status,
    at: new Date(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : Date.now()).toISOString(),
    ...(s.status === 'failed'
      ? {
          error: {
            message: error
              ? `${error.title ?? error.message ?? 'failed'}${error.error_data?.details ? `: ${error.error_data.details}` : ''}`
              : 'WhatsApp reported the message undeliverable',
            ...(error ? { platformCode: String(error.code) } : {}),
          },
        }
      : {}),
  };
}
