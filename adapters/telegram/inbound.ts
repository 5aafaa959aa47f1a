import { z } from 'zod';
import { PayloadError } from '../../core/errors.js';
import type { InboundContent, InboundMessage, MediaRef, Profile } from '../../core/message.js';
import { isHashedChoice } from './choice-data.js';

/*
 * The parts of an Update (https://core.telegram.org/bots/api#update) the hub reads. Objects are
 * loose: Telegram adds fields in every Bot API version, and an unknown field must never refuse an update.
 */
const user = z.looseObject({
  id: z.number().int(),
  is_bot: z.boolean(),
  first_name: z.string(),
  last_name: z.string().optional(),
  language_code: z.string().optional(),
});
const chat = z.looseObject({ id: z.number().int(), type: z.string() });
const file = z.looseObject({ file_id: z.string().min(1), file_name: z.string().optional(), mime_type: z.string().optional() });
const button = z.looseObject({ text: z.string(), callback_data: z.string().optional() });
const message = z.looseObject({
  message_id: z.number().int(),
  date: z.number().int(),
  chat,
  from: user.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  photo: z
    .array(z.looseObject({ file_id: z.string().min(1) }))
    .min(1)
    .optional(),
  document: file.optional(),
  animation: file.optional(),
  audio: file.optional(),
  voice: file.optional(),
  video: file.optional(),
  video_note: file.optional(),
  sticker: file.optional(),
  reply_markup: z.looseObject({ inline_keyboard: z.array(z.array(button)) }).optional(),
});
const updateSchema = z.looseObject({
  update_id: z.number().int().min(0),
  message: message.optional(),
  edited_message: message.optional(),
  callback_query: z
    .looseObject({
      id: z.string().min(1),
      from: user,
      // An "inaccessible message" (older than 48 hours) has date 0 and no reply_markup; still a chat.
      message: z.looseObject({ message_id: z.number().int(), chat, reply_markup: message.shape.reply_markup }).optional(),
      data: z.string().optional(),
    })
    .optional(),
});
type TgMessage = z.infer<typeof message>;
type TgUser = z.infer<typeof user>;

/** What the hub takes from one update. */
export interface ParsedUpdate {
  /** Zero or one message: updates the hub does not handle (a poll, a member joining) give none. */
  messages: InboundMessage[];
  /** A button press Telegram waits for us to answer (its client shows a spinner until then). */
  callbackQueryId?: string;
  /** Why nothing was taken from the update, for the log (no content). */
  ignored?: string;
}

export interface UpdateTarget {
  workspace: string;
  account: string;
  /** The workspace's first START keyword: what a bare `/start` means. */
  startKeyword: string;
}

/** Parses a webhook body; throws {@link PayloadError} when it is not an update. */
export function parseUpdateBody(rawBody: Buffer, target: UpdateTarget): ParsedUpdate {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new PayloadError('body is not valid JSON');
  }
  return parseUpdate(json, target);
}

/**
 * One update → at most one normalized message. Platform ids: `{chat}:{message_id}` for a
 * message (Telegram sends the same update again when a webhook fails, so a redelivery has the
 * same id), `{chat}:{message_id}:edit:{update_id}` for an edit (`editOf` is the original's id),
 * `cb:{callback_query.id}` for a button press.
 */
export function parseUpdate(json: unknown, target: UpdateTarget): ParsedUpdate {
  const parsed = updateSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const where = first.path.length ? `"${first.path.join('.')}": ` : '';
    throw new PayloadError(`not a Telegram update: ${where}${first.message}`);
  }
  const update = parsed.data;
  const receivedAt = new Date().toISOString();
  const address = (chatId: number) => ({ workspace: target.workspace, channel: 'telegram', account: target.account, user: String(chatId) });

  if (update.callback_query) {
    const query = update.callback_query;
    const callbackQueryId = query.id;
    if (query.data === undefined) return { messages: [], callbackQueryId, ignored: 'callback query without data (a game)' };
    const label = query.message?.reply_markup?.inline_keyboard.flat().find((b) => b.callback_data === query.data)?.text;
    // A hashed id cannot be turned back into the choice id; the label still picks the choice.
    if (isHashedChoice(query.data) && !label) return { messages: [], callbackQueryId, ignored: 'hashed choice on a message we cannot read' };
    const chatId = query.message?.chat.id ?? query.from.id;
    const content: InboundContent = { type: 'choice', choiceId: query.data, ...(label ? { text: label } : {}) };
    const profile = query.message === undefined || query.message.chat.type === 'private' ? profileOf(query.from) : undefined;
    return { messages: [{ platformId: `cb:${query.id}`, address: address(chatId), receivedAt, content, ...(profile ? { profile } : {}) }], callbackQueryId };
  }

  const edited = update.edited_message;
  const m = update.message ?? edited;
  if (!m) return { messages: [], ignored: 'update type not handled' };
  if (m.from?.is_bot) return { messages: [], ignored: 'message from a bot' };
  const content = contentOf(m, target.startKeyword);
  if (!content) return { messages: [], ignored: 'message kind not handled' };
  const id = `${m.chat.id}:${m.message_id}`;
  const profile = m.chat.type === 'private' && m.from ? profileOf(m.from) : undefined;
  return {
    messages: [
      {
        platformId: edited ? `${id}:edit:${update.update_id}` : id,
        address: address(m.chat.id),
        receivedAt,
        content,
        ...(profile ? { profile } : {}),
        ...(edited ? { editOf: id } : {}),
      },
    ],
  };
}

/**
 * `/start` is what Telegram's Start button sends (also after the contact blocked and unblocked
 * the bot), so a bare one counts as the START keyword. `/start <payload>` comes from a deep link
 * (t.me/bot?start=<payload>, https://core.telegram.org/bots/features#deep-linking) and is taken
 * as the text `<payload>`: a link can carry an intent or a choice id for the flow.
 */
const startCommand = /^\/start(?:@\w+)?(?:\s+(\S[\s\S]*))?$/;

function contentOf(m: TgMessage, startKeyword: string): InboundContent | undefined {
  if (m.text !== undefined) {
    const start = startCommand.exec(m.text.trim());
    if (start) return { type: 'text', text: start[1]?.trim() || startKeyword };
    return m.text.length ? { type: 'text', text: m.text } : undefined;
  }
  const media = mediaOf(m);
  if (!media) return undefined;
  return { type: 'media', media, ...(m.caption ? { text: m.caption } : {}) };
}

function mediaOf(m: TgMessage): MediaRef | undefined {
  // The largest size comes last (https://core.telegram.org/bots/api#photosize); photos carry no MIME type.
  if (m.photo) return { kind: 'image', ref: m.photo.at(-1)!.file_id };
  // An animation also sets `document` "for backward compatibility", so it is looked at first.
  const kinds: [z.infer<typeof file> | undefined, MediaRef['kind']][] = [
    [m.animation, 'video'],
    [m.document, 'document'],
    [m.audio, 'audio'],
    [m.voice, 'audio'],
    [m.video, 'video'],
    [m.video_note, 'video'],
    [m.sticker, 'sticker'],
  ];
  for (const [f, kind] of kinds) {
    if (f) return { kind, ref: f.file_id, ...(f.mime_type ? { mimeType: f.mime_type } : {}), ...(f.file_name ? { name: f.file_name } : {}) };
  }
  return undefined;
}

function profileOf(u: TgUser): Profile | undefined {
  const name = [u.first_name, u.last_name].filter(Boolean).join(' ').trim();
  const profile: Profile = { ...(name ? { name } : {}), ...(u.language_code ? { locale: u.language_code } : {}) };
  return Object.keys(profile).length ? profile : undefined;
}
