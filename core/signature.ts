/**
 * The hub's webhook signature, used by the api channel and the CRM webhook:
 * `X-Switchboard-Signature: sha256=<hex HMAC-SHA256 of the raw body>`.
 */
import { createHmac } from 'node:crypto';
import { safeEqual } from './secure-compare.js';

export const signatureHeader = 'x-switchboard-signature';

/** `sha256=<hex HMAC-SHA256 of the raw body>` */
export function sign(body: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time check of a signature header against the body. */
export function verify(body: Buffer, secret: string, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  return safeEqual(given, expected);
}
