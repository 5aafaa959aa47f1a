import { safeEqual } from '../secure-compare.js';

/** `Authorization: Bearer <token>` with exactly `token` (constant time, like every secret check). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match !== null && safeEqual(match[1]!, token);
}
