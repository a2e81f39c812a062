import { DateTime } from 'luxon';
import { z } from 'zod';

// SPEC §4 "Working days": Monday to Friday, minus public holidays, plus the official make-up
// working days (调休上班). One calendar per year, as data the operator maintains.

export const ZONE = 'Asia/Shanghai';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((value) => DateTime.fromISO(value, { zone: ZONE }).isValid, 'is not a calendar date');

export const calendarYearSchema = z
  .object({
    year: z.number().int().min(2000).max(2100),
    version: z.string().trim().min(1),
    source: z.string().optional(),
    holidays: z.array(z.object({ name: z.string().trim().min(1), from: isoDate, to: isoDate }).strict()),
    makeUpWorkdays: z.array(z.object({ name: z.string().trim().min(1), date: isoDate }).strict()),
  })
  .strict()
  .superRefine((calendar, ctx) => {
    const inYear = (date: string) => date.startsWith(`${calendar.year}-`);
    const holidayDates = new Map<string, number>();
    calendar.holidays.forEach((holiday, i) => {
      for (const field of ['from', 'to'] as const) {
        if (!inYear(holiday[field])) {
          ctx.addIssue({ code: 'custom', path: ['holidays', i, field], message: `${holiday[field]} (${holiday.name}) is outside ${calendar.year}` });
        }
      }
      if (holiday.from > holiday.to) {
        ctx.addIssue({ code: 'custom', path: ['holidays', i, 'to'], message: `${holiday.name} ends (${holiday.to}) before it starts (${holiday.from})` });
        return;
      }
      for (const date of datesBetween(holiday.from, holiday.to)) holidayDates.set(date, i);
    });
    const seen = new Set<string>();
    calendar.makeUpWorkdays.forEach((day, i) => {
      const path = ['makeUpWorkdays', i, 'date'];
      if (!inYear(day.date)) ctx.addIssue({ code: 'custom', path, message: `${day.date} (${day.name}) is outside ${calendar.year}` });
      const clash = holidayDates.get(day.date);
      if (clash !== undefined) {
        ctx.addIssue({ code: 'custom', path, message: `${day.date} (${day.name}) is also a holiday in holidays[${clash}] (${calendar.holidays[clash]!.name})` });
      }
      if (DateTime.fromISO(day.date, { zone: ZONE }).weekday < 6) {
        ctx.addIssue({ code: 'custom', path, message: `${day.date} (${day.name}) is a weekday; a make-up working day is a Saturday or Sunday` });
      }
      if (seen.has(day.date)) ctx.addIssue({ code: 'custom', path, message: `${day.date} is listed twice` });
      seen.add(day.date);
    });
  });

export type CalendarYear = z.infer<typeof calendarYearSchema>;

/** Every date from `from` to `to` inclusive, as YYYY-MM-DD. */
export function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let d = DateTime.fromISO(from, { zone: ZONE }); d.toISODate()! <= to; d = d.plus({ days: 1 })) dates.push(d.toISODate()!);
  return dates;
}

/** Which calendar versions a computation used, and which years it had no calendar for. */
export interface CalendarUsage {
  versions: Record<string, string>;
  missingYears: number[];
}

export function newUsage(): CalendarUsage {
  return { versions: {}, missingYears: [] };
}

export class WorkingCalendar {
  private readonly years = new Map<number, { version: string; holidays: Set<string>; workdays: Set<string> }>();

  constructor(calendars: CalendarYear[]) {
    for (const calendar of calendars) {
      this.years.set(calendar.year, {
        version: calendar.version,
        holidays: new Set(calendar.holidays.flatMap((h) => datesBetween(h.from, h.to))),
        workdays: new Set(calendar.makeUpWorkdays.map((d) => d.date)),
      });
    }
  }

  get knownYears(): number[] {
    return [...this.years.keys()].sort();
  }

  /**
   * Whether a date (YYYY-MM-DD) is a working day. A year without a calendar counts weekends only
   * (SPEC §4), and `usage` records that, so every deadline computed from it says so.
   */
  isWorkingDay(date: string, usage: CalendarUsage): boolean {
    const year = Number(date.slice(0, 4));
    const calendar = this.years.get(year);
    const weekday = DateTime.fromISO(date, { zone: ZONE }).weekday; // 1 = Monday … 7 = Sunday
    if (!calendar) {
      if (!usage.missingYears.includes(year)) usage.missingYears.push(year);
      return weekday < 6;
    }
    usage.versions[String(year)] = calendar.version;
    if (calendar.workdays.has(date)) return true;
    if (calendar.holidays.has(date)) return false;
    return weekday < 6;
  }
}
