import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import type { WorkspaceConfig } from '../config/schema.js';

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];

const interval = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'expected a time range such as "09:00-17:00"')
  .refine((range) => {
    const [from, to] = range.split('-') as [string, string];
    // A malformed range has been reported already.
    return !/^\d\d:\d\d-\d\d:\d\d$/.test(range) || from < to;
  }, 'expected the range to end after it starts');

/**
 * When people answer: per weekday, time ranges in the workspace's (or team's) time zone, and
 * holidays (whole days closed). A day not listed is closed.
 *
 *   hours:
 *     timeZone: Europe/Prague
 *     weekly: { mon: ["09:00-17:00"], tue: ["09:00-12:00", "13:00-17:00"] }
 *     holidays: ["2026-12-24"]
 */
export const openingHoursSchema = z.strictObject({
  timeZone: z.string().refine((zone) => IANAZone.isValidZone(zone), 'expected an IANA time zone such as "Europe/Prague"'),
  weekly: z.partialRecord(z.enum(weekdays), z.array(interval).max(10)).default({}),
  holidays: z
    .array(z.string().refine((day) => /^\d{4}-\d{2}-\d{2}$/.test(day) && DateTime.fromISO(day).isValid, 'expected a date such as "2026-12-24"'))
    .default([]),
});
export type OpeningHours = z.infer<typeof openingHoursSchema>;

/** How far ahead {@link nextOpening} looks: hours closed longer than this are "not in the next two weeks". */
const lookAheadDays = 14;

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The ranges of one local day, in minutes after midnight (none on a holiday). */
function rangesOn(hours: OpeningHours, day: DateTime): [number, number][] {
  if (hours.holidays.includes(day.toISODate()!)) return [];
  const ranges = hours.weekly[weekdays[day.weekday - 1]!] ?? [];
  return ranges.map((r) => {
    const [from, to] = r.split('-') as [string, string];
    return [minutesOf(from), minutesOf(to)];
  });
}

/** Whether people answer at this instant. */
export function isOpen(hours: OpeningHours, at: Date): boolean {
  const local = DateTime.fromJSDate(at, { zone: hours.timeZone });
  const minute = local.hour * 60 + local.minute;
  return rangesOn(hours, local).some(([from, to]) => minute >= from && minute < to);
}

/** When they next open after `at` (at itself if open), or undefined when not within two weeks. */
export function nextOpening(hours: OpeningHours, at: Date): Date | undefined {
  if (isOpen(hours, at)) return at;
  const local = DateTime.fromJSDate(at, { zone: hours.timeZone });
  const minute = local.hour * 60 + local.minute;
  for (let d = 0; d <= lookAheadDays; d++) {
    const day = local.startOf('day').plus({ days: d });
    const starts = rangesOn(hours, day)
      .map(([from]) => from)
      .filter((from) => d > 0 || from > minute)
      .sort((a, b) => a - b);
    // Set by wall-clock time, so a day that changes to or from summer time still opens at 09:00 local.
    if (starts.length) return day.set({ hour: Math.floor(starts[0]! / 60), minute: starts[0]! % 60 }).toJSDate();
  }
  return undefined;
}

/** An opening time as a contact reads it, in the hours' time zone: "Monday 09:00" (or "today 09:00", "tomorrow 09:00"). */
export function describeOpening(hours: OpeningHours, opening: Date, options: { now: Date; locale?: string }): string {
  const zone = hours.timeZone;
  const when = DateTime.fromJSDate(opening, { zone }).setLocale(options.locale ?? 'en');
  const now = DateTime.fromJSDate(options.now, { zone }).setLocale(options.locale ?? 'en');
  const days = Math.round(when.startOf('day').diff(now.startOf('day'), 'days').days);
  const relative = days <= 1 ? when.toRelativeCalendar({ base: now, unit: 'days' }) : undefined;
  return `${relative ?? when.toFormat('cccc')} ${when.toFormat('HH:mm')}`;
}

/** The hours a handoff to this team is answered in: the team's own, else the workspace's; undefined: always. */
export function hoursFor(workspace: WorkspaceConfig, team: string | null | undefined): OpeningHours | undefined {
  return workspace.teams.find((t) => t.id === team)?.hours ?? workspace.hours;
}
