import type { RawRequest, RawResponse } from '../../core/http/router.js';
import { safeEqual } from '../../core/secure-compare.js';

/**
 * The subscription handshake: Meta GETs the webhook with `hub.mode=subscribe`, the verify token
 * typed into the dashboard and a challenge, and expects the challenge back as plain text
 * (https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests).
 * Anything else gets 403; `refused` hears why (never the token), so a mistyped token shows in the log.
 */
export function answerVerification(req: RawRequest, verifyToken: string | undefined, refused: (reason: string) => void = () => {}): RawResponse {
  const reason = whyRefused(req, verifyToken);
  if (reason) {
    refused(reason);
    return { status: 403, raw: 'verification failed', headers: { 'content-type': 'text/plain; charset=utf-8' } };
  }
  return { status: 200, raw: req.query['hub.challenge']!, headers: { 'content-type': 'text/plain; charset=utf-8' } };
}

function whyRefused(req: RawRequest, verifyToken: string | undefined): string | undefined {
  const token = req.query['hub.verify_token'];
  const challenge = req.query['hub.challenge'];
  if (verifyToken === undefined) return 'no such account';
  if (req.query['hub.mode'] !== 'subscribe') return 'hub.mode is not "subscribe"';
  if (typeof challenge !== 'string' || challenge.length > 512) return 'hub.challenge missing or longer than 512 characters';
  if (typeof token !== 'string' || !safeEqual(token, verifyToken)) return "hub.verify_token does not match the account's verifyToken";
  return undefined;
}
