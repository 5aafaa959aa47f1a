/**
 * Meta signs every webhook POST with the app secret: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256
 * of the raw body>` (https://developers.facebook.com/docs/messenger-platform/webhooks#validate-payloads).
 * It is the hub's own signature format under another header name, so the same constant-time check serves.
 */
import { sign as hmacSign, verify as hmacVerify } from '../../core/signature.js';
import { ForbiddenError } from '../../core/errors.js';

export const metaSignatureHeader = 'x-hub-signature-256';

/** `sha256=<hex HMAC-SHA256 of body>` with the app secret. */
export const signMeta = (body: Buffer | string, appSecret: string): string => hmacSign(body, appSecret);

/** Constant-time check of the header against the body. */
export const verifyMeta = (body: Buffer, appSecret: string, header: string | undefined): boolean => hmacVerify(body, appSecret, header);

/** Throws {@link ForbiddenError} (403, nothing queued) unless the body is signed with `appSecret`. */
export function requireMetaSignature(body: Buffer, appSecret: string | undefined, header: string | undefined): void {
  // Unknown accounts get the same answer as bad signatures: no probing which accounts exist.
  if (appSecret === undefined || !verifyMeta(body, appSecret, header)) throw new ForbiddenError('missing or invalid X-Hub-Signature-256');
}
