import { DateTime } from 'luxon';
import { z } from 'zod';
import { ZONE } from './calendar';
import { beijingDate } from './clocks';

// Days and months in Beijing time: the scoring month is the month of receipt (SPEC §6), forced
// closures are listed by the month they were closed in (SPEC §3). Days: beijingDate in clocks.ts.

/** A month as requests and files give it: `2026-11`. */
export const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month, YYYY-MM');

/** `2026-11` for a time in Beijing: fixed UTC+8 (clocks.ts), without a time-zone lookup on every complaint received. */
export function beijingMonth(at: string | Date): string {
  return beijingDate(at).slice(0, 7);
}

/** The first instant of the month, in Beijing time. */
export function monthStart(month: string): Date {
  return DateTime.fromFormat(month, 'yyyy-MM', { zone: ZONE }).toJSDate();
}

/** The month before the one `at` is in, in Beijing time: the month that has just closed. */
export function previousMonth(at: Date): string {
  return DateTime.fromJSDate(at).setZone(ZONE).minus({ months: 1 }).toFormat('yyyy-MM');
}

/** The first instant after the month, in Beijing time. */
export function monthEnd(month: string): Date {
  return DateTime.fromFormat(month, 'yyyy-MM', { zone: ZONE }).plus({ months: 1 }).toJSDate();
}

/** The month `n` months after `month` (before, for a negative `n`): month labels step alike in every zone. */
export function addMonths(month: string, n: number): string {
  return DateTime.fromFormat(month, 'yyyy-MM', { zone: 'utc' }).plus({ months: n }).toFormat('yyyy-MM');
}

/** The month after `month`. */
export const nextMonth = (month: string) => addMonths(month, 1);

/** The months from `from` to `to`, both included, at most `limit` of them (a wrong date never runs away). */
export function monthsFrom(from: string, to: string, limit = 120): string[] {
  const out: string[] = [];
  for (let m = from; m <= to && out.length < limit; m = nextMonth(m)) out.push(m);
  return out;
}

/** The freeze day of the default policy (SPEC §6): the 10th of the next month. */
export const DEFAULT_FREEZE_DAY = 10;

/**
 * When a month's scorecards become final (SPEC §6, seed 002 400抱怨 §5.6: scored in the next month):
 * the freeze day of the next month at 06:00, Beijing time, when the monthly scoring schedule runs.
 */
export function monthFreezesAt(month: string, freezeDay: number = DEFAULT_FREEZE_DAY): Date {
  return DateTime.fromFormat(month, 'yyyy-MM', { zone: ZONE }).plus({ months: 1 }).set({ day: freezeDay, hour: 6 }).toJSDate();
}
