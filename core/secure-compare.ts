import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string | Buffer): Buffer => createHash('sha256').update(value).digest();

/**
 * Constant-time equality of two secrets (tokens, signatures, keys). Both sides are hashed first,
 * so the comparison takes the same time whatever their lengths and never throws on a length
 * mismatch; strings are compared as UTF-8.
 */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(digest(a), digest(b));
}
