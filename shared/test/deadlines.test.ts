import fc from 'fast-check';
import { DateTime } from 'luxon';
import {
  beijingIso,
  closureClock,
  computeDeadlines,
  countingDate,
  majorClocks,
  newUsage,
  plusCalendarMonths,
  policySchema,
  WorkingCalendar,
  type Category,
  type Policy,
} from '../src';
import { shippedCalendars, shippedPolicies } from '@complaints/runtime/src/rules';

const calendar = new WorkingCalendar(shippedCalendars());
const policy = shippedPolicies()[0]!;
const workingDaysPolicy: Policy = { ...policy, version: 'wd', closure: { ...policy.closure, counting: 'working_days' } };

const closure = (received: string, category: Category, p: Policy = policy) => closureClock(received, category, p, (date) => calendar.isWorkingDay(date, newUsage())).closureDeadline;

describe('the 16:30 cutoff (SPEC §4)', () => {
  it.each([
    ['2026-11-23T16:29:59+08:00', '2026-11-23'],
    ['2026-11-23T16:30:00+08:00', '2026-11-23'],
    ['2026-11-23T16:30:01+08:00', '2026-11-24'],
    ['2026-11-23T08:30:01Z', '2026-11-24'], // 16:30:01 in Beijing, given in UTC
    ['2026-12-31T23:59:59+08:00', '2027-01-01'],
  ])('received %s counts as received on %s', (received, date) => {
    expect(countingDate(received, '16:30')).toBe(date);
  });
});

describe('closure deadline, N calendar days then the next working day, at 16:30', () => {
  it.each([
    // received, category, deadline, why
    ['2026-11-23T10:00:00+08:00', 'service_process', '2026-11-26T16:30:00+08:00', '3 days, a Thursday'],
    ['2026-11-23T16:29:59+08:00', 'service_process', '2026-11-26T16:30:00+08:00', 'just before the cutoff'],
    ['2026-11-23T16:30:00+08:00', 'service_process', '2026-11-26T16:30:00+08:00', 'at the cutoff'],
    ['2026-11-23T16:30:01+08:00', 'service_process', '2026-11-27T16:30:00+08:00', 'just after the cutoff counts from the next day'],
    ['2026-11-23T10:00:00+08:00', 'product_quality', '2026-11-30T16:30:00+08:00', '7 days for product quality'],
    ['2026-11-23T10:00:00+08:00', 'parts_supply', '2026-11-30T16:30:00+08:00', '7 days for parts supply'],
    ['2026-11-23T10:00:00+08:00', 'technical_capability', '2026-11-26T16:30:00+08:00', '3 days for technical capability'],
    ['2026-11-25T10:00:00+08:00', 'service_process', '2026-11-30T16:30:00+08:00', 'a Saturday moves to Monday'],
    ['2026-11-27T17:00:00+08:00', 'service_process', '2026-12-01T16:30:00+08:00', 'Friday evening counts from Saturday'],
    ['2026-09-28T10:00:00+08:00', 'product_quality', '2026-10-08T16:30:00+08:00', 'National Day holidays roll to Oct 8'],
    ['2026-10-07T10:00:00+08:00', 'service_process', '2026-10-10T16:30:00+08:00', 'the make-up Saturday Oct 10 is a working day'],
    ['2026-09-17T10:00:00+08:00', 'service_process', '2026-09-20T16:30:00+08:00', 'the make-up Sunday Sep 20 is a working day'],
    ['2026-02-11T10:00:00+08:00', 'service_process', '2026-02-14T16:30:00+08:00', 'the make-up Saturday before the Spring Festival'],
    ['2026-02-12T10:00:00+08:00', 'service_process', '2026-02-24T16:30:00+08:00', 'the Spring Festival rolls to Feb 24'],
    ['2025-12-29T10:00:00+08:00', 'service_process', '2026-01-04T16:30:00+08:00', 'across the year into New Year, to the make-up Sunday'],
    ['2025-12-30T17:00:00+08:00', 'product_quality', '2026-01-07T16:30:00+08:00', 'after the cutoff on Dec 30, across the year'],
    ['2025-09-26T10:00:00+08:00', 'service_process', '2025-09-29T16:30:00+08:00', '2025: a Monday after a weekend'],
    ['2025-09-25T10:00:00+08:00', 'service_process', '2025-09-28T16:30:00+08:00', '2025: the make-up Sunday Sep 28'],
    ['2025-09-30T10:00:00+08:00', 'service_process', '2025-10-09T16:30:00+08:00', '2025: Oct 1–8 holidays'],
    ['2028-02-26T10:00:00+08:00', 'service_process', '2028-02-29T16:30:00+08:00', 'leap day 2028 (no calendar: weekends only)'],
  ] as const)('received %s, %s → %s (%s)', (received, category, deadline, _why) => {
    expect(closure(received, category)).toBe(deadline);
  });
});

describe('closure deadline counted in working days (a policy option)', () => {
  it.each([
    ['2026-09-30T10:00:00+08:00', 'service_process', '2026-10-10T16:30:00+08:00', 'Oct 8, 9 and the make-up Saturday 10'],
    ['2026-11-27T17:00:00+08:00', 'service_process', '2026-12-02T16:30:00+08:00', 'from Saturday: Mon, Tue, Wed'],
    ['2026-11-23T10:00:00+08:00', 'product_quality', '2026-12-02T16:30:00+08:00', '7 working days'],
  ] as const)('received %s, %s → %s (%s)', (received, category, deadline, _why) => {
    expect(closure(received, category, workingDaysPolicy)).toBe(deadline);
  });
});

describe('computeDeadlines', () => {
  it('gives every clock of a complaint, with the policy and calendar versions used', () => {
    const d = computeDeadlines({ receivedAt: '2026-11-23T09:15:00+08:00', kind: 'complaint', category: 'product_quality', channel: 'hotline' }, policy, calendar);
    expect(d).toEqual({
      receivedAt: '2026-11-23T09:15:00+08:00',
      countsAsReceivedOn: '2026-11-23',
      // Received on a working morning: dispatched by 16:30 that day when it waits for the coordinator (SPEC §4 派工).
      dispatchDue: '2026-11-23T16:30:00+08:00',
      dispatchReminderAt: '2026-11-23T15:30:00+08:00',
      dispatchedAt: '2026-11-23T09:15:00+08:00',
      replyDue: '2026-11-24T09:15:00+08:00',
      replyReminderAt: '2026-11-24T05:15:00+08:00',
      contactDue: '2026-11-24T09:15:00+08:00',
      closureDeadline: '2026-11-30T16:30:00+08:00',
      closureReminderAt: '2026-11-29T16:30:00+08:00',
      upgradeToMajorAt: '2026-12-03T09:15:00+08:00',
      escalationAt: '2027-02-23T09:15:00+08:00',
      policyVersion: '2025.1',
      calendarVersions: { 2026: '2026.1' },
      missingCalendarYears: [],
      warnings: [],
    });
  });

  it('counts the dealer clocks from dispatch', () => {
    const d = computeDeadlines({ receivedAt: '2026-11-23T09:15:00+08:00', dispatchedAt: '2026-11-23T11:00:00+08:00', kind: 'complaint', category: 'service_process' }, policy, calendar);
    expect(d).toMatchObject({ replyDue: '2026-11-24T11:00:00+08:00', replyReminderAt: '2026-11-24T07:00:00+08:00', contactDue: '2026-11-24T11:00:00+08:00' });
  });

  it.each([
    ['2026-04-30T10:00:00+08:00', '2026-05-08T16:30:00+08:00', 'Labour Day holidays, then May 6, 7, 8'],
    ['2026-05-06T17:00:00+08:00', '2026-05-11T16:30:00+08:00', 'after the cutoff: May 8, the make-up Saturday 9, Monday 11'],
  ])('gives a repair request dispatched %s its feedback deadline %s (%s)', (dispatchedAt, due) => {
    const d = computeDeadlines({ receivedAt: dispatchedAt, dispatchedAt, kind: 'repair_request', category: 'technical_capability' }, policy, calendar);
    expect(d.repairFeedbackDue).toBe(due);
  });

  it('gives inquiries and suggestions the reply clock only', () => {
    const d = computeDeadlines({ receivedAt: '2026-11-23T09:15:00+08:00', kind: 'inquiry', category: 'service_process' }, policy, calendar);
    expect(Object.keys(d).filter((k) => d[k as keyof typeof d] !== undefined)).toEqual(
      expect.not.arrayContaining(['closureDeadline', 'contactDue', 'escalationAt', 'upgradeToMajorAt', 'dispatchedAt']),
    );
    expect(d.replyDue).toBe('2026-11-24T09:15:00+08:00');
  });

  it.each([
    ['2026-11-30T10:00:00+08:00', '2027-02-28T10:00:00+08:00'],
    ['2027-11-30T10:00:00+08:00', '2028-02-29T10:00:00+08:00'],
    ['2026-08-31T10:00:00+08:00', '2026-11-30T10:00:00+08:00'],
    ['2026-12-31T23:30:00+08:00', '2027-03-31T23:30:00+08:00'],
  ])('escalates %s to headquarters at %s (3 calendar months, clamped to the month end)', (received, at) => {
    expect(beijingIso(plusCalendarMonths(received, 3))).toBe(at);
  });

  it('marks deadlines that used a year without a calendar, with a warning', () => {
    const d = computeDeadlines({ receivedAt: '2027-12-30T10:00:00+08:00', kind: 'complaint', category: 'service_process' }, policy, calendar);
    expect(d.closureDeadline).toBe('2028-01-03T16:30:00+08:00');
    expect(d.missingCalendarYears).toEqual([2027, 2028]); // the dispatch clock counts the day of receipt
    expect(d.warnings).toEqual(['no working calendar for 2027: only weekends count as non-working days', 'no working calendar for 2028: only weekends count as non-working days']);
  });

  it('gives the major-complaint clocks from the upgrade', () => {
    expect(majorClocks('2026-11-23T09:00:00+08:00', policy)).toEqual({
      firstReportDue: '2026-11-23T09:10:00+08:00',
      solutionDue: '2026-11-23T21:00:00+08:00',
      writtenReportDue: '2026-11-25T09:00:00+08:00',
    });
  });
});

describe('closure deadline properties (fast-check)', () => {
  // Any instant from 2025 to the end of 2026, the years with calendars.
  const instant = fc.date({ min: new Date('2025-01-01T00:00:00+08:00'), max: new Date('2026-12-20T00:00:00+08:00'), noInvalidDate: true });
  const category = fc.constantFrom<Category>('product_quality', 'technical_capability', 'service_process', 'parts_supply');
  const anyPolicy = fc.constantFrom(policy, workingDaysPolicy);

  it('is always at 16:30 Beijing time on a working day, and never before receipt', () => {
    fc.assert(
      fc.property(instant, category, anyPolicy, (received, c, p) => {
        const deadline = DateTime.fromISO(closure(received.toISOString(), c, p), { setZone: true });
        expect(deadline.toFormat('HH:mm:ss ZZ')).toBe('16:30:00 +08:00');
        expect(calendar.isWorkingDay(deadline.toISODate()!, newUsage())).toBe(true);
        expect(deadline.toMillis()).toBeGreaterThan(received.getTime());
      }),
      { numRuns: 500 },
    );
  });

  it('never moves earlier when the complaint is received later', () => {
    fc.assert(
      fc.property(instant, instant, category, anyPolicy, (a, b, c, p) => {
        const [early, late] = a <= b ? [a, b] : [b, a];
        expect(new Date(closure(early.toISOString(), c, p)).getTime()).toBeLessThanOrEqual(new Date(closure(late.toISOString(), c, p)).getTime());
      }),
      { numRuns: 500 },
    );
  });
});

describe('policy documents', () => {
  it('refuse a bad policy whole, naming the field', () => {
    const result = policySchema.safeParse({ ...policy, cutoff: '4:30pm', closure: { ...policy.closure, days: { ...policy.closure.days, parts_supply: 0 } } });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['cutoff', 'closure.days.parts_supply']));
  });

  it('refuse a reply reminder that would come before the reply clock starts', () => {
    const result = policySchema.safeParse({ ...policy, reply: { hours: 24, reminderBeforeHours: 24 } });
    expect(result.error!.issues.map((i) => i.path.join('.'))).toEqual(['reply.reminderBeforeHours']);
  });
});
