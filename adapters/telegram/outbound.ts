import type { Api } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Redis } from 'ioredis';
import type { Choice, OutboundMessage } from '../../core/message.js';
import { toChannelError } from './api.js';
import { encodeChoice } from './choice-data.js';
import { splitText } from './split.js';

/** One button per row: labels stay whole on a phone, in the order the flow gave them. */
function inlineKeyboard(choices: readonly Choice[]): InlineKeyboardMarkup {
  return { inline_keyboard: choices.map((c) => [{ text: c.label, callback_data: encodeChoice(c.id) }]) };
}

/**
 * Chat ids are integers of up to 52 significant bits (https://core.telegram.org/bots/api#chat),
 * safe as JS numbers; they are sent as numbers, as Telegram's own clients and grammY do.
 */
function chatIdOf(user: string): number | string {
  return /^-?\d{1,16}$/.test(user) ? Number(user) : user;
}

/**
 * Shows "typing…" in the chat (https://core.telegram.org/bots/api#sendchataction): Telegram
 * clears it after 5 seconds or when the bot's next message arrives.
 */
export async function sendTyping(api: Api, user: string): Promise<void> {
  try {
    await api.sendChatAction(chatIdOf(user), 'typing');
  } catch (err) {
    throw toChannelError(err);
  }
}

export interface SendTarget {
  api: Api;
  /** Remembers how many parts of a split reply went out, so a retry sends only the rest. */
  redis: Redis;
  keyPrefix: string;
}

/** How long the count of sent parts outlives a reply that keeps failing (the queue gives up well before). */
const progressTtlSeconds = 7 * 24 * 3600;

/**
 * Sends one reply: its text in as many messages as the 4096-character limit needs, the
 * choices as an inline keyboard on the last one. Returns `{chat}:{message_id}` of the last
 * message. A failure part-way records the parts already sent: the queue's retry resumes after
 * them instead of repeating them to the contact.
 */
export async function sendReply(target: SendTarget, message: OutboundMessage): Promise<{ platformId?: string }> {
  const chatId = chatIdOf(message.address.user);
  const parts = splitText(message.text);
  const keyboard = message.choices?.length ? inlineKeyboard(message.choices) : undefined;
  const progressKey = `${target.keyPrefix}:telegram:parts:${message.id}`;
  const done = parts.length > 1 ? Number((await target.redis.get(progressKey)) ?? 0) : 0;
  let last: number | undefined;
  for (let i = done; i < parts.length; i++) {
    const isLast = i === parts.length - 1;
    try {
      const sent = await target.api.sendMessage(chatId, parts[i]!, isLast && keyboard ? { reply_markup: keyboard } : {});
      last = sent.message_id;
    } catch (err) {
      throw toChannelError(err);
    }
    if (!isLast) await target.redis.set(progressKey, String(i + 1), 'EX', progressTtlSeconds);
  }
  if (parts.length > 1) await target.redis.del(progressKey);
  return last === undefined ? {} : { platformId: `${chatId}:${last}` };
}
