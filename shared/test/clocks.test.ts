import fc from 'fast-check';
import { DateTime } from 'luxon';
import {
  beijingDate,
  beijingIso,
  closureClock,
  computeDeadlines,
  contactDue,
  countingDate,
  dispatchClocks,
  escalationAt,
  followUpDue,
  majorClocks,
  newUsage,
  plusCalendarMonths,
  repairFeedbackDue,
  replyClock,
  upgradeToMajorAt,
  WorkingCalendar,
  CATEGORIES,
  CHANNELS,
  type Policy,
} from '../src';
import { shippedCalendars, shippedPolicies } from '@complaints/runtime/src/rules';

// SPEC §4: every clock's due time comes from shared/src/clocks.ts. These properties hold for any
// instant and any policy numbers an operator may choose, not only the defaults.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const calendar = new WorkingCalendar(shippedCalendars());
const isWorkingDay = (date: string) => calendar.isWorkingDay(date, newUsage());
const shipped = shippedPolicies()[0]!;
const ms = (iso: string) => new Date(iso).getTime();
const luxonBeijing = (at: Date | number) => DateTime.fromMillis(new Date(at).getTime()).setZone('Asia/Shanghai');

// Any instant this century; and one from 2025 to the end of 2026, the years with calendars.
const anyInstant = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true });
const calendarInstant = fc.date({ min: new Date('2025-01-01T00:00:00+08:00'), max: new Date('2026-12-20T00:00:00+08:00'), noInvalidDate: true });
// Policy numbers as an operator may set them: whole or half hours, whole days.
const hours = fc.integer({ min: 1, max: 480 }).map((n) => n / 2);
const anyPolicy: fc.Arbitrary<Policy> = fc
  .record({
    reply: hours,
    reminder: fc.integer({ min: 0, max: 8 }),
    contact: hours,
    internetContact: hours,
    followUp: hours,
    cutoff: fc.constantFrom('16:30', '17:00', '12:00', '23:59', '00:00'),
    counting: fc.constantFrom('calendar_days' as const, 'working_days' as const),
    closureDays: fc.integer({ min: 1, max: 10 }),
    closureReminder: fc.integer({ min: 0, max: 48 }),
    feedbackWorkingDays: fc.integer({ min: 1, max: 10 }),
    upgradeToMajorDays: fc.integer({ min: 1, max: 30 }),
    escalationMonths: fc.integer({ min: 1, max: 12 }),
  })
  .map((p) => ({
    ...shipped,
    version: 'generated',
    cutoff: p.cutoff,
    reply: { hours: p.reply + p.reminder, reminderBeforeHours: p.reminder },
    contact: { hours: p.contact },
    internetContact: { hours: p.internetContact },
    followUp: { ...shipped.followUp, hours: p.followUp },
    closure: { counting: p.counting, days: Object.fromEntries(CATEGORIES.map((c) => [c, p.closureDays])) as Policy['closure']['days'], reminderBeforeHours: p.closureReminder },
    repairRequest: { feedbackWorkingDays: p.feedbackWorkingDays },
    upgradeToMajorDays: p.upgradeToMajorDays,
    escalationMonths: p.escalationMonths,
  }));

describe('the one way a due time is written (beijingIso)', () => {
  it('always writes Beijing wall-clock time with +08:00, as luxon does in Asia/Shanghai', () => {
    fc.assert(
      fc.property(anyInstant, (at) => {
        const written = beijingIso(at);
        expect(written).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?\+08:00$/);
        expect(written).toBe(luxonBeijing(at).toISO({ suppressMilliseconds: true }));
      }),
    );
    expect(beijingIso('2026-11-23T01:10:00.120Z')).toBe('2026-11-23T09:10:00.120+08:00');
  });

  it('gives the Beijing calendar date of an instant, as Intl does in Asia/Shanghai', () => {
    const intl = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });
    fc.assert(fc.property(anyInstant, (at) => expect(beijingDate(at)).toBe(intl.format(at))));
    expect(beijingDate('2026-11-23T16:30:00Z')).toBe('2026-11-24');
  });

  it('round-trips: reading a written due time gives back the same instant, whatever form it came in', () => {
    fc.assert(
      fc.property(anyInstant, (at) => {
        const written = beijingIso(at);
        expect(ms(written)).toBe(at.getTime());
        expect(beijingIso(written)).toBe(written);
        expect(beijingIso(at.toISOString())).toBe(written);
        expect(beijingIso(at.getTime())).toBe(written);
      }),
    );
  });

  it('refuses what is not a date-time', () => {
    expect(() => beijingIso('next Tuesday')).toThrow('not a valid date-time: next Tuesday');
  });
});

describe('clocks counted in hours', () => {
  it('puts the reply due exactly the policy hours after dispatch, and its reminder the policy hours before that', () => {
    fc.assert(
      fc.property(anyInstant, anyPolicy, (at, p) => {
        const { replyDue, replyReminderAt } = replyClock(at, p);
        expect(ms(replyDue) - at.getTime()).toBe(p.reply.hours * HOUR);
        expect(ms(replyDue) - ms(replyReminderAt)).toBe(p.reply.reminderBeforeHours * HOUR);
      }),
    );
  });

  it('runs the contact clock on the internet policy number for internet complaints only', () => {
    fc.assert(
      fc.property(anyInstant, anyPolicy, fc.constantFrom(...CHANNELS), (at, p, channel) => {
        const hoursFor = channel === 'internet' ? p.internetContact.hours : p.contact.hours;
        expect(ms(contactDue(at, channel, p)) - at.getTime()).toBe(hoursFor * HOUR);
      }),
    );
  });

  it('puts the follow-up due exactly the policy hours after the closure request', () => {
    fc.assert(fc.property(anyInstant, anyPolicy, (at, p) => expect(ms(followUpDue(at, p)) - at.getTime()).toBe(p.followUp.hours * HOUR)));
  });

  it('starts the major clocks at the upgrade: minutes, hours and days of the policy', () => {
    fc.assert(
      fc.property(anyInstant, (at) => {
        const clocks = majorClocks(at, shipped);
        expect(ms(clocks.firstReportDue) - at.getTime()).toBe(shipped.major.firstReportMinutes * 60_000);
        expect(ms(clocks.solutionDue) - at.getTime()).toBe(shipped.major.solutionHours * HOUR);
        expect(ms(clocks.writtenReportDue) - at.getTime()).toBe(shipped.major.writtenReportDays * DAY);
      }),
    );
  });

  it('upgrades an unresolved complaint exactly the policy days after receipt', () => {
    fc.assert(fc.property(anyInstant, anyPolicy, (at, p) => expect(ms(upgradeToMajorAt(at, p)) - at.getTime()).toBe(p.upgradeToMajorDays * DAY)));
  });
});

describe('calendar months (headquarters escalation)', () => {
  it('adds months as luxon does in Asia/Shanghai: same wall-clock time, clamped to the month end', () => {
    fc.assert(
      fc.property(anyInstant, fc.integer({ min: 1, max: 36 }), (at, months) => {
        expect(plusCalendarMonths(at, months)).toBe(luxonBeijing(at).plus({ months }).toMillis());
      }),
    );
  });

  it('escalates the policy months after receipt', () => {
    fc.assert(fc.property(anyInstant, anyPolicy, (at, p) => expect(escalationAt(at, p)).toBe(beijingIso(plusCalendarMonths(at, p.escalationMonths)))));
  });
});

describe('days that count (SPEC §4 cutoff and working days)', () => {
  it('counts a complaint received after the cutoff as received the next day, and one received by it that day', () => {
    fc.assert(
      fc.property(anyInstant, anyPolicy, (at, p) => {
        const local = luxonBeijing(at);
        const afterCutoff = local > DateTime.fromISO(`${local.toISODate()}T${p.cutoff}:00`, { zone: 'Asia/Shanghai' });
        expect(countingDate(at, p.cutoff)).toBe(afterCutoff ? local.plus({ days: 1 }).toISODate() : local.toISODate());
      }),
    );
  });

  it('puts a closure deadline at the cutoff on a working day, after receipt, its reminder the policy hours before', () => {
    fc.assert(
      fc.property(calendarInstant, anyPolicy, fc.constantFrom(...CATEGORIES), (at, p, category) => {
        const { closureDeadline, closureReminderAt } = closureClock(at, category, p, isWorkingDay);
        expect(closureDeadline.slice(11)).toBe(`${p.cutoff}:00+08:00`);
        expect(isWorkingDay(closureDeadline.slice(0, 10))).toBe(true);
        expect(ms(closureDeadline)).toBeGreaterThan(at.getTime());
        expect(ms(closureDeadline) - ms(closureReminderAt)).toBe(p.closure.reminderBeforeHours * HOUR);
      }),
      { numRuns: 300 },
    );
  });

  it('puts a repair request’s feedback at the cutoff on a working day, the policy’s working days after dispatch', () => {
    fc.assert(
      fc.property(calendarInstant, anyPolicy, (at, p) => {
        const due = repairFeedbackDue(at, p, isWorkingDay);
        expect(due.slice(11)).toBe(`${p.cutoff}:00+08:00`);
        expect(isWorkingDay(due.slice(0, 10))).toBe(true);
        // The working days strictly between the counting date and the due date, plus the due date itself.
        const days: string[] = [];
        for (let d = DateTime.fromISO(countingDate(at, p.cutoff), { zone: 'UTC' }).plus({ days: 1 }); d.toISODate()! <= due.slice(0, 10); d = d.plus({ days: 1 })) days.push(d.toISODate()!);
        expect(days.filter(isWorkingDay)).toHaveLength(p.repairRequest.feedbackWorkingDays);
      }),
      { numRuns: 300 },
    );
  });
});

describe('one place per due time', () => {
  it('records at receipt the same dispatch clocks the workflow starts at dispatch', () => {
    fc.assert(
      fc.property(calendarInstant, fc.integer({ min: 0, max: 72 * 60 }), anyPolicy, fc.constantFrom(...CHANNELS), (received, minutesLater, p, channel) => {
        const dispatchedAt = new Date(received.getTime() + minutesLater * 60_000);
        const recorded = computeDeadlines({ receivedAt: received, dispatchedAt, kind: 'repair_request', category: 'service_process', channel }, p, calendar);
        expect(recorded).toMatchObject({
          ...dispatchClocks(dispatchedAt.toISOString(), channel, p),
          ...closureClock(received, 'service_process', p, isWorkingDay),
          repairFeedbackDue: repairFeedbackDue(dispatchedAt, p, isWorkingDay),
          upgradeToMajorAt: upgradeToMajorAt(received, p),
          escalationAt: escalationAt(received, p),
        });
      }),
      { numRuns: 200 },
    );
  });
});
