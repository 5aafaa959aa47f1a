import { ChannelApiError } from '../errors.js';
import { sign, signatureHeader } from '../signature.js';

/**
 * POSTs a JSON body to one of the business's webhooks (the CRM's, the event webhook), signed like
 * the api channel; a non-2xx answer or a network failure throws, and the queue retries.
 */
export async function postSigned(target: { webhookUrl: string; secret: string }, body: string, what: string): Promise<void> {
  const res = await fetch(target.webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [signatureHeader]: sign(body, target.secret) },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new ChannelApiError({ message: `${what} answered ${res.status}`, status: res.status, retryable: true });
}
