import type { Activity, ConversationReference } from 'botbuilder';
import { PayloadError } from '../../core/errors.js';
import type { Address, InboundContent, InboundMessage, MediaRef } from '../../core/message.js';

/** Parses the raw body into an object with a `type`; anything else is a {@link PayloadError} (400). */
export function parseActivityBody(rawBody: Buffer): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new PayloadError('body is not valid JSON');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new PayloadError('expected an activity object');
  if (typeof (json as { type?: unknown }).type !== 'string') throw new PayloadError('"type": expected the activity type');
  // botbuilder reads it before any check of ours and fails with a 500 on anything but a string (found by fuzzing).
  const serviceUrl = (json as { serviceUrl?: unknown }).serviceUrl;
  if (serviceUrl !== undefined && typeof serviceUrl !== 'string') throw new PayloadError('"serviceUrl": expected a URL');
  return json as Record<string, unknown>;
}

/**
 * The address's user for an activity: the conversation id, which in one-to-one chats names the
 * user and the bot together (Teams personal chat, Direct Line, Slack DM); in group conversations
 * the sender is appended, so each member is a contact of their own (replies go to the group).
 */
function userKey(activity: Pick<Activity, 'conversation' | 'from'>): string {
  return activity.conversation.isGroup ? `${activity.conversation.id}/${activity.from.id}` : activity.conversation.id;
}

/**
 * The dedupe key of an activity: its id within its conversation. Ids are only unique per
 * conversation on some channels (Teams uses the message's timestamp), so the id alone could
 * make two people's messages of the same millisecond look like one duplicate.
 */
function platformIdOf(activity: Pick<Activity, 'conversation' | 'id'>): string {
  return `${activity.conversation.id}/${activity.id}`;
}

/** The activity id inside a {@link platformIdOf} key, for "reply to activity". */
export function activityIdOf(platformId: string, conversationId: string): string | undefined {
  const prefix = `${conversationId}/`;
  return platformId.startsWith(prefix) && platformId.length > prefix.length ? platformId.slice(prefix.length) : undefined;
}

/** A verified activity as a normalized message and the reference replies need, or `undefined` when it carries nothing to answer. */
export interface ParsedActivity {
  message: InboundMessage;
  reference: ConversationReference;
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0;

/**
 * Maps a verified `message` activity; other activity types (conversationUpdate, typing (see
 * {@link typingAddress}), invoke, messageReaction, ...) and messages with nothing we understand give `undefined`.
 * https://learn.microsoft.com/en-us/azure/bot-service/rest-api/bot-framework-rest-connector-activities
 */
export function parseActivity(activity: Activity, address: { workspace: string; account: string }): ParsedActivity | undefined {
  if (activity.type !== 'message') return undefined;
  if (!nonEmpty(activity.id)) throw new PayloadError('"id": expected the activity id');
  if (!nonEmpty(activity.conversation?.id)) throw new PayloadError('"conversation.id": expected the conversation id');
  if (!nonEmpty(activity.from?.id)) throw new PayloadError('"from.id": expected the sender id');
  if (!nonEmpty(activity.recipient?.id)) throw new PayloadError('"recipient.id": expected the bot id');
  if (!nonEmpty(activity.serviceUrl) || !/^https?:\/\//i.test(activity.serviceUrl)) throw new PayloadError('"serviceUrl": expected an http(s) URL');
  const content = contentOf(activity);
  if (!content) return undefined;
  const name = nonEmpty(activity.from.name) ? activity.from.name : undefined;
  const locale = nonEmpty(activity.locale) ? activity.locale : undefined;
  const profile = name || locale ? { name, locale } : undefined;
  return {
    message: {
      platformId: platformIdOf(activity as Activity & { id: string }),
      address: { workspace: address.workspace, channel: 'botframework', account: address.account, user: userKey(activity) },
      receivedAt: new Date().toISOString(),
      content,
      profile,
    },
    reference: referenceOf(activity),
  };
}

/**
 * The address of a verified `typing` activity (the user is typing to the bot; Teams and Web Chat
 * send them), for the console's "typing…"; `undefined` for any other activity or one without the ids.
 */
export function typingAddress(activity: Activity, address: { workspace: string; account: string }): Address | undefined {
  if (activity.type !== 'typing' || !nonEmpty(activity.conversation?.id) || !nonEmpty(activity.from?.id)) return undefined;
  return { workspace: address.workspace, channel: 'botframework', account: address.account, user: userKey(activity) };
}

/** Only what a reply needs: conversation, both parties, where to send, the channel's locale. */
function referenceOf(activity: Activity): ConversationReference {
  const c = activity.conversation;
  return {
    channelId: activity.channelId,
    serviceUrl: activity.serviceUrl,
    locale: activity.locale || undefined,
    conversation: { id: c.id, isGroup: c.isGroup, conversationType: c.conversationType, tenantId: c.tenantId, name: c.name },
    bot: { id: activity.recipient.id, name: activity.recipient.name },
    user: { id: activity.from.id, name: activity.from.name },
  };
}

/**
 * A card button or messageBack carries `value: {choice: id}`; an imBack (our suggested actions)
 * comes back as the label's text, which the flow engine maps to the choice. Teams prefixes group
 * messages with an `<at>` mention of the bot, which is not part of what the person said.
 */
function contentOf(activity: Activity): InboundContent | undefined {
  const text = nonEmpty(activity.text) ? withoutBotMention(activity.text, activity).trim() || undefined : undefined;
  const value = activity.value as { choice?: unknown } | undefined;
  if (value && typeof value === 'object' && nonEmpty(value.choice)) return { type: 'choice', choiceId: value.choice.slice(0, 200), text };
  if (text) return { type: 'text', text };
  const attachments: unknown[] = Array.isArray(activity.attachments) ? activity.attachments : [];
  const media = attachments.map(mediaOf).find((m) => m !== undefined);
  return media ? { type: 'media', media } : undefined;
}

/**
 * The text without the first `<at>` mention of the bot. botbuilder's `TurnContext.removeRecipientMention`
 * does the same but throws on an entity without `type` or `mentioned`, which would make a
 * malformed activity a 500 (retried by the channel) instead of a message.
 */
function withoutBotMention(text: string, activity: Activity): string {
  const entities: unknown[] = Array.isArray(activity.entities) ? activity.entities : [];
  const mention = entities.find((e): e is { text: string } => {
    const m = e as { type?: unknown; text?: unknown; mentioned?: { id?: unknown } } | null;
    return typeof m?.type === 'string' && m.type.toLowerCase() === 'mention' && m.mentioned?.id === activity.recipient.id && nonEmpty(m.text);
  });
  return mention ? text.replace(mention.text, '') : text;
}

/** A file or picture; cards (`application/vnd.microsoft.*`), Teams' HTML copy of the text and anything malformed are not media. */
function mediaOf(attachment: unknown): MediaRef | undefined {
  const a = attachment as { contentType?: unknown; contentUrl?: unknown; name?: unknown } | null;
  if (!a || !nonEmpty(a.contentUrl) || !nonEmpty(a.contentType)) return undefined;
  if (a.contentType.startsWith('application/vnd.microsoft.') || a.contentType === 'text/html') return undefined;
  const type = a.contentType.split('/')[0];
  const kind = type === 'image' ? 'image' : type === 'audio' ? 'audio' : type === 'video' ? 'video' : 'document';
  return { kind, ref: a.contentUrl, mimeType: a.contentType, ...(nonEmpty(a.name) ? { name: a.name } : {}) };
}
