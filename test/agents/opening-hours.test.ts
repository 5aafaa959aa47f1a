import { describe, expect, it } from 'vitest';
import { describeOpening, isOpen, nextOpening, openingHoursSchema } from '../../core/agents/opening-hours.js';

// Prague: CET (UTC+1) in winter, CEST (UTC+2) from the last Sunday of March.
const hours = openingHoursSchema.parse({
  timeZone: 'Europe/Prague',
  weekly: { mon: ['09:00-12:00', '13:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-15:00'] },
  holidays: ['2026-12-24', '2026-12-25'],
});
const at = (iso: string) => new Date(iso);

describe('opening hours', () => {
  it('is open inside a range in the hours’ own time zone, closed at lunch, at the range’s end and at weekends', () => {
    expect(isOpen(hours, at('2026-12-07T08:00:00Z'))).toBe(true); // Monday 09:00 in Prague
    expect(isOpen(hours, at('2026-12-07T07:59:00Z'))).toBe(false); // 08:59
    expect(isOpen(hours, at('2026-12-07T11:30:00Z'))).toBe(false); // 12:30, lunch
    expect(isOpen(hours, at('2026-12-07T16:00:00Z'))).toBe(false); // 17:00: the end is closed
    expect(isOpen(hours, at('2026-12-05T10:00:00Z'))).toBe(false); // Saturday
  });

  it('is closed on a holiday and opens on the next working day', () => {
    expect(isOpen(hours, at('2026-12-24T10:00:00Z'))).toBe(false); // a Thursday, Christmas Eve
    // Thursday 24th and Friday 25th are holidays, then the weekend: Monday 28th 09:00 CET.
    expect(nextOpening(hours, at('2026-12-24T10:00:00Z'))?.toISOString()).toBe('2026-12-28T08:00:00.000Z');
  });

  it('opens after lunch the same day, and the same instant when open already', () => {
    expect(nextOpening(hours, at('2026-12-07T11:30:00Z'))?.toISOString()).toBe('2026-12-07T12:00:00.000Z');
    expect(nextOpening(hours, at('2026-12-07T09:00:00Z'))?.toISOString()).toBe('2026-12-07T09:00:00.000Z');
  });

  it('keeps local time across the change to summer time', () => {
    // Friday 27 March 2026, 16:00 CET; the clocks go forward on Sunday 29th: Monday opens 09:00 CEST = 07:00 UTC.
    expect(nextOpening(hours, at('2026-03-27T15:00:00Z'))?.toISOString()).toBe('2026-03-30T07:00:00.000Z');
  });

  it('says when, as a contact reads it, in their language', () => {
    const now = at('2026-12-07T17:00:00Z'); // Monday 18:00
    expect(describeOpening(hours, nextOpening(hours, now)!, { now })).toBe('tomorrow 09:00');
    const friday = at('2026-12-11T15:00:00Z');
    expect(describeOpening(hours, nextOpening(hours, friday)!, { now: friday })).toBe('Monday 09:00');
    expect(describeOpening(hours, nextOpening(hours, friday)!, { now: friday, locale: 'cs' })).toBe('pondělí 09:00');
  });

  it('finds no opening when the hours name none in the next two weeks', () => {
    const never = openingHoursSchema.parse({ timeZone: 'UTC', weekly: {} });
    expect(nextOpening(never, at('2026-12-07T10:00:00Z'))).toBeUndefined();
  });

  it('refuses an unknown time zone, a backwards range and a date that does not exist', () => {
    const issues = (input: unknown) => openingHoursSchema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ timeZone: 'Europe/Praha' })).toEqual(['timeZone: expected an IANA time zone such as "Europe/Prague"']);
    expect(issues({ timeZone: 'UTC', weekly: { mon: ['17:00-09:00'] } })).toEqual(['weekly.mon.0: expected the range to end after it starts']);
    expect(issues({ timeZone: 'UTC', weekly: { mon: ['9-5'] } })).toEqual(['weekly.mon.0: expected a time range such as "09:00-17:00"']);
    expect(issues({ timeZone: 'UTC', holidays: ['2026-02-30'] })).toEqual(['holidays.0: expected a date such as "2026-12-24"']);
  });
});
