import { autoRetry } from '@grammyjs/auto-retry';
import { Api, GrammyError, HttpError } from 'grammy';
import { ChannelApiError } from '../../core/errors.js';
import type { TelegramAccountConfig } from './config.js';

/**
 * A Bot API client for one account. A 429 asking for a short wait is retried in place
 * (https://grammy.dev/plugins/auto-retry); longer waits, 5xx and network errors are thrown,
 * so the outbound queue backs off (and pauses the whole account on a retry_after) rather
 * than a worker sleeping: auto-retry would retry network errors for ever.
 */
export function createApi(config: Pick<TelegramAccountConfig, 'token' | 'apiRoot' | 'timeoutSeconds' | 'maxRetryAfterSeconds'>): Api {
  const api = createBareApi(config);
  api.config.use(autoRetry({ maxDelaySeconds: config.maxRetryAfterSeconds, maxRetryAttempts: 2, rethrowHttpErrors: true, rethrowInternalServerErrors: true }));
  return api;
}

/** A client that never retries: for calls that are worthless late (a typing indicator), made once. */
export function createBareApi(config: Pick<TelegramAccountConfig, 'token' | 'apiRoot' | 'timeoutSeconds'>): Api {
  return new Api(config.token, { apiRoot: config.apiRoot, timeoutSeconds: config.timeoutSeconds });
}

/**
 * A failed Bot API call as the outbound queue understands it
 * (https://core.telegram.org/bots/api#making-requests): 429 waits `retry_after`, 5xx and network
 * failures are retried, every other refusal is permanent and keeps Telegram's code: 403 for a
 * bot the user blocked, 400 for a chat that does not exist, 401 for a revoked token.
 */
export function toChannelError(err: unknown): ChannelApiError {
  if (err instanceof GrammyError) {
    const code = err.error_code;
    const message = `Telegram ${err.method}: ${err.description}`;
    if (code === 429) {
      const seconds = err.parameters.retry_after ?? 1;
      return new ChannelApiError({ message, status: 429, platformCode: '429', retryable: true, retryAfterMs: seconds * 1000 });
    }
    return new ChannelApiError({ message, status: code, platformCode: String(code), retryable: code >= 500 });
  }
  // grammY's own message: the underlying error's would carry the request URL, and the URL the token.
  if (err instanceof HttpError) return new ChannelApiError({ message: `Telegram unreachable: ${err.message}`, retryable: true });
  if (err instanceof ChannelApiError) return err;
  return new ChannelApiError({ message: `Telegram call failed: ${(err as Error).message}`, retryable: true });
}
