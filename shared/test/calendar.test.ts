import { isWorkday } from 'chinese-days';
import { DateTime } from 'luxon';
import { calendarDiff, calendarWarnings, calendarYearSchema, datesBetween, newUsage, sameWorkingDays, WorkingCalendar, type CalendarYear } from '../src';
import { shippedCalendars } from '@complaints/runtime/src/rules';

// SPEC §4, the reference: the State Council arrangements for 2025 and 2026.
const SPEC = {
  2026: {
    holidays: [
      ['2026-01-01', '2026-01-03'],
      ['2026-02-15', '2026-02-23'],
      ['2026-04-04', '2026-04-06'],
      ['2026-05-01', '2026-05-05'],
      ['2026-06-19', '2026-06-21'],
      ['2026-09-25', '2026-09-27'],
      ['2026-10-01', '2026-10-07'],
    ],
    makeUp: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
  },
  2025: {
    holidays: [
      ['2025-01-01', '2025-01-01'],
      ['2025-01-28', '2025-02-04'],
      ['2025-04-04', '2025-04-06'],
      ['2025-05-01', '2025-05-05'],
      ['2025-05-31', '2025-06-02'],
      ['2025-10-01', '2025-10-08'],
    ],
    makeUp: ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11'],
  },
} as const;

const shipped = shippedCalendars();
const calendar = new WorkingCalendar(shipped);

function specWorkingDay(date: string): boolean {
  const spec = SPEC[Number(date.slice(0, 4)) as 2025 | 2026];
  if ((spec.makeUp as readonly string[]).includes(date)) return true;
  if (spec.holidays.some(([from, to]) => date >= from && date <= to)) return false;
  return DateTime.fromISO(date).weekday < 6;
}

describe('the shipped working calendars', () => {
  it('ship 2025 and 2026', () => {
    expect(shipped.map((c) => c.year)).toEqual([2025, 2026]);
  });

  it.each([2025, 2026])('match SPEC §4 for every day of %i, and so does the chinese-days package', (year) => {
    const mismatches: string[] = [];
    for (const date of datesBetween(`${year}-01-01`, `${year}-12-31`)) {
      const expected = specWorkingDay(date);
      if (calendar.isWorkingDay(date, newUsage()) !== expected) mismatches.push(`${date}: ours says ${!expected}`);
      if (isWorkday(date) !== expected) mismatches.push(`${date}: chinese-days says ${!expected}`);
    }
    expect(mismatches).toEqual([]);
  });

  it.each([
    ['2026-01-04', true, 'make-up Sunday'],
    ['2026-02-14', true, 'make-up Saturday before the Spring Festival'],
    ['2026-02-16', false, 'Spring Festival Monday'],
    ['2026-10-10', true, 'make-up Saturday after National Day'],
    ['2026-10-11', false, 'an ordinary Sunday'],
    ['2026-11-23', true, 'an ordinary Monday'],
  ])('%s is a working day: %s (%s)', (date, working) => {
    expect(calendar.isWorkingDay(date, newUsage())).toBe(working);
  });

  it('counts weekends only in a year without a calendar, and says which year', () => {
    const usage = newUsage();
    expect(calendar.isWorkingDay('2027-01-01', usage)).toBe(true); // a Friday: unknown as a holiday
    expect(calendar.isWorkingDay('2027-01-02', usage)).toBe(false);
    expect(calendar.isWorkingDay('2026-12-31', usage)).toBe(true);
    expect(usage).toEqual({ versions: { 2026: '2026.1' }, missingYears: [2027] });
  });
});

describe('a calendar file', () => {
  const valid: CalendarYear = {
    year: 2027,
    version: '2027.1',
    holidays: [{ name: '元旦', from: '2027-01-01', to: '2027-01-03' }],
    makeUpWorkdays: [{ name: '调休', date: '2027-01-09' }],
  };
  const problems = (input: unknown) => {
    const result = calendarYearSchema.safeParse(input);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('is accepted when well-formed', () => {
    expect(problems(valid)).toEqual([]);
  });

  it.each([
    ['a date both holiday and make-up day', { makeUpWorkdays: [{ name: '调休', date: '2027-01-02' }] }, 'makeUpWorkdays.0.date: 2027-01-02 (调休) is also a holiday in holidays[0] (元旦)'],
    ['a holiday outside the year', { holidays: [{ name: '元旦', from: '2026-12-31', to: '2027-01-01' }] }, 'holidays.0.from: 2026-12-31 (元旦) is outside 2027'],
    ['a malformed date', { holidays: [{ name: '元旦', from: '2027-1-1', to: '2027-01-01' }] }, 'holidays.0.from: must be a date YYYY-MM-DD'],
    ['an impossible date', { makeUpWorkdays: [{ name: '调休', date: '2027-02-30' }] }, 'makeUpWorkdays.0.date: is not a calendar date'],
    ['a holiday that ends before it starts', { holidays: [{ name: '春节', from: '2027-02-10', to: '2027-02-05' }] }, 'holidays.0.to: 春节 ends (2027-02-05) before it starts (2027-02-10)'],
    ['a make-up day on a weekday', { makeUpWorkdays: [{ name: '调休', date: '2027-01-11' }] }, 'makeUpWorkdays.0.date: 2027-01-11 (调休) is a weekday; a make-up working day is a Saturday or Sunday'],
    ['an unknown field', { holidayz: [] }, ': Unrecognized key: "holidayz"'],
    [
      'two holidays that overlap',
      { holidays: [{ name: '元旦', from: '2027-01-01', to: '2027-01-03' }, { name: '补假', from: '2027-01-03', to: '2027-01-04' }] },
      'holidays.1.from: 补假 (2027-01-03) overlaps 元旦 (2027-01-01–2027-01-03)',
    ],
    [
      'holidays out of date order',
      { holidays: [{ name: '春节', from: '2027-02-06', to: '2027-02-12' }, { name: '元旦', from: '2027-01-01', to: '2027-01-01' }] },
      'holidays.1.from: 元旦 (2027-01-01) is listed after 春节 (2027-02-06): list the holidays in date order',
    ],
    [
      'make-up days out of date order',
      { makeUpWorkdays: [{ name: '春节调休', date: '2027-02-20' }, { name: '元旦调休', date: '2027-01-09' }] },
      'makeUpWorkdays.1.date: 2027-01-09 (元旦调休) is listed after 2027-02-20: list the make-up days in date order',
    ],
  ])('is refused for %s, naming the entry', (_what, change, message) => {
    expect(problems({ ...valid, ...change })).toContain(message);
  });
});

describe('the calendar warnings (SPEC §4)', () => {
  const at = (iso: string) => new Date(iso);
  it('say nothing before November 1 when this year is loaded', () => {
    expect(calendarWarnings([2026], at('2026-10-31T15:00:00Z'))).toEqual([]); // 23:00 Beijing, October 31
  });
  it('warn from November 1 (Beijing) that next year is missing, until it is loaded', () => {
    expect(calendarWarnings([2026], at('2026-10-31T16:00:00Z')).map((w) => [w.code, w.year])).toEqual([['next_year_missing', 2027]]);
    expect(calendarWarnings([2026], at('2026-12-29T02:00:00Z')).map((w) => w.code)).toEqual(['next_year_missing']);
    expect(calendarWarnings([2026, 2027], at('2026-12-29T02:00:00Z'))).toEqual([]);
  });
  it('warn all year when this year is missing', () => {
    expect(calendarWarnings([2026], at('2027-03-01T02:00:00Z')).map((w) => [w.code, w.year])).toEqual([['year_missing', 2027]]);
  });
});

describe('the difference between two calendars of a year', () => {
  const first: CalendarYear = { year: 2027, version: '2027.1', holidays: [{ name: '元旦', from: '2027-01-01', to: '2027-01-01' }], makeUpWorkdays: [] };
  const corrected: CalendarYear = { year: 2027, version: '2027.2', holidays: [{ name: '元旦', from: '2027-01-01', to: '2027-01-03' }], makeUpWorkdays: [{ name: '元旦调休', date: '2027-01-09' }] };
  it('lists the days each list gains and loses', () => {
    expect(calendarDiff(first, corrected)).toEqual({
      year: 2027,
      from: '2027.1',
      to: '2027.2',
      holidaysAdded: [{ date: '2027-01-02', name: '元旦' }, { date: '2027-01-03', name: '元旦' }],
      holidaysRemoved: [],
      makeUpWorkdaysAdded: [{ date: '2027-01-09', name: '元旦调休' }],
      makeUpWorkdaysRemoved: [],
    });
    expect(calendarDiff(corrected, first).holidaysRemoved.map((d) => d.date)).toEqual(['2027-01-02', '2027-01-03']);
    expect(sameWorkingDays(first, { ...first, version: 'x', source: 'notice' })).toBe(true);
    expect(sameWorkingDays(first, corrected)).toBe(false);
  });
  it('against no calendar, lists every day as added', () => {
    expect(calendarDiff(undefined, first)).toMatchObject({ year: 2027, to: '2027.1', holidaysAdded: [{ date: '2027-01-01', name: '元旦' }] });
  });
});
