import type { RecomputedDeadlines } from '@complaints/activities';
import type { ActionInput, ComplaintWorkflowInput, DispatchDeadlines, FollowUpOutcome, FollowUpScores } from '@complaints/shared';
import { isDealerLoop, newKpiFacts, OPEN_STATUSES } from '@complaints/shared/workflow';
import type { ComplaintState, KeptDeadline, MovedDeadline } from '../definitions';

// The complaint's state, and every change to its KPI facts (SPEC §6) as a named step: the one place
// to read where "replied on time" or "first-time closure" is decided. Pure: no Temporal, no I/O.

export const isOpen = (state: ComplaintState) => OPEN_STATUSES.includes(state.status);

const ms = (iso: string) => new Date(iso).getTime();

/** A complaint just received: nothing decided, no dealer yet. */
export function initialState({ number, facts }: ComplaintWorkflowInput): ComplaintState {
  return {
    number,
    facts,
    status: 'awaiting_dispatch',
    severity: facts.severity,
    events: [],
    closureRequests: 0,
    followUpAttempts: 0,
    overdue: false,
    escalated: false,
    kpi: newKpiFacts(),
    firedClocks: [],
  };
}

/**
 * The reply the dealer owes now, by when: the clock of the last return while it runs, a repair
 * request's feedback clock, else the dispatch's reply clock (an inquiry's: the answer from receipt).
 */
export function replyDueNow(state: ComplaintState): string | undefined {
  const { returned, dispatch } = state;
  if (returned && !returned.repliedAt) return returned.replyDue;
  if (dispatch?.onFeedbackClock) return dispatch.repairFeedbackDue;
  return dispatch?.replyDue ?? state.deadlines?.replyDue;
}

// --- KPI facts, in the order the loop decides them ----------------------------------------------

/** SPEC §4 派工: the coordinator dispatched a complaint that waited for them; on time by its dispatch clock. */
export function markDispatched(state: ComplaintState, at: string): void {
  const due = state.deadlines?.dispatchDue;
  if (due) state.kpi.dispatchedOnTime ??= ms(at) <= ms(due);
}

/** SPEC §4: the dispatch clock ran out with the complaint still waiting. */
export function markDispatchOverdue(state: ComplaintState): void {
  state.kpi.dispatchedOnTime ??= false;
}

/**
 * The calendar's due times for a dispatch arrive (an activity, just after it). A dealer that
 * confirmed or replied in the meantime did so before any of them: decided now.
 */
export function setDispatchDeadlines(state: ComplaintState, generation: number, deadlines: DispatchDeadlines): void {
  const { dispatch } = state;
  if (dispatch?.generation !== generation) return; // reassigned meanwhile: the new dealer has its own
  Object.assign(dispatch, deadlines);
  if (state.acknowledgedAt) decideAcknowledgedOnTime(state, state.acknowledgedAt);
  if (dispatch.repliedAt) decideRepairFeedbackOnTime(state, dispatch.repliedAt);
}

/**
 * 当日确认 (SPEC §3.3): decided once, by the first dispatch whose confirmation came or whose clock
 * ran out, like "contacted within 24 h"; a later dealer's confirmation only disarms its own clock.
 */
export function markAcknowledged(state: ComplaintState, at: string): void {
  state.acknowledgedAt = at;
  decideAcknowledgedOnTime(state, at);
}

function decideAcknowledgedOnTime(state: ComplaintState, at: string): void {
  const due = state.dispatch?.acknowledgementDue;
  if (due) state.kpi.acknowledgedOnTime ??= ms(at) <= ms(due);
}

/** SPEC §4: the work order was not confirmed by its due time; "confirmed on time" is lost unless already decided. */
export function markAcknowledgementMissed(state: ComplaintState): void {
  state.kpi.acknowledgedOnTime ??= false;
}

/**
 * The dealer's contact with the customer. "Contacted within 24 h" is decided by the first contact
 * under the first dispatch that had one; a later dealer's first contact only disarms its own clock.
 */
export function markContacted(state: ComplaintState, at: string): void {
  state.contactedAt ??= at;
  if (state.dispatch && !state.dispatch.contactedAt) {
    state.dispatch.contactedAt = at;
    state.kpi.contactedOnTime ??= ms(at) <= ms(state.dispatch.contactDue);
  }
}

/** SPEC §4: no contact within the contact clock; "contacted within 24 h" is lost unless already decided. */
export function markContactMissed(state: ComplaintState): void {
  state.kpi.contactedOnTime ??= false;
}

/**
 * A reply (first or progress). "Replied on time" is decided by the first reply, against the reply
 * clock then running (a repair request's: its feedback clock). A reply after a return disarms that
 * return's clock, and one that came after its due time loses "reply on time" as the clock would.
 */
export function markRepliedOnTime(state: ComplaintState, at: string): void {
  state.firstReplyAt ??= at;
  const { dispatch, returned } = state;
  if (returned && !returned.repliedAt) {
    returned.repliedAt = at;
    if (ms(at) > ms(returned.replyDue)) markReplyOverdue(state);
  }
  if (dispatch && !dispatch.repliedAt) decideRepairFeedbackOnTime(state, at);
  if (!dispatch?.onFeedbackClock) {
    const due = dispatch?.replyDue ?? state.deadlines?.replyDue;
    if (due) state.kpi.repliedOnTime ??= ms(at) <= ms(due);
  }
  if (dispatch) dispatch.repliedAt ??= at;
}

/**
 * A repair request's "on time" (seed 002 400抱怨 §6.2.7: feedback within 3 working days): decided by
 * the dealer's first feedback against its clock. On that clock instead of the 24 h reply, it is its
 * "reply on time" too.
 */
function decideRepairFeedbackOnTime(state: ComplaintState, at: string): void {
  const due = state.dispatch?.repairFeedbackDue;
  if (!due) return;
  state.kpi.repairFeedbackOnTime ??= ms(at) <= ms(due);
  if (state.dispatch?.onFeedbackClock) state.kpi.repliedOnTime ??= state.kpi.repairFeedbackOnTime;
}

/** SPEC §4: the reply clock (the first, or the one after a return) ran out; "reply on time" is lost. */
export function markReplyOverdue(state: ComplaintState): void {
  state.overdue = true;
  state.kpi.repliedOnTime = false;
}

/** SPEC §4: a repair request's feedback clock ran out; its "on time" is lost. */
export function markRepairFeedbackOverdue(state: ComplaintState): void {
  state.overdue = true;
  state.kpi.repairFeedbackOnTime = false;
  if (state.dispatch?.onFeedbackClock) state.kpi.repliedOnTime = false;
}

/** SPEC §4: the closure deadline passed; "closed within deadline" is lost. */
export function markClosureOverdue(state: ComplaintState): void {
  state.overdue = true;
  state.kpi.closedWithinDeadline = false;
}

/**
 * Every follow-up counts, whatever its outcome. Its numeric ratings (SPEC §3.7) are the complaint's
 * for the analysis; a follow-up without any (a call nobody answered) leaves the last ones. The
 * shortcomings and suggestions are free text about the customer's view: they stay in the history.
 */
export function countFollowUp(state: ComplaintState, ratings?: ActionInput<'follow-up'>['ratings']): void {
  state.kpi.followUps += 1;
  const { serviceQuality, attitude, priceCheck, overall } = ratings ?? {};
  const scores: FollowUpScores = {
    ...(serviceQuality !== undefined && { serviceQuality }),
    ...(attitude !== undefined && { attitude }),
    ...(priceCheck !== undefined && { priceCheck }),
    ...(overall !== undefined && { overall }),
  };
  if (Object.keys(scores).length) state.kpi.ratings = scores;
}

/**
 * A satisfied follow-up closes the complaint (SPEC §3). It is a first-time closure when it closes at
 * the first closure request, with no return to the dealer and within the closure deadline (SPEC §6).
 */
export function markFirstTimeClosure(state: ComplaintState, at: string): void {
  const withinDeadline = !state.deadlines?.closureDeadline || ms(at) <= ms(state.deadlines.closureDeadline);
  state.kpi.closedWithinDeadline ??= withinDeadline;
  state.kpi.firstTimeClosure = state.closureRequests === 1 && state.kpi.unsatisfied === 0 && state.kpi.falseReplies === 0 && state.kpi.closedWithinDeadline === true;
}

/** SPEC §3: unsatisfied or a false reply sends the complaint back to the dealer; it is no first-time closure any more. */
export function markReturned(state: ComplaintState, outcome: Extract<FollowUpOutcome, 'unsatisfied' | 'false_reply'>): void {
  if (outcome === 'false_reply') state.kpi.falseReplies += 1;
  else state.kpi.unsatisfied += 1;
  state.kpi.firstTimeClosure = false;
}

/** SPEC §3: closed as unreachable, the complaint leaves the KPI denominators. */
export function markUnreachable(state: ComplaintState): void {
  state.kpi.unreachable = true;
}

/** SPEC §3: a forced closure, with its reason; listed monthly. */
export function markForcedClosure(state: ComplaintState, reason: string): void {
  state.kpi.forcedClosure = true;
  state.closeReason = reason;
}

// --- A calendar loaded late (SPEC §4) ----------------------------------------------------------

/**
 * Takes the deadlines a loaded calendar placed anew, for the clocks still pending: a deadline moves
 * later, never earlier than the one already announced to the dealer (that one is kept, and said so).
 * A clock that has run out stays as it ran. The deadlines record the calendar versions now used.
 */
export function applyRecomputedDeadlines(state: ComplaintState, answer: RecomputedDeadlines): { moved: MovedDeadline[]; kept: KeptDeadline[] } {
  const moved: MovedDeadline[] = [];
  const kept: KeptDeadline[] = [];
  const pending = (clockId: string) => !state.firedClocks.includes(clockId);
  /** Moves one deadline (and its reminder, while that has not run out) if the calendar places it later. */
  function consider(deadline: MovedDeadline['deadline'], announced: string | undefined, computed: string | undefined, take: () => void) {
    if (!announced || !computed || ms(computed) === ms(announced)) return;
    if (ms(computed) > ms(announced)) {
      moved.push({ deadline, from: announced, to: computed });
      take();
    } else kept.push({ deadline, announced, computed });
  }

  const d = state.deadlines;
  if (d && isDealerLoop(state.facts.kind) && pending('closure-overdue')) {
    const next = answer.deadlines;
    consider('closureDeadline', d.closureDeadline, next.closureDeadline, () => {
      d.closureDeadline = next.closureDeadline;
      if (pending('closure-reminder')) d.closureReminderAt = next.closureReminderAt;
    });
  }
  const { dispatch } = state;
  const placed = answer.dispatch;
  if (dispatch && placed && placed.generation === dispatch.generation) {
    const instance = (name: string) => `${name}:${dispatch.generation}`;
    if (!state.acknowledgedAt && pending(instance('acknowledgement-overdue'))) {
      consider('acknowledgementDue', dispatch.acknowledgementDue, placed.acknowledgementDue, () => {
        dispatch.acknowledgementDue = placed.acknowledgementDue;
        if (pending(instance('acknowledgement-reminder'))) dispatch.acknowledgementReminderAt = placed.acknowledgementReminderAt;
      });
    }
    if (!dispatch.repliedAt && pending(instance('repair-feedback-overdue'))) {
      consider('repairFeedbackDue', dispatch.repairFeedbackDue, placed.repairFeedbackDue, () => {
        dispatch.repairFeedbackDue = placed.repairFeedbackDue;
      });
    }
  }
  if (d) {
    d.calendarVersions = answer.deadlines.calendarVersions;
    d.missingCalendarYears = answer.deadlines.missingCalendarYears;
    d.warnings = answer.deadlines.warnings;
  }
  return { moved, kept };
}
