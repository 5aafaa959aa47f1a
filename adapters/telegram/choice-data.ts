import { createHash } from 'node:crypto';

/**
 * Telegram's `callback_data` holds 1-64 bytes
 * (https://core.telegram.org/bots/api#inlinekeyboardbutton). Flow choice ids are ASCII
 * letters, digits, `_` and `-` of at most 64 characters, so they travel as they are and come
 * back as the choice id. Anything longer (or starting with `~`) is sent as `~` and a hash:
 * the id cannot be recovered from it, but the pressed button's label is (from the message the
 * keyboard is on), and the flow engine picks a choice by its label too.
 */
const maxBytes = 64;
const hashed = '~';

/** The callback_data for a choice id: the id itself when it fits, else `~` + 43 base64url chars of its SHA-256. */
export function encodeChoice(id: string): string {
  if (id.length > 0 && !id.startsWith(hashed) && Buffer.byteLength(id, 'utf8') <= maxBytes) return id;
  return hashed + createHash('sha256').update(id).digest('base64url');
}

/** True when the data is a hash, not the choice id itself. */
export function isHashedChoice(data: string): boolean {
  return data.startsWith(hashed);
}
