/**
 * Visitor identity: the hub issues a random visitor id and signs it, with the moment it was first
 * issued, with the account's secret; the browser keeps `{id}.{issuedAt}.{signature}` (localStorage)
 * and presents it at every handshake. Stateless, so any hub process can check it, and a visitor can
 * only ever claim an id this hub issued.
 *
 * A token lives `visitorTokenLifetime` from its first issue. Presenting it does not extend it (the
 * hub hands back the same token, issue time unchanged): a browser that keeps coming back still gets
 * a new identity once the lifetime is over, as a cookie set for 6 months would expire.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { after, type Duration } from '../../core/privacy/duration.js';
import { safeEqual } from '../../core/secure-compare.js';

type Scope = { workspace: string; account: string };

const idPattern = /^[A-Za-z0-9_-]{1,64}$/;
/** Seconds since the epoch, as the token carries them. */
const issuedPattern = /^\d{1,12}$/;

function signature(secret: string, scope: Scope, id: string, issued: string): string {
  return createHmac('sha256', secret).update(`${scope.workspace}\u0000${scope.account}\u0000${id}\u0000${issued}`).digest('base64url');
}

/** How tokens were signed before they carried their issue time (`{id}.{signature}`); only ever checked, never issued. */
function legacySignature(secret: string, scope: Scope, id: string): string {
  return createHmac('sha256', secret).update(`${scope.workspace}\u0000${scope.account}\u0000${id}`).digest('base64url');
}

/** A new visitor: a random id (128 bits) and the token the browser keeps, issued now. */
export function issueVisitor(secret: string, scope: Scope, now = new Date()): { id: string; token: string; issuedAt: Date } {
  const id = `v${randomBytes(16).toString('base64url')}`;
  return { id, token: visitorToken(secret, scope, id, now), issuedAt: new Date(Math.floor(now.getTime() / 1000) * 1000) };
}

/** The token for a given visitor id first issued at `issuedAt` (also how tests stand in for a visitor the hub issued). */
export function visitorToken(secret: string, scope: Scope, id: string, issuedAt = new Date()): string {
  if (!idPattern.test(id)) throw new Error('invalid visitor id');
  const issued = String(Math.floor(issuedAt.getTime() / 1000));
  return `${id}.${issued}.${signature(secret, scope, id, issued)}`;
}

/** When a token issued at `issuedAt` stops being accepted. */
export function tokenExpiry(issuedAt: Date, lifetime: Duration): Date {
  return after(issuedAt, lifetime);
}

/**
 * What a presented token proves (constant-time comparison):
 * - `valid`: the visitor id and when it was first issued;
 * - `expired`: a token this hub signed whose lifetime is over, or one in the old format without an
 *   issue time (its age is unknown, so it is treated as over): the visitor starts afresh;
 * - `invalid`: malformed or forged (wrong secret, edited id or issue time).
 */
export type VisitorCheck = { status: 'valid'; id: string; issuedAt: Date } | { status: 'expired' } | { status: 'invalid' };

export function verifyVisitor(secret: string, scope: Scope, token: string, lifetime: Duration, now = new Date()): VisitorCheck {
  if (token.length > 200) return { status: 'invalid' };
  const parts = token.split('.');
  if (parts.length === 2) {
    const [id, sig] = parts as [string, string];
    return idPattern.test(id) && safeEqual(sig, legacySignature(secret, scope, id)) ? { status: 'expired' } : { status: 'invalid' };
  }
  if (parts.length !== 3) return { status: 'invalid' };
  const [id, issued, sig] = parts as [string, string, string];
  if (!idPattern.test(id) || !issuedPattern.test(issued) || !safeEqual(sig, signature(secret, scope, id, issued))) return { status: 'invalid' };
  const issuedAt = new Date(Number(issued) * 1000);
  // A token from the future (hub clocks apart by more than a few minutes) has no age to trust either.
  if (issuedAt.getTime() > now.getTime() + maxClockSkewMs || tokenExpiry(issuedAt, lifetime).getTime() <= now.getTime()) return { status: 'expired' };
  return { status: 'valid', id, issuedAt };
}

const maxClockSkewMs = 5 * 60_000;
