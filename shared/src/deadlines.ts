import { newUsage, type CalendarUsage, type WorkingCalendar } from './calendar';
import { acknowledgementClock, dispatchClock, beijingIso, closureClock, countingDate, dispatchClocks, escalationAt, repairFeedbackDue, replyClock, upgradeToMajorAt, type Instant, type IsWorkingDay } from './clocks';
import type { Category, Channel, Kind } from './domain';
import { isDealerLoop } from './loop';
import type { Policy } from './policy';

// SPEC §4: a complaint's deadlines as fixed at receipt, with the policy and calendar versions they
// used. The due times themselves come from clocks.ts, the one place each clock's rule lives; this
// module only asks the operator's calendar which days are working days and records what it used.

export interface DeadlineRequest {
  receivedAt: Instant;
  kind: Kind;
  category: Category;
  channel?: Channel;
  /** Basis of the dispatch clocks; defaults to the receipt time. */
  dispatchedAt?: Instant;
  /** When the complaint was recorded, if later than its receipt (a letter entered days after): the coordinator's dispatch clock starts then. */
  recordedAt?: Instant;
}

export interface Deadlines {
  receivedAt: string;
  /** The receipt date after the cutoff rule: the day the closure deadline counts from. */
  countsAsReceivedOn: string;
  dispatchedAt?: string;
  /** SPEC §4 派工: by when the coordinator dispatches a complaint that waits for them (armed only while it waits). */
  dispatchDue?: string;
  dispatchReminderAt?: string;
  replyDue: string;
  replyReminderAt: string;
  contactDue?: string;
  closureDeadline?: string;
  closureReminderAt?: string;
  repairFeedbackDue?: string;
  upgradeToMajorAt?: string;
  escalationAt?: string;
  /** When the scorecards of the month of receipt freeze (SPEC §6): the complaint counts as closed in time only before it. */
  monthFreezesAt?: string;
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
  const isWorkingDay = (date: string) => calendar.isWorkingDay(date, usage);
  const { receivedAt } = request;
  const base = {
    receivedAt: beijingIso(receivedAt),
    countsAsReceivedOn: countingDate(receivedAt, policy.cutoff),
    policyVersion: policy.version,
  };

  if (!isDealerLoop(request.kind)) return finish({ ...base, ...replyClock(receivedAt, policy) }, usage);

  const dispatchedAt = request.dispatchedAt ?? receivedAt;
  return finish(
    {
      ...base,
      dispatchedAt: beijingIso(dispatchedAt),
      ...dispatchClock(request.recordedAt && new Date(request.recordedAt).getTime() > new Date(receivedAt).getTime() ? request.recordedAt : receivedAt, policy, isWorkingDay),
      ...dispatchClocks(dispatchedAt, request.channel, policy),
      ...closureClock(receivedAt, request.category, policy, isWorkingDay),
      ...(request.kind === 'repair_request' && { repairFeedbackDue: repairFeedbackDue(dispatchedAt, policy, isWorkingDay) }),
      upgradeToMajorAt: upgradeToMajorAt(receivedAt, policy),
      escalationAt: escalationAt(receivedAt, policy),
    },
    usage,
  );
}

/** A work order's clocks that count working days (SPEC §3.3, §4): what the workflow asks for at each dispatch. */
export interface DispatchDeadlineRequest {
  receivedAt: Instant;
  dispatchedAt: Instant;
  kind: Kind;
}

export interface DispatchDeadlines {
  /** 当日确认: the dealer confirms the work order by then. */
  acknowledgementDue: string;
  acknowledgementReminderAt?: string;
  /** A repair request's feedback (seed 002 400抱怨 §6.2.7). */
  repairFeedbackDue?: string;
}

/** The clocks a dispatch starts that only the operator's calendar can place, under the policy in force at receipt. */
export function dispatchDeadlines(request: DispatchDeadlineRequest, policy: Policy, isWorkingDay: IsWorkingDay): DispatchDeadlines {
  return {
    ...acknowledgementClock(request.dispatchedAt, policy, isWorkingDay),
    ...(request.kind === 'repair_request' && { repairFeedbackDue: repairFeedbackDue(request.dispatchedAt, policy, isWorkingDay) }),
  };
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
