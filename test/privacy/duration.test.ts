import { describe, expect, it } from 'vitest';
import { after, before, parseDuration } from '../../core/privacy/duration.js';

const d = (text: string) => parseDuration(text)!;

describe('durations', () => {
  it('counts months and years by the calendar, both ways, falling back to the last day of a shorter month', () => {
    expect(after(new Date('2026-03-15T10:00:00Z'), d('6mo')).toISOString()).toBe('2026-09-15T10:00:00.000Z');
    expect(after(new Date('2026-08-31T10:00:00Z'), d('6mo')).toISOString()).toBe('2027-02-28T10:00:00.000Z');
    expect(after(new Date('2024-02-29T00:00:00Z'), d('1y')).toISOString()).toBe('2025-02-28T00:00:00.000Z');
    expect(before(new Date('2027-03-31T00:00:00Z'), d('12mo')).toISOString()).toBe('2026-03-31T00:00:00.000Z');
    expect(before(new Date('2026-03-31T00:00:00Z'), d('1mo')).toISOString()).toBe('2026-02-28T00:00:00.000Z');
  });

  it('counts hours, days and weeks as fixed lengths', () => {
    const from = new Date('2026-01-01T00:00:00Z');
    expect(after(from, d('36h')).toISOString()).toBe('2026-01-02T12:00:00.000Z');
    expect(after(from, d('2w')).toISOString()).toBe('2026-01-15T00:00:00.000Z');
    expect(before(from, d('1d')).toISOString()).toBe('2025-12-31T00:00:00.000Z');
  });
});
