import fc from 'fast-check';
import { DateTime } from 'luxon';
import {
  acknowledgementClock,
  beijingDate,
  dispatchClock,
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
  returnedReplyClock,
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

describe('same-day confirmation (当日确认, SPEC §3.3, seed 002 400抱怨 §5.2)', () => {
  // Hand-read from the 2026 calendar: Mon 23 Nov and the weekend after it are ordinary; Oct 1–7 is
  // National Day with Sat Oct 10 a make-up working day.
  it.each([
    ['a morning dispatch: that Beijing day, at the policy time', '2026-11-23T09:20:00+08:00', '2026-11-23T23:59:00+08:00', '2026-11-23T21:59:00+08:00'],
    ['a dispatch at 16:30 exactly: still that day', '2026-11-23T16:30:00+08:00', '2026-11-23T23:59:00+08:00', '2026-11-23T21:59:00+08:00'],
    ['a dispatch after 16:30: the next working day at 12:00', '2026-11-23T16:31:00+08:00', '2026-11-24T12:00:00+08:00', '2026-11-24T10:00:00+08:00'],
    ['a Friday evening dispatch: Monday at 12:00', '2026-11-27T17:00:00+08:00', '2026-11-30T12:00:00+08:00', '2026-11-30T10:00:00+08:00'],
    ['a Saturday morning dispatch: that calendar day', '2026-11-28T10:00:00+08:00', '2026-11-28T23:59:00+08:00', '2026-11-28T21:59:00+08:00'],
    ['the evening before National Day: the first working day after it', '2026-09-30T17:00:00+08:00', '2026-10-08T12:00:00+08:00', '2026-10-08T10:00:00+08:00'],
    ['a Friday evening before a make-up Saturday: that Saturday', '2026-10-09T18:00:00+08:00', '2026-10-10T12:00:00+08:00', '2026-10-10T10:00:00+08:00'],
  ])('%s', (_what, dispatchedAt, due, reminder) => {
    expect(acknowledgementClock(dispatchedAt, shipped, isWorkingDay)).toEqual({ acknowledgementDue: due, acknowledgementReminderAt: reminder });
  });

  it('sends no reminder that would come before the work order itself', () => {
    const early = { ...shipped, acknowledgement: { ...shipped.acknowledgement, reminderBeforeHours: 10 } };
    expect(acknowledgementClock('2026-11-23T15:00:00+08:00', early, isWorkingDay)).toEqual({ acknowledgementDue: '2026-11-23T23:59:00+08:00' });
  });

  it('gives a work order dispatched after the day’s due time, though before the cutoff, until the next working day', () => {
    const noon = { ...shipped, acknowledgement: { ...shipped.acknowledgement, dueAt: '12:00', afterCutoffDueAt: '10:00', reminderBeforeHours: 1 } };
    expect(acknowledgementClock('2026-11-23T14:00:00+08:00', noon, isWorkingDay)).toEqual({ acknowledgementDue: '2026-11-24T10:00:00+08:00', acknowledgementReminderAt: '2026-11-24T09:00:00+08:00' });
  });

  it('is always after the dispatch, at one of the policy’s two times, on a working day when it moves to another day', () => {
    const times = fc.record({ dueAt: fc.constantFrom('23:59', '18:00', '12:00'), afterCutoffDueAt: fc.constantFrom('12:00', '09:30', '17:00'), reminderBeforeHours: fc.integer({ min: 0, max: 6 }) });
    fc.assert(
      fc.property(calendarInstant, anyPolicy, times, (at, p, acknowledgement) => {
        const { acknowledgementDue: due, acknowledgementReminderAt: reminder } = acknowledgementClock(at, { ...p, acknowledgement: { ...acknowledgement, incentiveCondition: false } }, isWorkingDay);
        expect(ms(due)).toBeGreaterThan(at.getTime());
        if (due.slice(0, 10) === beijingDate(at)) expect(due.slice(11)).toBe(`${acknowledgement.dueAt}:00+08:00`);
        else {
          expect(due.slice(11)).toBe(`${acknowledgement.afterCutoffDueAt}:00+08:00`);
          expect(isWorkingDay(due.slice(0, 10))).toBe(true);
        }
        if (reminder) expect(ms(due) - ms(reminder)).toBe(acknowledgement.reminderBeforeHours * HOUR);
        if (reminder) expect(ms(reminder)).toBeGreaterThan(at.getTime());
      }),
      { numRuns: 300 },
    );
  });
});

describe('the reply clock after a return (SPEC §4 "reply after a return")', () => {
  it('runs the policy’s returned-reply hours from the return, its reminder the policy hours before', () => {
    const p = { ...shipped, returnedReply: { hours: 30, reminderBeforeHours: 6 } };
    expect(returnedReplyClock('2026-11-23T09:00:00+08:00', p)).toEqual({ replyDue: '2026-11-24T15:00:00+08:00', replyReminderAt: '2026-11-24T09:00:00+08:00' });
  });

  it('runs as the dealer reply clock for a complaint whose policy predates its own numbers', () => {
    const { returnedReply: _none, ...old } = shipped;
    expect(returnedReplyClock('2026-11-23T09:00:00+08:00', old as Policy)).toEqual(replyClock('2026-11-23T09:00:00+08:00', shipped));
  });
});

// SPEC §4 派工: a complaint that waits for the coordinator.
describe('the dispatch clock', () => {
  it.each([
    ['a working morning: 16:30 the same day', '2026-11-23T11:59:00+08:00', '2026-11-23T16:30:00+08:00', '2026-11-23T15:30:00+08:00'],
    ['a working afternoon: 12:00 the next working day', '2026-11-23T12:01:00+08:00', '2026-11-24T12:00:00+08:00', '2026-11-24T11:00:00+08:00'],
    ['a Friday afternoon: Monday 12:00', '2026-11-27T15:00:00+08:00', '2026-11-30T12:00:00+08:00', '2026-11-30T11:00:00+08:00'],
    ['a Saturday morning: Monday 12:00 (a weekend is no working morning)', '2026-11-28T09:00:00+08:00', '2026-11-30T12:00:00+08:00', '2026-11-30T11:00:00+08:00'],
    ['the morning of a make-up Saturday: that day 16:30', '2026-10-10T09:00:00+08:00', '2026-10-10T16:30:00+08:00', '2026-10-10T15:30:00+08:00'],
    ['the eve of National Day: the first working day after it', '2026-09-30T14:00:00+08:00', '2026-10-08T12:00:00+08:00', '2026-10-08T11:00:00+08:00'],
  ])('%s', (_what, receivedAt, due, reminder) => {
    expect(dispatchClock(receivedAt, shipped, isWorkingDay)).toEqual({ dispatchDue: due, dispatchReminderAt: reminder });
  });

  it('counts from when a complaint received earlier (a letter, a walk-in entered later) was recorded', () => {
    const deadlines = computeDeadlines({ receivedAt: '2026-11-20T10:00:00+08:00', recordedAt: '2026-11-23T14:00:00+08:00', kind: 'complaint', category: 'service_process' }, shipped, calendar);
    expect(deadlines).toMatchObject({ dispatchDue: '2026-11-24T12:00:00+08:00', closureDeadline: '2026-11-23T16:30:00+08:00' });
  });

  it('is none for a complaint received under a policy from before the clock', () => {
    const { dispatch: _none, ...older } = shipped;
    expect(dispatchClock('2026-11-23T10:00:00+08:00', older as typeof shipped, isWorkingDay)).toEqual({});
  });
});
