import { ChannelApiError } from '../errors.js';
import { OutboundRefused } from '../net/outbound.js';
import { outboundFor, type OutboundSettings } from '../net/workspace-outbound.js';
import { sign, signatureHeader } from '../signature.js';

/** Redirects a business's webhook may answer with (307/308, each hop checked again; see core/net/outbound.ts). */
const maxRedirects = 3;

export interface SignedPost {
  /** The workspace whose webhook it is: its `outbound.allow` decides which addresses may be reached. */
  workspace: OutboundSettings;
  target: { webhookUrl: string; secret: string };
  body: string;
  /** Names the webhook in errors ("CRM webhook"). */
  what: string;
}

/**
 * POSTs a JSON body to one of the business's webhooks (the CRM's, the event webhook), signed like
 * the api channel; a non-2xx answer, a refused address or a network failure throws, and the queue
 * retries (an address refused now may be allowed by the time of the retry, after a config change).
 */
export async function postSigned({ workspace, target, body, what }: SignedPost): Promise<void> {
  let res;
  try {
    res = await outboundFor(workspace).send(target.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [signatureHeader]: sign(body, target.secret) },
      body,
      signal: AbortSignal.timeout(10_000),
      maxRedirects,
    });
  } catch (err) {
    if (err instanceof OutboundRefused) throw new ChannelApiError({ message: `${what} refused: ${err.reason}`, retryable: true });
    throw err;
  }
  if (!res.ok) throw new ChannelApiError({ message: `${what} answered ${res.status}`, status: res.status, retryable: true });
}
