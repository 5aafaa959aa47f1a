import { createHash, timingSafeEqual } from 'node:crypto';

/** The header Telegram sets to the webhook's `secret_token` (https://core.telegram.org/bots/api#setwebhook). */
export const secretHeader = 'x-telegram-bot-api-secret-token';

/**
 * Constant-time comparison of the header with the account's secret. Both are hashed first, so
 * the comparison takes the same time whatever the header's length.
 */
export function secretMatches(expected: string, received: string | undefined): boolean {
  if (received === undefined) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(received));
}
