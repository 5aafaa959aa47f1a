/**
 * Messenger webhook bodies as Meta sends them
 * (https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messages,
 * .../messaging_postbacks, .../message-echoes, .../message-deliveries).
 */
export const pageId = '104857600000001';

type Event = Record<string, unknown>;

const base = (user: string, page = pageId) => ({ sender: { id: user }, recipient: { id: page }, timestamp: Date.now() });

export const textEvent = (m: { user: string; id: string; text: string; page?: string }): Event => ({
  ...base(m.user, m.page),
  message: { mid: m.id, text: m.text },
});

export const quickReplyEvent = (m: { user: string; id: string; payload: string; title: string }): Event => ({
  ...base(m.user),
  message: { mid: m.id, text: m.title, quick_reply: { payload: m.payload } },
});

export const postbackEvent = (m: { user: string; id: string; payload: string; title: string }): Event => ({
  ...base(m.user),
  postback: { mid: m.id, title: m.title, payload: m.payload },
});

/** The hub's Meta app, whose sends echo back with its id. */
export const ourAppId = 1517776481860111;
/** Meta's Page inbox (Business Suite), whose messages echo with its own app id. */
export const pageInboxAppId = 263902037430900;

/** A message the Page sent, echoed back to its webhook (sender is the Page); by default our own send. */
export const echoEvent = (m: { user: string; id: string; text: string; appId?: number }): Event => ({
  sender: { id: pageId },
  recipient: { id: m.user },
  timestamp: Date.now(),
  message: { mid: m.id, text: m.text, is_echo: true, app_id: m.appId ?? ourAppId },
});

export const imageEvent = (m: { user: string; id: string; url: string }): Event => ({
  ...base(m.user),
  message: { mid: m.id, attachments: [{ type: 'image', payload: { url: m.url } }] },
});

export const deliveryEvent = (m: { user: string; mids: string[] }): Event => ({ ...base(m.user), delivery: { mids: m.mids, watermark: Date.now() } });

/** One POST: `entry[]` per Page, each with its `messaging[]` events. */
export function webhookBody(...entries: { page?: string; events: Event[] }[]): Record<string, unknown> {
  return { object: 'page', entry: entries.map((e) => ({ id: e.page ?? pageId, time: Date.now(), messaging: e.events })) };
}
