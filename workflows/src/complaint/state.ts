import type { ComplaintStatus, ComplaintWorkflowInput, FollowUpOutcome } from '@complaints/shared';
import { newKpiFacts } from '@complaints/shared/workflow';
import type { ComplaintState } from '../definitions';

// The complaint's state, and every change to its KPI facts (SPEC §6) as a named step: the one place
// to read where "replied on time" or "first-time closure" is decided. Pure: no Temporal, no I/O.

export const OPEN: readonly ComplaintStatus[] = ['awaiting_dispatch', 'awaiting_acknowledgement', 'awaiting_reply', 'in_progress', 'awaiting_closure_request', 'awaiting_follow_up'];
export const WITH_DEALER: readonly ComplaintStatus[] = ['awaiting_acknowledgement', 'awaiting_reply', 'in_progress', 'awaiting_closure_request', 'awaiting_follow_up'];
export const REPLYABLE: readonly ComplaintStatus[] = ['awaiting_reply', 'in_progress', 'awaiting_closure_request'];

export const isOpen = (state: ComplaintState) => OPEN.includes(state.status);

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

// --- KPI facts, in the order the loop decides them ----------------------------------------------

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

/** A reply (first or progress). "Replied on time" is decided by the first reply, against the reply clock then running. */
export function markRepliedOnTime(state: ComplaintState, at: string): void {
  state.firstReplyAt ??= at;
  const due = state.dispatch?.replyDue ?? state.deadlines?.replyDue;
  if (due) state.kpi.repliedOnTime ??= ms(at) <= ms(due);
  if (state.dispatch) state.dispatch.repliedAt ??= at;
}

/** SPEC §4: the reply clock ran out; "reply on time" is lost. */
export function markReplyOverdue(state: ComplaintState): void {
  state.overdue = true;
  state.kpi.repliedOnTime = false;
}

/** SPEC §4: the closure deadline passed; "closed within deadline" is lost. */
export function markClosureOverdue(state: ComplaintState): void {
  state.overdue = true;
  state.kpi.closedWithinDeadline = false;
}

/** Every follow-up counts, whatever its outcome. */
export function countFollowUp(state: ComplaintState): void {
  state.kpi.followUps += 1;
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
