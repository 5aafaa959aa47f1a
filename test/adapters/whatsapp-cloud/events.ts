/**
 * Cloud API webhook bodies as Meta sends them
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples).
 */
export const phoneNumberId = '106540352242922';
const wabaId = '102290129340398';

type Message = Record<string, unknown>;

const ts = () => String(Math.floor(Date.now() / 1000));

export const textMessage = (m: { user: string; id: string; text: string }): Message => ({
  from: m.user,
  id: m.id,
  timestamp: ts(),
  type: 'text',
  text: { body: m.text },
});

export const buttonReply = (m: { user: string; id: string; choiceId: string; title: string }): Message => ({
  context: { from: '15550783881', id: 'wamid.previous' },
  from: m.user,
  id: m.id,
  timestamp: ts(),
  type: 'interactive',
  interactive: { type: 'button_reply', button_reply: { id: m.choiceId, title: m.title } },
});

export const listReply = (m: { user: string; id: string; choiceId: string; title: string }): Message => ({
  from: m.user,
  id: m.id,
  timestamp: ts(),
  type: 'interactive',
  interactive: { type: 'list_reply', list_reply: { id: m.choiceId, title: m.title, description: '' } },
});

export const imageMessage = (m: { user: string; id: string; mediaId: string; caption?: string }): Message => ({
  from: m.user,
  id: m.id,
  timestamp: ts(),
  type: 'image',
  image: { id: m.mediaId, mime_type: 'image/jpeg', sha256: 'ZmFrZQ==', ...(m.caption ? { caption: m.caption } : {}) },
});

export const status = (s: {
  id: string;
  user: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  error?: { code: number; title: string; details: string };
}): Record<string, unknown> => ({
  id: s.id,
  status: s.status,
  timestamp: ts(),
  recipient_id: s.user,
  ...(s.error ? { errors: [{ code: s.error.code, title: s.error.title, message: s.error.title, error_data: { details: s.error.details } }] } : {}),
});

/** One POST with one change: messages (with the senders' profiles) and/or statuses. */
export function webhookBody(v: {
  messages?: Message[];
  statuses?: Record<string, unknown>[];
  names?: Record<string, string>;
  phone?: string;
}): Record<string, unknown> {
  const senders = [...new Set((v.messages ?? []).map((m) => m.from).filter((f): f is string => typeof f === 'string'))];
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: wabaId,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: v.phone ?? phoneNumberId },
              ...(v.messages
                ? { contacts: senders.map((wa_id) => ({ profile: { name: v.names?.[wa_id] ?? `Contact ${wa_id.slice(-4)}` }, wa_id })), messages: v.messages }
                : {}),
              ...(v.statuses ? { statuses: v.statuses } : {}),
            },
          },
        ],
      },
    ],
  };
}
