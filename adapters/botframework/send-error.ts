import { ChannelApiError } from '../../core/errors.js';

/** What botbuilder's connector throws (a core-rest-pipeline RestError), reduced to what we read. */
interface ConnectorFailure {
  statusCode?: number;
  code?: string;
  message?: string;
  response?: { headers?: { get(name: string): string | undefined } };
}

/**
 * Statuses worth a retry: throttling, timeouts and the ones Teams documents as transient
 * (412, 502, 504) besides other 5xx. https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit
 */
const transient = (status: number) => status === 408 || status === 412 || status === 429 || status >= 500;

/**
 * A failed send as the queue understands it. Refusals (401/403/404 and other 4xx, e.g. the bot
 * was removed from the conversation) are permanent and keep the connector's error code; a 429
 * pauses the account for its Retry-After; network failures and timeouts are retried.
 */
export function toChannelApiError(err: unknown): ChannelApiError {
  if (err instanceof ChannelApiError) return err;
  const e = (err ?? {}) as ConnectorFailure;
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status === undefined) {
    return new ChannelApiError({ message: `connector unreachable: ${e.message ?? String(err)}`, platformCode: e.code, retryable: true });
  }
  const code = e.code && e.code !== 'REQUEST_SEND_ERROR' ? e.code : String(status);
  return new ChannelApiError({
    message: `connector answered ${status}${e.message ? `: ${e.message}` : ''}`,
    status,
    platformCode: code,
    retryable: transient(status),
    retryAfterMs: status === 429 || status === 503 ? retryAfterMs(e.response?.headers?.get('retry-after')) : undefined,
  });
}

/** Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds > 0 ? seconds * 1000 : undefined;
  const at = Date.parse(header);
  return Number.isFinite(at) && at > now ? at - now : undefined;
}
