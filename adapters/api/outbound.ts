import { ChannelApiError } from '../../core/errors.js';
import { OutboundRefused, type OutboundAnswer, type OutboundClient } from '../../core/net/outbound.js';
import type { OutboundMessage } from '../../core/message.js';
import type { ApiAccountConfig } from './config.js';
import { sign, signatureHeader } from './signature.js';

/** The JSON POSTed to the account's webhookUrl for each reply. */
function renderOutbound(message: OutboundMessage): string {
  return JSON.stringify({
    id: message.id,
    user: message.address.user,
    text: message.text,
    ...(message.choices?.length ? { choices: message.choices } : {}),
    inReplyTo: message.inReplyTo ?? null,
  });
}

/**
 * POSTs one reply, signed, through the workspace's outbound client (its allowlist; 307/308
 * redirects followed up to 3 times, each checked again); any non-2xx, refused address or network
 * failure is retryable (the queue backs off).
 */
export async function postReply(account: ApiAccountConfig, message: OutboundMessage, client: OutboundClient): Promise<void> {
  const body = renderOutbound(message);
  let res: OutboundAnswer;
  try {
    res = await client.send(account.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [signatureHeader]: sign(body, account.secret) },
      body,
      signal: AbortSignal.timeout(account.timeoutMs),
      maxRedirects: 3,
    });
  } catch (err) {
    if (err instanceof OutboundRefused) throw new ChannelApiError({ message: `webhook refused: ${err.reason}`, retryable: true });
    throw new ChannelApiError({ message: `webhook unreachable: ${(err as Error).message}`, retryable: true });
  }
  if (!res.ok) {
    const retryAfter = Number(res.header('retry-after'));
    throw new ChannelApiError({
      message: `webhook answered ${res.status}`,
      status: res.status,
      retryable: true,
      retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
    });
  }
}
