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
      // An official notice lists its holidays in date order, each period once: a period that starts
      // before the previous one ends is a typing error (two periods overlapping, or out of order).
      const previous = calendar.holidays[i - 1];
      if (previous && previous.from <= previous.to && holiday.from <= previous.to) {
        const message = holiday.from >= previous.from ? `${holiday.name} (${holiday.from}) overlaps ${previous.name} (${previous.from}–${previous.to})` : `${holiday.name} (${holiday.from}) is listed after ${previous.name} (${previous.from}): list the holidays in date order`;
        ctx.addIssue({ code: 'custom', path: ['holidays', i, 'from'], message });
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
      else if (i > 0 && day.date < calendar.makeUpWorkdays[i - 1]!.date) ctx.addIssue({ code: 'custom', path, message: `${day.date} (${day.name}) is listed after ${calendar.makeUpWorkdays[i - 1]!.date}: list the make-up days in date order` });
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

/** A year's calendar as loaded: by whom and when (SPEC §8 `GET /api/calendars`). */
export interface LoadedCalendar {
  year: number;
  version: string;
  loadedBy: string;
  loadedAt: string;
}

export interface CalendarWarning {
  code: 'next_year_missing' | 'year_missing';
  year: number;
  message: string;
}

/** From this Beijing date of each year on, next year's calendar is awaited (SPEC §4). */
export const NEXT_YEAR_WARNING_FROM = '11-01';

/**
 * What the coordinator is told about the calendars (SPEC §4): this year's missing, and from November 1
 * next year's, until it is loaded. Without one, deadlines count weekends only and may fall on holidays.
 */
export function calendarWarnings(loadedYears: readonly number[], now: Date): CalendarWarning[] {
  const today = DateTime.fromJSDate(now, { zone: ZONE });
  const warnings: CalendarWarning[] = [];
  const missing = (year: number) => !loadedYears.includes(year);
  if (missing(today.year)) {
    warnings.push({ code: 'year_missing', year: today.year, message: `no working calendar for ${today.year}: deadlines count weekends only and may fall on public holidays` });
  }
  if (today.toFormat('MM-dd') >= NEXT_YEAR_WARNING_FROM && missing(today.year + 1)) {
    warnings.push({ code: 'next_year_missing', year: today.year + 1, message: `no working calendar for ${today.year + 1} yet: deadlines that fall in ${today.year + 1} count weekends only until it is loaded` });
  }
  return warnings;
}

export interface DayChange {
  date: string;
  name: string;
}

/** What a calendar changes against the one in force for its year: the days each list gains and loses. */
export interface CalendarDiff {
  year: number;
  from?: string;
  to: string;
  holidaysAdded: DayChange[];
  holidaysRemoved: DayChange[];
  makeUpWorkdaysAdded: DayChange[];
  makeUpWorkdaysRemoved: DayChange[];
}

export function calendarDiff(inForce: CalendarYear | undefined, next: CalendarYear): CalendarDiff {
  const holidays = (c: CalendarYear | undefined) => new Map((c?.holidays ?? []).flatMap((h) => datesBetween(h.from, h.to).map((date) => [date, h.name] as const)));
  const makeUps = (c: CalendarYear | undefined) => new Map((c?.makeUpWorkdays ?? []).map((d) => [d.date, d.name] as const));
  const minus = (a: Map<string, string>, b: Map<string, string>) => [...a].filter(([date]) => !b.has(date)).map(([date, name]) => ({ date, name }));
  const [oldH, newH, oldM, newM] = [holidays(inForce), holidays(next), makeUps(inForce), makeUps(next)];
  return {
    year: next.year,
    ...(inForce && { from: inForce.version }),
    to: next.version,
    holidaysAdded: minus(newH, oldH),
    holidaysRemoved: minus(oldH, newH),
    makeUpWorkdaysAdded: minus(newM, oldM),
    makeUpWorkdaysRemoved: minus(oldM, newM),
  };
}

/** Whether two calendars say the same working days (names and sources aside). */
export const sameWorkingDays = (a: CalendarYear, b: CalendarYear) => {
  const d = calendarDiff(a, b);
  return d.holidaysAdded.length + d.holidaysRemoved.length + d.makeUpWorkdaysAdded.length + d.makeUpWorkdaysRemoved.length === 0;
};
