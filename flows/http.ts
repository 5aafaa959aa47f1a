/**
 * The request of a flow's `http` node, performed for real: the one place in
 * flows/ that does I/O. The engine describes the request; the router calls
 * {@link performHttp} and feeds the result back with `step`.
 */
import { OutboundClient, OutboundRefused, type Response } from '../core/net/outbound.js';
import { AddressPolicy } from '../core/net/address-policy.js';
import type { HttpRequest, HttpResult } from './types.js';

export type { HttpRequest, HttpResult };

export interface PerformHttpOptions {
  /** The workspace's outbound client (core/net/workspace-outbound.ts): its allowlist decides which addresses a flow may reach. */
  client?: OutboundClient;
}

/** Without a workspace's client: public addresses only. */
let publicOnly: OutboundClient | undefined;

const fail = (error: string): HttpResult => ({ ok: false, error });

/** The body went past `maxBytes`. */
class TooLarge extends Error {}

/**
 * Sends `request` and parses its JSON response. Never throws: every failure
 * is `{ ok: false, error }` with a short reason such as `timeout`,
 * `connection refused`, `status 503`, `response too large`, `not JSON` or `address not allowed`.
 *
 * A 2xx with a JSON body is required; a 204 or 205 (no content) gives
 * `json: null`. Redirects are refused rather than followed, so a flow reaches
 * only the host its URL names; the timeout covers reading the body too.
 */
export async function performHttp(request: HttpRequest, options: PerformHttpOptions = {}): Promise<HttpResult> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  const client = options.client ?? (publicOnly ??= new OutboundClient(new AddressPolicy()));
  try {
    const response = await client.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      maxRedirects: 0,
      signal,
    });
    if (!response.ok) {
      await discard(response);
      return fail(`status ${response.status}`);
    }
    if (response.status === 204 || response.status === 205) {
      await discard(response);
      return { ok: true, json: null };
    }
    // Refuse early when the server says how big it is; the stream is capped anyway.
    if (Number(response.headers.get('content-length') ?? 0) > request.maxBytes) {
      await discard(response);
      return fail('response too large');
    }
    const parsed = parseJson(await readCapped(response, request.maxBytes));
    return parsed ? { ok: true, json: parsed.value } : fail('not JSON');
  } catch (err) {
    return fail(reason(err, signal));
  }
}

/** The body's bytes, stopping (and cancelling the download) once past `maxBytes`. */
async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new TooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** The body as JSON (UTF-8, as RFC 8259 requires), or undefined when it is not. */
function parseJson(bytes: Uint8Array): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown };
  } catch {
    return undefined;
  }
}

/** Frees the connection of a response whose body is not wanted. */
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/** A short, log-friendly reason; details of the error stay out of the flow's variables. */
function reason(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'timeout';
  if (err instanceof TooLarge) return 'response too large';
  if (err instanceof OutboundRefused) return err.reason === 'redirect refused' ? err.reason : 'address not allowed';
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (err instanceof TypeError && /url/i.test(err.message)) return 'invalid URL';
  return code ? `network error (${code})` : 'network error';
}
