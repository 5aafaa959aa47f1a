import { timingSafeEqual } from 'node:crypto';
import type { RawRequest, RawResponse } from '../../core/http/router.js';

/**
 * The subscription handshake: Meta GETs the webhook with `hub.mode=subscribe`, the verify token
 * typed into the dashboard and a challenge, and expects the challenge back as plain text
 * (https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests).
 * Anything else gets 403.
 */
export function answerVerification(req: RawRequest, verifyToken: string | undefined): RawResponse {
  const mode = req.query['hub.mode'];
  const token = req.query['hub.verify_token'];
  const challenge = req.query['hub.challenge'];
  if (verifyToken === undefined || mode !== 'subscribe' || typeof token !== 'string' || typeof challenge !== 'string' || !sameToken(token, verifyToken) || challenge.length > 512) {
    return { status: 403, raw: 'verification failed', headers: { 'content-type': 'text/plain; charset=utf-8' } };
  }
  return { status: 200, raw: challenge, headers: { 'content-type': 'text/plain; charset=utf-8' } };
}

/** Constant-time comparison; a length mismatch is decided without comparing contents. */
function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
