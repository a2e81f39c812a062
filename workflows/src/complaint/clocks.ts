import { followUpDue, isDealerLoop } from '@complaints/shared/workflow';
import type { ComplaintState } from '../definitions';
import { isOpen } from './state';

// SPEC §4: which clocks are armed, as a pure function of the state (its policy and deadlines
// included). The due times were fixed when each clock started (shared/src/clocks.ts); what happens
// when one runs out is in runOut.ts.

export type ClockName =
  | 'dispatch-reminder'
  | 'dispatch-overdue'
  | 'acknowledgement-reminder'
  | 'acknowledgement-overdue'
  | 'answer-overdue'
  | 'reply-reminder'
  | 'reply-overdue'
  | 'repair-feedback-overdue'
  | 'returned-reply-reminder'
  | 'returned-reply-overdue'
  | 'contact-overdue'
  | 'follow-up-reminder'
  | 'closure-request-reminder'
  | 'closure-reminder'
  | 'closure-overdue'
  | 'auto-upgrade'
  | 'major-first-report'
  | 'major-solution'
  | 'major-written-report'
  | 'escalation';

export interface Clock {
  /** Unique for the complaint's life (dispatch clocks carry the dispatch's generation): a clock fires once. */
  id: string;
  name: ClockName;
  /** When it runs out, ISO 8601. */
  at: string;
}

/** A clock's id: its name, and the instance it guards (a dispatch's generation, a closure round…). */
export const clockId = (name: ClockName, instance?: string | number) => (instance === undefined ? name : `${name}:${instance}`);

const clock = (name: ClockName, at: string, instance?: string | number): Clock => ({ id: clockId(name, instance), name, at });

/**
 * The clocks that still guard something now; a clock whose condition has passed (the reply came, the
 * complaint closed) is not armed, and one that fired never is again. In a fixed order, which settles
 * which of two clocks due at the same moment runs out first.
 */
export function armedClocks(state: ComplaintState): Clock[] {
  if (!isOpen(state)) return [];
  const clocks: Clock[] = [];
  const loop = isDealerLoop(state.facts.kind);
  const d = state.deadlines;
  const { dispatch, returned } = state;
  // A major complaint classified minor again keeps its record, not its clocks.
  const major = state.major?.downgradedAt ? undefined : state.major;

  // 派工: while the complaint waits for the coordinator (complaints received before the clock have no due time).
  if (loop && d?.dispatchDue && state.status === 'awaiting_dispatch') {
    if (d.dispatchReminderAt) clocks.push(clock('dispatch-reminder', d.dispatchReminderAt));
    clocks.push(clock('dispatch-overdue', d.dispatchDue));
  }
  // An inquiry or a suggestion: the call center's answer, from receipt.
  if (!loop && d && !state.firstReplyAt) clocks.push(clock('answer-overdue', d.replyDue));
  // 当日确认: this dealer's confirmation of the work order, once the calendar has placed it.
  if (dispatch?.acknowledgementDue && !state.acknowledgedAt) {
    if (dispatch.acknowledgementReminderAt) clocks.push(clock('acknowledgement-reminder', dispatch.acknowledgementReminderAt, dispatch.generation));
    clocks.push(clock('acknowledgement-overdue', dispatch.acknowledgementDue, dispatch.generation));
  }
  // The dealer's reply (or a repair request's feedback, on its own clock), until this dealer's first reply.
  if (dispatch && !dispatch.repliedAt) {
    if (!dispatch.onFeedbackClock) {
      clocks.push(clock('reply-reminder', dispatch.replyReminderAt, dispatch.generation));
      clocks.push(clock('reply-overdue', dispatch.replyDue, dispatch.generation));
    }
    if (dispatch.repairFeedbackDue) clocks.push(clock('repair-feedback-overdue', dispatch.repairFeedbackDue, dispatch.generation));
  }
  // The dealer's reply after a return to it, one clock per return, until its next reply.
  if (returned && !returned.repliedAt) {
    clocks.push(clock('returned-reply-reminder', returned.replyReminderAt, returned.count));
    clocks.push(clock('returned-reply-overdue', returned.replyDue, returned.count));
  }
  // The dealer's first contact with the customer.
  if (dispatch && !dispatch.contactedAt) clocks.push(clock('contact-overdue', dispatch.contactDue, dispatch.generation));
  // The coordinator's closure request after the dealer's final reply.
  if (state.status === 'awaiting_closure_request' && state.closureRequestDue && state.finalReplyAt) clocks.push(clock('closure-request-reminder', state.closureRequestDue, state.finalReplyAt));
  // The call center's follow-up after each closure request.
  if (state.status === 'awaiting_follow_up' && state.closureRequestedAt) {
    clocks.push(clock('follow-up-reminder', followUpDue(state.closureRequestedAt, state.policy!), state.closureRequests));
  }
  if (loop && d?.closureDeadline && d.closureReminderAt) {
    clocks.push(clock('closure-reminder', d.closureReminderAt, state.closureRound));
    clocks.push(clock('closure-overdue', d.closureDeadline, state.closureRound));
  }
  if (loop && d?.upgradeToMajorAt && state.severity === 'minor') clocks.push(clock('auto-upgrade', d.upgradeToMajorAt));
  if (major && !major.acknowledgedAt) clocks.push(clock('major-first-report', major.firstReportDue, major.since));
  if (major && !major.solutionAt) clocks.push(clock('major-solution', major.solutionDue, major.since));
  if (major && !major.writtenReportAt) clocks.push(clock('major-written-report', major.writtenReportDue, major.since));
  if (loop && d?.escalationAt && !state.escalated) clocks.push(clock('escalation', d.escalationAt));
  return clocks.filter((c) => !state.firedClocks.includes(c.id));
}

/** The clock that runs out first; of two due at the same moment, the one armed first. */
export function nextClock(state: ComplaintState): Clock | undefined {
  return armedClocks(state).sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime())[0];
}
