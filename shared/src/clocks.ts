import type { Category, Channel } from './domain';
import type { Policy } from './policy';

// SPEC §4: every clock's due time, one function per clock, and the one way a due time is written.
// The workflow arms its timers from these and the deadline activity records them at receipt, so a
// policy change reaches both. Light enough for workflow code: the worker evaluates a workflow's
// imports again for every workflow it creates or replays (reuseV8Context keeps module state apart
// per workflow), so this module imports no values: no luxon, no zod. Beijing has no daylight saving
// time, so Asia/Shanghai is always UTC+8 and calendar arithmetic is plain UTC arithmetic shifted by it.

/** An instant as the callers hold it: an ISO 8601 string with an offset, a Date or epoch milliseconds. */
export type Instant = Date | string | number;

/** Whether a date (YYYY-MM-DD, Beijing) is a working day: the operator's calendar decides (SPEC §4). */
export type IsWorkingDay = (date: string) => boolean;

const BEIJING_OFFSET_MS = 8 * 3_600_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function millis(at: Instant): number {
  const ms = new Date(at).getTime();
  if (Number.isNaN(ms)) throw new Error(`not a valid date-time: ${String(at)}`);
  return ms;
}

/** How every due time is written: ISO 8601 at +08:00, milliseconds only when there are any (2026-11-26T16:30:00+08:00). */
export function beijingIso(at: Instant): string {
  return new Date(millis(at) + BEIJING_OFFSET_MS).toISOString().replace(/(\.000)?Z$/, '+08:00');
}

/** The Beijing calendar date of an instant, YYYY-MM-DD (complaint numbers, digests and clocks count Beijing days). */
export const beijingDate = (at: Instant) => beijingIso(at).slice(0, 10);

const plusHours = (at: Instant, hours: number) => millis(at) + hours * HOUR_MS;

/** A Beijing date (YYYY-MM-DD) plus whole days. */
function plusDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The instant of a Beijing wall-clock time (HH:MM) on a date. */
function onDateAt(date: string, time: string): number {
  return Date.parse(`${date}T${time}:00+08:00`);
}

/** Calendar months in Beijing time, clamped to the month's end (Nov 30 + 3 months = Feb 28 or 29). */
export function plusCalendarMonths(at: Instant, months: number): number {
  const local = new Date(millis(at) + BEIJING_OFFSET_MS);
  const year = local.getUTCFullYear();
  const month = local.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(local.getUTCDate(), lastDay);
  return Date.UTC(year, month, day, local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds(), local.getUTCMilliseconds()) - BEIJING_OFFSET_MS;
}

// --- counting days (SPEC §4 "Counting days for the closure deadline") ------------------------------

/** The working day ends at the cutoff (16:30): a complaint received later counts as received the next day. */
export function countingDate(receivedAt: Instant, cutoff: string): string {
  const at = millis(receivedAt);
  const date = beijingDate(at);
  return at > onDateAt(date, cutoff) ? plusDays(date, 1) : date;
}

/** The date itself if it is a working day, else the next working day. */
export function onOrNextWorkingDay(date: string, isWorkingDay: IsWorkingDay): string {
  let d = date;
  while (!isWorkingDay(d)) d = plusDays(d, 1);
  return d;
}

/** The n-th working day after `date` (not counting `date` itself). */
export function addWorkingDays(date: string, n: number, isWorkingDay: IsWorkingDay): string {
  let d = date;
  for (let counted = 0; counted < n; ) {
    d = plusDays(d, 1);
    if (isWorkingDay(d)) counted++;
  }
  return d;
}

// --- one function per clock ----------------------------------------------------------------------

/**
 * The dealer reply clock (24 clock hours, a reminder 4 h before), from dispatch; an inquiry's or a
 * suggestion's answer clock runs the same way from receipt.
 */
export function replyClock(from: Instant, policy: Policy): { replyDue: string; replyReminderAt: string } {
  const due = plusHours(from, policy.reply.hours);
  return { replyDue: beijingIso(due), replyReminderAt: beijingIso(plusHours(due, -policy.reply.reminderBeforeHours)) };
}

/**
 * 当日确认 (SPEC §3.3; seed 002 400抱怨 §5.2 "服务商在接到《服务派工单》当天进行信息确认"): the dealer
 * confirms the work order by the policy time (23:59) of the Beijing day it arrives. One that arrives
 * after the cutoff (16:30), or after that day's due time, is due the next working day at the
 * policy's other time (12:00). The dealer is reminded the policy hours before, unless that would be
 * before the work order itself.
 */
export function acknowledgementClock(dispatchedAt: Instant, policy: Policy, isWorkingDay: IsWorkingDay): { acknowledgementDue: string; acknowledgementReminderAt?: string } {
  const at = millis(dispatchedAt);
  const date = beijingDate(at);
  const { dueAt, afterCutoffDueAt, reminderBeforeHours } = policy.acknowledgement;
  const sameDay = onDateAt(date, dueAt);
  const due = at > onDateAt(date, policy.cutoff) || at >= sameDay ? onDateAt(addWorkingDays(date, 1, isWorkingDay), afterCutoffDueAt) : sameDay;
  const reminder = plusHours(due, -reminderBeforeHours);
  return { acknowledgementDue: beijingIso(due), ...(reminder > at && { acknowledgementReminderAt: beijingIso(reminder) }) };
}

/**
 * SPEC §4 派工: a complaint waiting for the coordinator, received on a working day by the policy's
 * morning time, is dispatched by the same day's due time (16:30); otherwise by the next working
 * day's (12:00). The coordinator is reminded the policy hours before, unless that is before receipt.
 */
export function dispatchClock(receivedAt: Instant, policy: Policy, isWorkingDay: IsWorkingDay): { dispatchDue?: string; dispatchReminderAt?: string } {
  // A complaint received under a policy from before the clock (its recorded policy, computed again) has none.
  const rule = (policy as Partial<Policy>).dispatch;
  if (!rule) return {};
  const at = millis(receivedAt);
  const date = beijingDate(at);
  const { morningUntil, sameDayDueAt, nextDayDueAt, reminderBeforeHours } = rule;
  const due = isWorkingDay(date) && at <= onDateAt(date, morningUntil) ? onDateAt(date, sameDayDueAt) : onDateAt(addWorkingDays(date, 1, isWorkingDay), nextDayDueAt);
  const reminder = plusHours(due, -reminderBeforeHours);
  return { dispatchDue: beijingIso(due), ...(reminder > at && { dispatchReminderAt: beijingIso(reminder) }) };
}

/**
 * SPEC §4 申请关闭: the coordinator requests closure (or answers the dealer) by the cutoff of the
 * policy's working days after the dealer's final reply; a policy from before the clock has none.
 */
export function closureRequestDue(finalReplyAt: Instant, policy: Policy, isWorkingDay: IsWorkingDay): string | undefined {
  const rule = (policy as Partial<Policy>).closureRequest;
  if (!rule) return undefined;
  return beijingIso(onDateAt(addWorkingDays(beijingDate(finalReplyAt), rule.workingDays, isWorkingDay), policy.cutoff));
}

/**
 * SPEC §4 "reply after a return": an `unsatisfied` or `false_reply` follow-up gives the dealer a new
 * reply clock with its reminder, on the policy's own numbers; a policy from before it had them runs
 * it as the dealer reply clock.
 */
export function returnedReplyClock(returnedAt: Instant, policy: Policy): { replyDue: string; replyReminderAt: string } {
  const { hours, reminderBeforeHours } = (policy as Partial<Policy>).returnedReply ?? policy.reply;
  const due = plusHours(returnedAt, hours);
  return { replyDue: beijingIso(due), replyReminderAt: beijingIso(plusHours(due, -reminderBeforeHours)) };
}

/** The hours the dealer has to contact the customer: an internet complaint has its own policy number. */
export function contactHours(channel: Channel | undefined, policy: Policy): number {
  return channel === 'internet' ? policy.internetContact.hours : policy.contact.hours;
}

/** The 24 h contact clock from dispatch. */
export function contactDue(dispatchedAt: Instant, channel: Channel | undefined, policy: Policy): string {
  return beijingIso(plusHours(dispatchedAt, contactHours(channel, policy)));
}

/** The clocks a dispatch starts for the dealer it goes to. */
export function dispatchClocks(dispatchedAt: Instant, channel: Channel | undefined, policy: Policy) {
  return { ...replyClock(dispatchedAt, policy), contactDue: contactDue(dispatchedAt, channel, policy) };
}

/** The call center's follow-up, from the closure request. */
export function followUpDue(closureRequestedAt: Instant, policy: Policy): string {
  return beijingIso(plusHours(closureRequestedAt, policy.followUp.hours));
}

/**
 * The closure deadline (闭环时限) at the cutoff time: the counting date plus N calendar days, moved to
 * the next working day when that is not one; or, by policy, N working days after the counting date.
 * The dealer is reminded a policy number of hours before it.
 */
export function closureClock(receivedAt: Instant, category: Category, policy: Policy, isWorkingDay: IsWorkingDay): { closureDeadline: string; closureReminderAt: string } {
  const start = countingDate(receivedAt, policy.cutoff);
  const days = policy.closure.days[category];
  const date = policy.closure.counting === 'calendar_days' ? onOrNextWorkingDay(plusDays(start, days), isWorkingDay) : addWorkingDays(start, days, isWorkingDay);
  const deadline = onDateAt(date, policy.cutoff);
  return { closureDeadline: beijingIso(deadline), closureReminderAt: beijingIso(plusHours(deadline, -policy.closure.reminderBeforeHours)) };
}

/** A repair request's feedback: N working days after dispatch (same cutoff rule), due at the cutoff. */
export function repairFeedbackDue(dispatchedAt: Instant, policy: Policy, isWorkingDay: IsWorkingDay): string {
  const date = addWorkingDays(countingDate(dispatchedAt, policy.cutoff), policy.repairRequest.feedbackWorkingDays, isWorkingDay);
  return beijingIso(onDateAt(date, policy.cutoff));
}

/** A complaint unresolved this many days after receipt becomes major. */
export function upgradeToMajorAt(receivedAt: Instant, policy: Policy): string {
  return beijingIso(millis(receivedAt) + policy.upgradeToMajorDays * DAY_MS);
}

/** Headquarters is told of a complaint still open this many calendar months after receipt (立项). */
export function escalationAt(receivedAt: Instant, policy: Policy): string {
  return beijingIso(plusCalendarMonths(receivedAt, policy.escalationMonths));
}

/** The major-complaint clocks, from the moment of the upgrade. */
export function majorClocks(upgradedAt: Instant, policy: Policy): { firstReportDue: string; solutionDue: string; writtenReportDue: string } {
  const at = millis(upgradedAt);
  return {
    firstReportDue: beijingIso(at + policy.major.firstReportMinutes * 60_000),
    solutionDue: beijingIso(plusHours(at, policy.major.solutionHours)),
    writtenReportDue: beijingIso(at + policy.major.writtenReportDays * DAY_MS),
  };
}
