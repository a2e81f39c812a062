import { DateTime } from 'luxon';
import { ZONE, newUsage, type CalendarUsage, type WorkingCalendar } from './calendar';
import type { Category, Channel, Kind } from './domain';
import type { Policy } from './policy';

// SPEC §4 deadline maths. Pure: the same inputs give the same answer whatever the host's time zone.
// All wall-clock reasoning happens in Asia/Shanghai (no daylight saving time there).

export function inShanghai(at: Date | string): DateTime {
  const dt = typeof at === 'string' ? DateTime.fromISO(at, { setZone: true }) : DateTime.fromJSDate(at);
  if (!dt.isValid) throw new Error(`not a valid date-time: ${String(at)}`);
  return dt.setZone(ZONE);
}

/** ISO 8601 with the +08:00 offset, e.g. 2026-11-26T16:30:00+08:00. */
export function toBeijingIso(at: DateTime | Date): string {
  const dt = at instanceof Date ? DateTime.fromJSDate(at) : at;
  return dt.setZone(ZONE).toISO({ suppressMilliseconds: true })!;
}

function cutoffOn(date: string, cutoff: string): DateTime {
  return DateTime.fromISO(`${date}T${cutoff}:00`, { zone: ZONE });
}

/** SPEC §4: a complaint received after the cutoff (16:30:00) counts as received the next day. */
export function countingDate(receivedAt: Date | string, cutoff: string): string {
  const local = inShanghai(receivedAt);
  const date = local.toISODate()!;
  return local > cutoffOn(date, cutoff) ? local.plus({ days: 1 }).toISODate()! : date;
}

function nextDay(date: string): string {
  return DateTime.fromISO(date, { zone: ZONE }).plus({ days: 1 }).toISODate()!;
}

/** The date itself if it is a working day, else the next working day. */
export function onOrNextWorkingDay(date: string, calendar: WorkingCalendar, usage: CalendarUsage): string {
  let d = date;
  while (!calendar.isWorkingDay(d, usage)) d = nextDay(d);
  return d;
}

/** The n-th working day after `date` (not counting `date` itself). */
export function addWorkingDays(date: string, n: number, calendar: WorkingCalendar, usage: CalendarUsage): string {
  let d = date;
  for (let counted = 0; counted < n; ) {
    d = nextDay(d);
    if (calendar.isWorkingDay(d, usage)) counted++;
  }
  return d;
}

/**
 * The closure deadline (闭环时限): counting date plus N calendar days, moved to the next working
 * day when that is not one, at the cutoff time; or, by policy, N working days after the counting date.
 */
export function closureDeadline(
  receivedAt: Date | string,
  days: number,
  counting: 'calendar_days' | 'working_days',
  cutoff: string,
  calendar: WorkingCalendar,
  usage: CalendarUsage,
): DateTime {
  const start = countingDate(receivedAt, cutoff);
  const date =
    counting === 'calendar_days'
      ? onOrNextWorkingDay(DateTime.fromISO(start, { zone: ZONE }).plus({ days }).toISODate()!, calendar, usage)
      : addWorkingDays(start, days, calendar, usage);
  return cutoffOn(date, cutoff);
}

/** Working-day deadlines counted from an event (repair request feedback): same cutoff rule, due at the cutoff. */
export function workingDaysDeadline(from: Date | string, days: number, cutoff: string, calendar: WorkingCalendar, usage: CalendarUsage): DateTime {
  return cutoffOn(addWorkingDays(countingDate(from, cutoff), days, calendar, usage), cutoff);
}

/** Calendar months in Beijing time, clamped to the month's end (Nov 30 + 3 months = Feb 28 or 29). */
export function addCalendarMonths(from: Date | string, months: number): DateTime {
  return inShanghai(from).plus({ months });
}

export function addHours(from: Date | string, hours: number): DateTime {
  return inShanghai(from).plus({ hours });
}

export interface DeadlineRequest {
  receivedAt: Date | string;
  kind: Kind;
  category: Category;
  channel?: Channel;
  /** Basis of the dispatch clocks; defaults to the receipt time. */
  dispatchedAt?: Date | string;
}

export interface Deadlines {
  receivedAt: string;
  /** The receipt date after the cutoff rule: the day the closure deadline counts from. */
  countsAsReceivedOn: string;
  dispatchedAt?: string;
  replyDue: string;
  replyReminderAt: string;
  contactDue?: string;
  closureDeadline?: string;
  closureReminderAt?: string;
  repairFeedbackDue?: string;
  upgradeToMajorAt?: string;
  escalationAt?: string;
  policyVersion: string;
  calendarVersions: Record<string, string>;
  missingCalendarYears: number[];
  warnings: string[];
}

/**
 * Every deadline of a complaint under the policy in force at its receipt (SPEC §4). Inquiries and
 * suggestions have only the reply clock, from receipt; the others have the dealer loop's clocks.
 */
export function computeDeadlines(request: DeadlineRequest, policy: Policy, calendar: WorkingCalendar): Deadlines {
  const usage = newUsage();
  const received = inShanghai(request.receivedAt);
  const base = {
    receivedAt: toBeijingIso(received),
    countsAsReceivedOn: countingDate(received.toJSDate(), policy.cutoff),
    policyVersion: policy.version,
  };

  if (request.kind === 'inquiry' || request.kind === 'suggestion') {
    const replyDue = received.plus({ hours: policy.reply.hours });
    return finish({ ...base, replyDue: toBeijingIso(replyDue), replyReminderAt: toBeijingIso(replyDue.minus({ hours: policy.reply.reminderBeforeHours })) }, usage);
  }

  const dispatched = inShanghai(request.dispatchedAt ?? request.receivedAt);
  const replyDue = dispatched.plus({ hours: policy.reply.hours });
  const contactHours = request.channel === 'internet' ? policy.internetContact.hours : policy.contact.hours;
  const closure = closureDeadline(received.toJSDate(), policy.closure.days[request.category], policy.closure.counting, policy.cutoff, calendar, usage);
  return finish(
    {
      ...base,
      dispatchedAt: toBeijingIso(dispatched),
      replyDue: toBeijingIso(replyDue),
      replyReminderAt: toBeijingIso(replyDue.minus({ hours: policy.reply.reminderBeforeHours })),
      contactDue: toBeijingIso(dispatched.plus({ hours: contactHours })),
      closureDeadline: toBeijingIso(closure),
      closureReminderAt: toBeijingIso(closure.minus({ hours: policy.closure.reminderBeforeHours })),
      ...(request.kind === 'repair_request' && {
        repairFeedbackDue: toBeijingIso(workingDaysDeadline(dispatched.toJSDate(), policy.repairRequest.feedbackWorkingDays, policy.cutoff, calendar, usage)),
      }),
      upgradeToMajorAt: toBeijingIso(received.plus({ days: policy.upgradeToMajorDays })),
      escalationAt: toBeijingIso(addCalendarMonths(received.toJSDate(), policy.escalationMonths)),
    },
    usage,
  );
}

function finish(deadlines: Omit<Deadlines, 'calendarVersions' | 'missingCalendarYears' | 'warnings'>, usage: CalendarUsage): Deadlines {
  const missing = [...usage.missingYears].sort();
  return {
    ...deadlines,
    calendarVersions: usage.versions,
    missingCalendarYears: missing,
    warnings: missing.map((year) => `no working calendar for ${year}: only weekends count as non-working days`),
  };
}
