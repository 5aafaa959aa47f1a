/**
 * Visitor identity: the hub issues a random visitor id and signs it with the account's secret;
 * the browser keeps `{id}.{signature}` (localStorage) and presents it at every handshake. Stateless,
 * so any hub process can check it, and a visitor can only ever claim an id this hub issued.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { safeEqual } from '../../core/secure-compare.js';

const idPattern = /^[A-Za-z0-9_-]{1,64}$/;

function signature(secret: string, scope: { workspace: string; account: string }, id: string): string {
  return createHmac('sha256', secret).update(`${scope.workspace}\u0000${scope.account}\u0000${id}`).digest('base64url');
}

/** A new visitor: a random id (128 bits) and the token the browser keeps. */
export function issueVisitor(secret: string, scope: { workspace: string; account: string }): { id: string; token: string } {
  const id = `v${randomBytes(16).toString('base64url')}`;
  return { id, token: visitorToken(secret, scope, id) };
}

/** The token for a given visitor id (also how tests stand in for a visitor the hub issued). */
export function visitorToken(secret: string, scope: { workspace: string; account: string }, id: string): string {
  if (!idPattern.test(id)) throw new Error('invalid visitor id');
  return `${id}.${signature(secret, scope, id)}`;
}

/** The visitor id a token proves, or undefined for a malformed or forged one (constant-time comparison). */
export function verifyVisitor(secret: string, scope: { workspace: string; account: string }, token: string): string | undefined {
  const dot = token.lastIndexOf('.');
  if (dot < 1 || token.length > 200) return undefined;
  const id = token.slice(0, dot);
  if (!idPattern.test(id)) return undefined;
  return safeEqual(token.slice(dot + 1), signature(secret, scope, id)) ? id : undefined;
}
