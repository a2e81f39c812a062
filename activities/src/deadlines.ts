import { beijingMonth, closureRequestDue, complaintWorkflowId, monthFreeze, computeDeadlines, dispatchDeadlines, newUsage, OPEN_STATUSES, policyInForce, repairFeedbackDue, WorkingCalendar, type DeadlineRequest, type Deadlines, type DispatchDeadlineRequest, type DispatchDeadlines, type Policy } from '@complaints/shared';
import type { Models } from './store/models';
import { loadCalendars, loadPolicies } from './store/rules';

// A complaint's deadlines depend on calendar data an operator maintains, so the workflow asks for
// them in an activity and records the policy and calendar versions they came from (STYLE.md).

export interface DeadlineDeps {
  models: Models;
  /** Told once per process about each year that has no calendar (SPEC §4: the system says so). */
  warn(message: string): void;
}

export function createDeadlineActivities({ models, warn }: DeadlineDeps) {
  const warned = new Set<number>();
  const warnMissing = (years: number[]) => {
    for (const year of years) {
      if (!warned.has(year)) warn(`no working calendar for ${year}: deadlines count weekends only until the operator loads one`);
      warned.add(year);
    }
  };
  return {
    /** The policy in force at a complaint's receipt: its clock lengths stay with the complaint. */
    async getPolicy(receivedAt: string): Promise<Policy> {
      return policyInForce(await loadPolicies(models), new Date(receivedAt));
    },

    /** The complaint's deadlines under the policy in force at its receipt, with the versions used. */
    async computeDeadlines(request: DeadlineRequest): Promise<Deadlines> {
      const [calendars, policies] = await Promise.all([loadCalendars(models), loadPolicies(models)]);
      const deadlines = computeDeadlines(request, policyInForce(policies, new Date(request.receivedAt)), new WorkingCalendar(calendars));
      warnMissing(deadlines.missingCalendarYears);
      return { ...deadlines, monthFreezesAt: monthFreeze(beijingMonth(new Date(request.receivedAt)), policies).toISOString() };
    },

    /**
     * A repair request's feedback due time for one dispatch: working days under the policy of its
     * receipt (SPEC §4). Asked by complaints dispatched before `dispatchDeadlines` (they replay with it).
     */
    async repairFeedbackDue(request: { receivedAt: string; dispatchedAt: string }): Promise<string> {
      const [calendars, policies] = await Promise.all([loadCalendars(models), loadPolicies(models)]);
      const calendar = new WorkingCalendar(calendars);
      const usage = newUsage();
      const due = repairFeedbackDue(request.dispatchedAt, policyInForce(policies, new Date(request.receivedAt)), (date) => calendar.isWorkingDay(date, usage));
      warnMissing(usage.missingYears);
      return due;
    },

    /** SPEC §4 申请关闭: by when the coordinator requests closure after a final reply, under the policy of the complaint's receipt. */
    async closureRequestDue(request: { receivedAt: string; finalReplyAt: string }): Promise<string | null> {
      const [calendars, policies] = await Promise.all([loadCalendars(models), loadPolicies(models)]);
      const calendar = new WorkingCalendar(calendars);
      const usage = newUsage();
      const due = closureRequestDue(request.finalReplyAt, policyInForce(policies, new Date(request.receivedAt)), (date) => calendar.isWorkingDay(date, usage));
      warnMissing(usage.missingYears);
      return due ?? null;
    },

    /**
     * SPEC §4, a calendar loaded late: the complaint's deadlines computed again with the calendars now
     * loaded, under the complaint's own policy (the rule did not change, the data was missing). The
     * workflow decides what moves: never earlier than announced.
     */
    async recomputeDeadlines(request: { deadlines: DeadlineRequest; policy: Policy; dispatch?: { generation: number; dispatchedAt: string } }): Promise<RecomputedDeadlines> {
      const calendar = new WorkingCalendar(await loadCalendars(models));
      const deadlines = computeDeadlines(request.deadlines, request.policy, calendar);
      const { dispatch } = request;
      if (!dispatch) return { deadlines };
      const { receivedAt, kind } = request.deadlines;
      const usage = newUsage();
      return { deadlines, dispatch: { generation: dispatch.generation, ...dispatchDeadlines({ receivedAt, dispatchedAt: dispatch.dispatchedAt, kind }, request.policy, (date) => calendar.isWorkingDay(date, usage)) } };
    },

    /**
     * The workflows of the complaints a year's calendar may correct: every complaint not closed that
     * was received before that year ended (one received later already used the calendar). A complaint
     * whose deadlines do not change records nothing.
     */
    async complaintsToCorrect({ year }: { year: number }): Promise<string[]> {
      const endOfYear = new Date(`${year + 1}-01-01T00:00:00+08:00`);
      // 'received': recorded, its deadlines maybe computed, its first event not yet written.
      const statuses: string[] = [...OPEN_STATUSES, 'received'];
      const docs = await models.Complaint.find({ status: { $in: statuses as typeof OPEN_STATUSES }, receivedAt: { $lt: endOfYear } }, { _id: 1 }).sort({ _id: 1 }).lean();
      return docs.map((d) => complaintWorkflowId(d._id));
    },

    /**
     * The clocks a dispatch starts that count working days: the same-day confirmation (SPEC §3.3) and a
     * repair request's feedback (SPEC §4), under the policy in force at the complaint's receipt.
     */
    async dispatchDeadlines(request: { receivedAt: string; dispatchedAt: string; kind: DispatchDeadlineRequest['kind'] }): Promise<DispatchDeadlines> {
      const [calendars, policies] = await Promise.all([loadCalendars(models), loadPolicies(models)]);
      const calendar = new WorkingCalendar(calendars);
      const usage = newUsage();
      const deadlines = dispatchDeadlines(request, policyInForce(policies, new Date(request.receivedAt)), (date) => calendar.isWorkingDay(date, usage));
      warnMissing(usage.missingYears);
      return deadlines;
    },
  };
}

export type DeadlineActivities = ReturnType<typeof createDeadlineActivities>;

/** A complaint's deadlines as the calendars now loaded place them, and its current dispatch's. */
export interface RecomputedDeadlines {
  deadlines: Deadlines;
  dispatch?: DispatchDeadlines & { generation: number };
}
