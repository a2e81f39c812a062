import { patched } from '@temporalio/workflow';
import type { ComplaintStatus, ComplaintWorkflowInput, RepairCase } from '@complaints/shared';
import { dispatchClocks, isDealerLoop, LABELS, majorClocks } from '@complaints/shared/workflow';
import type { ComplaintState } from '../definitions';
import { nowIso, type Effects } from './effects';
import { setDispatchDeadlines } from './state';

// The steps of the closed loop that both actions and clocks take (SPEC §3): receipt, dispatch,
// upgrade to major, closure. Each changes the state, records its event and queues its emails.

/**
 * SPEC §3 receipt: recorded, its deadlines fixed, the coordinator (or the call center) told, and a
 * complaint whose dealer is known routed to it at once.
 */
export async function receive(input: ComplaintWorkflowInput, state: ComplaintState, effects: Effects): Promise<void> {
  const { facts } = input;
  const { recordComplaint, getPolicy, computeDeadlines, recordDeadlines } = effects.activities;
  const loop = isDealerLoop(facts.kind);
  await recordComplaint(input);
  // SPEC §4: the policy and calendars in force at receipt fix the deadlines; later changes never move them.
  state.policy = await getPolicy(facts.receivedAt);
  // The coordinator's dispatch clock starts when the complaint is recorded (now), if that is after its receipt.
  state.deadlines = await computeDeadlines({ receivedAt: facts.receivedAt, kind: facts.kind, category: facts.category, channel: facts.channel, recordedAt: nowIso() });
  await recordDeadlines(input.number, state.deadlines);
  if (!loop) state.status = 'awaiting_reply';
  effects.record('received', facts.recordedBy ?? facts.channel, `受理: ${LABELS.zh.kind[facts.kind]} / ${LABELS.zh.category[facts.category]}`);
  effects.notify('received', 'complaint_received', [{ role: loop ? 'coordinator' : 'call_center' }]);
  // Seeds 000, 001, 003: the customer is told of the receipt (with the number to quote) when they
  // gave an email address. Complaints received before it replay without.
  if (facts.customerEmail && patched('customer-notices')) effects.notifyCustomer('customer:received', 'customer_acknowledgement');
  // SPEC §3: the automatic routing rule sends the work order to the customer's own dealer.
  if (loop && facts.dealerCode && facts.region) dispatchTo(state, effects, facts.dealerCode, facts.region, 'system:routing');
  // After routing, so that the region's manager is told of a major complaint too.
  if (facts.severity === 'major') upgradeToMajor(state, effects, '受理时即为重大抱怨 (major at receipt)', 'system');
}

/** What a dispatcher says with the work order. */
export interface DispatchDetails {
  suggestion?: string;
  /** Seed 002 400抱怨 §6.2: which repair case a repair request is. */
  repairCase?: RepairCase;
}

/** SPEC §3 dispatch (and reassignment): a work order to the dealer, whose clocks start now. */
export function dispatchTo(state: ComplaintState, effects: Effects, dealerCode: string, region: string | undefined, by: string, { suggestion, repairCase }: DispatchDetails = {}): void {
  const { facts } = state;
  const at = nowIso();
  // Numbered over the complaint's whole life: a work order withdrawn by a reclassification keeps its
  // number, so that the next one's clocks and emails are its own.
  const generation = (state.dispatch?.generation ?? state.previousDispatches ?? 0) + 1;
  const clocks = dispatchClocks(at, facts.channel, state.policy!);
  // Since this patch a dispatch asks the calendar for its same-day confirmation (SPEC §3.3) and a
  // repair request's feedback, and a repair request answers on that feedback clock instead of the
  // 24 h reply (SPEC §4, seed 002 400抱怨 §6.2.7). Complaints dispatched before it replay as they ran.
  const ownClocks = patched('dispatch-deadlines');
  state.dealerCode = dealerCode;
  state.region = region;
  state.attributedDealerCode ??= dealerCode;
  state.acknowledgedAt = undefined;
  state.status = 'awaiting_acknowledgement';
  state.dispatch = { generation, at, ...clocks, ...(ownClocks && facts.kind === 'repair_request' && { onFeedbackClock: true }) };
  // A new dealer answers on its own dispatch clocks; the last return's clock was the previous dealer's.
  state.returned = undefined;
  if (repairCase) state.repairCase = repairCase;
  effects.record('dispatched', by, `派工至服务商 ${dealerCode}`, { dealerCode, region, ...(suggestion && { suggestion }), ...(repairCase && { repairCase }) });
  if (ownClocks) {
    effects.project(async () => {
      const deadlines = await effects.activities.dispatchDeadlines({ receivedAt: facts.receivedAt, dispatchedAt: at, kind: facts.kind });
      setDispatchDeadlines(state, generation, deadlines);
      // The work order says by when to confirm it, and by when to reply (a repair request: its feedback).
      effects.notify(`work-order:${generation}`, 'work_order', [{ dealerCode }], {
        dealerCode,
        region,
        replyDue: deadlines.repairFeedbackDue ?? clocks.replyDue,
        ...deadlines,
        suggestion: suggestion ?? '',
      });
    });
  } else {
    if (facts.kind === 'repair_request') {
      // SPEC §4: a repair request's feedback is due N working days after dispatch, and only the
      // operator's calendar knows the working days: the deadline rules compute it in an activity.
      // Complaints dispatched before it was its own activity asked for every deadline again.
      const ownActivity = patched('repair-feedback-activity');
      effects.project(async () => {
        const due = ownActivity
          ? await effects.activities.repairFeedbackDue({ receivedAt: facts.receivedAt, dispatchedAt: at })
          : (await effects.activities.computeDeadlines({ receivedAt: facts.receivedAt, dispatchedAt: at, kind: facts.kind, category: facts.category, channel: facts.channel })).repairFeedbackDue;
        if (state.dispatch?.generation === generation) state.dispatch.repairFeedbackDue = due;
      });
    }
    effects.notify(`work-order:${generation}`, 'work_order', [{ dealerCode }], { replyDue: clocks.replyDue, suggestion: suggestion ?? '' });
  }
  // SPEC §5: the region's manager hears of a major complaint at once; one that became major before it
  // had this dealer (or this region) is news to them now. Complaints dispatched before it replay without.
  if (state.major && region && patched('major-dispatch-notice')) {
    const { reason, firstReportDue, solutionDue, writtenReportDue } = state.major;
    effects.notify(`major:dispatch:${generation}`, 'major_complaint', [{ region }], { reason, firstReportDue, solutionDue, writtenReportDue });
  }
}

/** SPEC §4: a major complaint's own clocks start, and the coordinator and the regional manager are told at once. */
export function upgradeToMajor(state: ComplaintState, effects: Effects, reason: string, by: string): void {
  const since = nowIso();
  const clocks = majorClocks(since, state.policy!);
  // Major again after the coordinator classified it minor: news again, under a key of its own.
  const again = Boolean(state.major?.downgradedAt);
  state.severity = 'major';
  state.major = { since, reason, ...clocks };
  effects.record('upgraded_to_major', by, `升级为重大抱怨: ${reason}`, { reason });
  effects.notify(again ? `major:${since}` : 'major', 'major_complaint', [{ role: 'coordinator' }, ...(state.region ? [{ region: state.region }] : [])], { reason, ...clocks });
}

export function close(state: ComplaintState, effects: Effects, status: ComplaintStatus, by: string, summary: string, data?: Record<string, unknown>): void {
  state.status = status;
  state.closedAt = nowIso();
  effects.record(status, by, summary, data);
  // Seeds 000, 001, 003: the customer who gave an email is told the complaint is closed.
  if (state.facts.customerEmail && patched('customer-notices')) effects.notifyCustomer('customer:closed', 'customer_closure', { status, closedAt: state.closedAt });
}
