import { safeEqual } from '../../core/secure-compare.js';

/** The header Telegram sets to the webhook's `secret_token` (https://core.telegram.org/bots/api#setwebhook). */
export const secretHeader = 'x-telegram-bot-api-secret-token';

/**
 * Constant-time comparison of the header with the account's secret (hashed first, so it takes
 * the same time whatever the header's length).
 */
export function secretMatches(expected: string, received: string | undefined): boolean {
  if (received === undefined) return false;
  return safeEqual(expected, received);
}
