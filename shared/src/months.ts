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
