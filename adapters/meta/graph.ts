/**
 * A small Graph API client shared by Messenger and the WhatsApp Cloud API: one POST, and the
 * mapping of Graph errors (https://developers.facebook.com/docs/graph-api/guides/error-handling)
 * to {@link ChannelApiError}, so the outbound queue knows whether waiting can help.
 */
import { request } from 'undici';
import { ChannelApiError } from '../../core/errors.js';
import { firstHeader } from '../../core/net/outbound.js';

/** The error object Graph returns with every non-2xx answer. */
interface GraphError {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  fbtrace_id?: string;
  is_transient?: boolean;
  /** WhatsApp adds `{ details }`. */
  error_data?: { details?: string } | string;
}

/**
 * Throttling codes: 4 app, 17 user, 32 page, 613 custom rate limit, 80001–80014 business-use-case
 * limits (80006 Messenger, 80007 WhatsApp), 130429 WhatsApp throughput
 * (https://developers.facebook.com/docs/graph-api/overview/rate-limiting). The whole account waits.
 */
const throttled = new Set([4, 17, 32, 613, 130429, ...Array.from({ length: 14 }, (_, i) => 80001 + i)]);
/**
 * Codes where a later attempt can succeed but the account as a whole need not wait: 1 unknown, 2 service
 * unavailable, WhatsApp 131000 "something went wrong", 131016 service unavailable, 133004 server
 * temporarily unavailable, and 131056 the pair rate limit (too many messages to one user; only that chat waits).
 */
const transient = new Set([1, 2, 131000, 131016, 131056, 133004]);

/** How long to wait when Graph throttles without saying for how long. */
const defaultThrottleMs = 30_000;

export interface GraphTarget {
  graphUrl: string;
  apiVersion: string;
  timeoutMs: number;
}

/**
 * POSTs JSON to `{graphUrl}/{apiVersion}/{path}` and returns the parsed answer; throws
 * {@link ChannelApiError} on any failure. `query` and `headers` carry the credentials: they
 * never appear in the error (it is stored on the message and logged).
 */
export async function graphPost<T>(
  target: GraphTarget,
  path: string,
  body: unknown,
  auth: { query?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<T> {
  const url = new URL(`${target.graphUrl}/${target.apiVersion}/${path}`);
  for (const [k, v] of Object.entries(auth.query ?? {})) url.searchParams.set(k, v);
  // undici's request rather than fetch: a Graph call is made for every reply, and fetch's Response costs several times the CPU.
  const signal = AbortSignal.timeout(target.timeoutMs);
  let status: number;
  let headers: HeaderGetter;
  let text: string;
  try {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth.headers },
      body: JSON.stringify(body),
      signal,
    });
    status = res.statusCode;
    headers = (name) => firstHeader(res.headers, name);
    text = await res.body.text().catch(() => '');
  } catch (err) {
    const reason = signal.aborted ? `no answer within ${target.timeoutMs} ms` : (err as Error).message;
    throw new ChannelApiError({ message: `Graph API unreachable: ${reason}`, retryable: true });
  }
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const ok = status >= 200 && status < 300;
  if (ok && json !== undefined) return json as T;
  if (ok) throw new ChannelApiError({ message: `Graph API answered ${status} without JSON`, status, retryable: true });
  throw graphError(status, (json as { error?: GraphError } | undefined)?.error, headers);
}

/** A response header by lower-case name. */
type HeaderGetter = (name: string) => string | undefined;

/** Maps one Graph error answer to a {@link ChannelApiError}. */
function graphError(status: number, error: GraphError | undefined, headers: HeaderGetter): ChannelApiError {
  const code = error?.code;
  const details = typeof error?.error_data === 'object' ? error.error_data.details : undefined;
  const message =
    `Graph API error${code !== undefined ? ` ${code}${error?.error_subcode ? `/${error.error_subcode}` : ''}` : ` (HTTP ${status})`}: ` +
    `${error?.message ?? 'no error message'}${details ? ` (${details})` : ''}${error?.fbtrace_id ? ` [fbtrace_id ${error.fbtrace_id}]` : ''}`;
  const platformCode = code !== undefined ? String(code) : `http_${status}`;
  if (status === 429 || (code !== undefined && throttled.has(code))) {
    return new ChannelApiError({ message, status, platformCode, retryable: true, retryAfterMs: retryAfterMs(headers) ?? defaultThrottleMs });
  }
  if (status >= 500 || status === 408 || error?.is_transient === true || (code !== undefined && transient.has(code))) {
    return new ChannelApiError({ message, status, platformCode, retryable: true });
  }
  return new ChannelApiError({ message, status, platformCode, retryable: false });
}

/**
 * `Retry-After` (seconds), else the business-use-case header's `estimated_time_to_regain_access`
 * (minutes; https://developers.facebook.com/docs/graph-api/overview/rate-limiting#headers-2).
 */
function retryAfterMs(headers: HeaderGetter): number | undefined {
  const seconds = Number(headers('retry-after'));
  if (Number.isFinite(seconds) && seconds > 0) return seconds * 1000;
  const usage = headers('x-business-use-case-usage');
  if (!usage) return undefined;
  try {
    const parsed = JSON.parse(usage) as Record<string, { estimated_time_to_regain_access?: number }[]>;
    const minutes = Math.max(
      0,
      ...Object.values(parsed)
        .flat()
        .map((u) => Number(u.estimated_time_to_regain_access) || 0),
    );
    return minutes > 0 ? minutes * 60_000 : undefined;
  } catch {
    return undefined;
  }
}
