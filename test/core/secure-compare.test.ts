import { expect, it } from 'vitest';
import { safeEqual } from '../../core/secure-compare.js';

it('is true exactly for equal values, strings and buffers alike', () => {
  expect(safeEqual('s3cret-token', 's3cret-token')).toBe(true);
  expect(safeEqual(Buffer.from('s3cret-token'), 's3cret-token')).toBe(true);
  expect(safeEqual(Buffer.from([0, 1, 2, 255]), Buffer.from([0, 1, 2, 255]))).toBe(true);
  expect(safeEqual('', '')).toBe(true);
  expect(safeEqual('s3cret-token', 's3cret-tokeN')).toBe(false);
  expect(safeEqual(Buffer.from([0, 1, 2, 255]), Buffer.from([0, 1, 2, 254]))).toBe(false);
  // Strings are UTF-8: the same text in another normalization is another secret.
  expect(safeEqual('caf\u00e9', 'cafe\u0301')).toBe(false);
  expect(safeEqual('caf\u00e9', Buffer.from('caf\u00e9', 'utf8'))).toBe(true);
});

it('never throws on different lengths (where timingSafeEqual would) and answers false', () => {
  expect(safeEqual('short', 'a much longer value')).toBe(false);
  expect(safeEqual('', 'x')).toBe(false);
  expect(safeEqual(Buffer.alloc(32), Buffer.alloc(31))).toBe(false);
  // A prefix is not a match.
  expect(safeEqual('abc', 'abcd')).toBe(false);
});
