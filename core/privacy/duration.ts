/** A retention period as written in the config: a number and a unit, e.g. `90d`, `12mo`, `2y`, `36h`, `6w`. */
export const durationPattern = /^(\d{1,4})(h|d|w|mo|y)$/;

export interface Duration {
  amount: number;
  unit: 'h' | 'd' | 'w' | 'mo' | 'y';
}

export function parseDuration(text: string): Duration | undefined {
  const m = durationPattern.exec(text);
  return m ? { amount: Number(m[1]), unit: m[2] as Duration['unit'] } : undefined;
}

/**
 * The moment `duration` before `from`. Months and years are calendar ones (12mo before
 * 2027-03-31 is 2026-03-31; a day that does not exist falls back to the month's last), so a
 * policy of "12 months" means what a person reading the notice understands by it.
 */
export function before(from: Date, duration: Duration): Date {
  return shift(from, duration, -1);
}

/** The moment `duration` after `from`, by the same calendar (6mo after 2026-08-31 is 2027-02-28): when something set at `from` expires. */
export function after(from: Date, duration: Duration): Date {
  return shift(from, duration, 1);
}

function shift(from: Date, duration: Duration, sign: 1 | -1): Date {
  const { amount, unit } = duration;
  if (unit === 'h' || unit === 'd' || unit === 'w') {
    const hours = unit === 'h' ? amount : unit === 'd' ? amount * 24 : amount * 24 * 7;
    return new Date(from.getTime() + sign * hours * 3600_000);
  }
  const months = unit === 'mo' ? amount : amount * 12;
  const d = new Date(from.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + sign * months);
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, lastDay));
  return d;
}

/** A duration in words for a notice: `12mo` → "12 months". */
export function inWords(duration: Duration): string {
  const words = { h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' } as const;
  return `${duration.amount} ${words[duration.unit]}${duration.amount === 1 ? '' : 's'}`;
}
