import { isWorkday } from 'chinese-days';
import { DateTime } from 'luxon';
import { calendarYearSchema, datesBetween, newUsage, WorkingCalendar, type CalendarYear } from '../src';
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
  ])('is refused for %s, naming the entry', (_what, change, message) => {
    expect(problems({ ...valid, ...change })).toContain(message);
  });
});
