import { ApplicationFailure, patched, setHandler } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { ActionName, ActionRequest, Actor, ComplaintStatus } from '@complaints/shared';
import { EVIDENCE_ROLES, followUpDue, isDealerLoop, LABELS, OPEN_STATUSES as OPEN, REPLYABLE_STATUSES as REPLYABLE, returnedReplyClock, WITH_DEALER_STATUSES as WITH_DEALER } from '@complaints/shared/workflow';
import { actionUpdates, addEvidenceUpdate, type ComplaintState, type EvidenceRequest } from '../definitions';
import { nowIso, type Effects } from './effects';
import { close, dispatchTo, upgradeToMajor } from './lifecycle';
import { followUpBy } from './runOut';
import { classificationChanges, reclassify } from './classify';
import {
  countFollowUp,
  markAcknowledged,
  markContacted,
  markDispatched,
  markFirstTimeClosure,
  markForcedClosure,
  markRepliedOnTime,
  markReturned,
  markUnreachable,
} from './state';

// SPEC §8: the actions, one update each. A validator refuses what the state does not allow (409 for
// the caller, nothing recorded); a handler changes the state at once and queues its side effects.

const refuse = (message: string) => ApplicationFailure.create({ type: 'ActionRefused', message, nonRetryable: true });
const incomplete = (message: string) => ApplicationFailure.create({ type: 'IncompleteAction', message, nonRetryable: true });
const notYours = () => ApplicationFailure.create({ type: 'NotYourWorkOrder', message: 'this work order belongs to another dealer', nonRetryable: true });

const by = (request: { actor: Actor }) => `${request.actor.role}:${request.actor.sub}`;

const REPAIR_CASES = Object.keys(LABELS.en.repairCase);

export function registerActions(state: ComplaintState, effects: Effects): void {
  const { facts } = state;
  // The kind decides whether a dealer loop exists, and the coordinator may change it (classify).
  const inLoop = () => isDealerLoop(facts.kind);
  const { record, notify } = effects;

  function handle<A extends ActionName>(name: A, validate: (request: ActionRequest<A>) => void, apply: (request: ActionRequest<A>) => void): void {
    handleUpdate(actionUpdates[name] as unknown as UpdateDefinition<ComplaintState, [ActionRequest<A>]>, validate, apply);
  }

  function handleUpdate<R>(definition: UpdateDefinition<ComplaintState, [R]>, validate: (request: R) => void, apply: (request: R) => void): void {
    setHandler(
      definition,
      (request) => {
        apply(request);
        return state;
      },
      {
        validator: (request) => {
          // An action that arrives before receipt is recorded (the workflow's first moments, while it
          // fetches its policy and deadlines) is refused, not applied half-ready: 409, try again.
          if (state.events.length === 0) throw refuse('the complaint is still being received: try again in a moment');
          validate(request);
        },
      },
    );
  }

  function requireStatus(allowed: readonly ComplaintStatus[], action: string): void {
    if (!allowed.includes(state.status)) throw refuse(`${action} is not possible while the complaint is ${state.status}`);
  }

  function requireOwner(request: { actor: Actor }): void {
    if (request.actor.role === 'dealer' && request.actor.dealerCode !== state.dealerCode) throw notYours();
  }

  handle(
    'dispatch',
    (r) => {
      if (!inLoop()) throw refuse(`${facts.kind} is answered by the call center without a dealer`);
      requireStatus(['awaiting_dispatch'], 'dispatch');
      // Seed 002 400抱怨 §6.2.6: the call center judges a repair request and dispatches it itself;
      // a complaint goes through the coordinator.
      if (r.actor.role === 'call_center' && facts.kind !== 'repair_request') throw refuse('the call center dispatches repair requests only: a complaint is dispatched by the coordinator');
      // Seed 002 400抱怨 §6.2.1–6.2.4: the call center, judging a repair request, says which of the four
      // cases it is. (The coordinator's dispatch keeps the body it always had: the case is optional there.)
      if (r.actor.role === 'call_center' && !r.input.repairCase) throw incomplete(`a repair request dispatched by the call center gives its repairCase: one of ${REPAIR_CASES.join(', ')}`);
    },
    (r) => {
      markDispatched(state, nowIso());
      dispatchTo(state, effects, r.input.dealerCode, r.region, by(r), { suggestion: r.input.suggestion, repairCase: r.input.repairCase });
    },
  );

  handle(
    'acknowledge',
    (r) => {
      requireOwner(r);
      requireStatus(['awaiting_acknowledgement'], 'acknowledge');
    },
    (r) => {
      markAcknowledged(state, nowIso());
      state.status = 'awaiting_reply';
      record('acknowledged', by(r), `服务商 ${state.dealerCode} 确认派工单`);
    },
  );

  handle(
    'contact',
    (r) => {
      requireOwner(r);
      requireStatus(REPLYABLE, 'contact');
    },
    (r) => {
      markContacted(state, nowIso());
      record('customer_contacted', by(r), '服务商联系客户', r.input.note ? { note: r.input.note } : undefined);
    },
  );

  handle(
    'reply',
    (r) => {
      if (inLoop()) {
        if (r.actor.role !== 'dealer') throw refuse('a complaint is replied to by its dealer');
        requireOwner(r);
        requireStatus(REPLYABLE, 'reply');
        // SPEC §3: a product quality reply says the cause, whether it is a quality defect, and the parts replaced.
        if (facts.category === 'product_quality') {
          const missing = (['cause', 'qualityDefect', 'partsReplaced'] as const).filter((f) => r.input[f] === undefined);
          if (missing.length) throw incomplete(`a product_quality reply must give ${missing.join(', ')}`);
        }
      } else {
        if (r.actor.role === 'dealer') throw refuse(`${facts.kind} is answered by the call center`);
        requireStatus(['awaiting_reply', 'in_progress'], 'reply');
      }
    },
    (r) => {
      const at = nowIso();
      markRepliedOnTime(state, at);
      const { text: _text, ...details } = r.input;
      if (!inLoop()) {
        if (r.input.final) close(state, effects, 'closed', by(r), '客服答复并关闭', details);
        else {
          state.status = 'in_progress';
          record('replied', by(r), '客服答复（进展）', details);
        }
        return;
      }
      if (r.input.final) {
        state.finalReplyAt = at;
        if (state.major && !state.major.solutionAt) state.major.solutionAt = at;
        state.status = 'awaiting_closure_request';
        record('replied', by(r), '服务商回复最终处理结果', { ...details, text: r.input.text });
        notify(`closure-request-due:${state.events.length}`, 'closure_request_due', [{ role: 'coordinator' }]);
        // SPEC §4 申请关闭: the coordinator's clock, in working days (the calendar's, in an activity).
        // Final replies before this patch replay without it.
        if (patched('closure-request-clock')) {
          effects.project(async () => {
            const due = await effects.activities.closureRequestDue({ receivedAt: facts.receivedAt, finalReplyAt: at });
            if (due && state.finalReplyAt === at) state.closureRequestDue = due;
          });
        }
      } else {
        state.status = 'in_progress';
        record('replied', by(r), '服务商回复处理进展', { ...details, text: r.input.text });
      }
    },
  );

  handle(
    'request-closure',
    () => requireStatus(['awaiting_closure_request'], 'request-closure'),
    (r) => {
      state.closureRequests += 1;
      state.closureRequestedAt = nowIso();
      state.followUpAttempts = 0;
      state.status = 'awaiting_follow_up';
      record('closure_requested', by(r), `申请关闭（第 ${state.closureRequests} 次），转客服回访`, r.input.note ? { note: r.input.note } : undefined);
      notify(`follow-up-due:${state.closureRequests}`, 'follow_up_due', followUpBy(state), { followUpDue: followUpDue(state.closureRequestedAt, state.policy!) });
    },
  );

  handle(
    'follow-up',
    (r) => {
      // Another region's complaint is not found, whatever its state (SPEC §7: a regional manager sees its region).
      if (r.actor.role === 'regional_manager' && r.actor.region !== state.region) throw notYours();
      requireStatus(['awaiting_follow_up'], 'follow-up');
      const major = state.severity === 'major';
      // Seed 003 (投诉回访与统计 1): the call center follows up a minor complaint; the region's
      // manager visits the customer of a major one.
      if (r.actor.role === 'regional_manager' && !major) throw refuse('the call center follows up minor complaints');
      // Seed 003: a major complaint closes on the regional manager's visit (重大投诉…由片区经理进行上门面谈回访).
      // A policy switch; a policy from before it had the switch leaves it off.
      const visitRequired = state.policy?.followUp.majorVisitByRegionalManager === true;
      if (major && visitRequired && r.input.outcome === 'satisfied' && (r.actor.role !== 'regional_manager' || r.input.method !== 'visit')) {
        throw refuse(`a major complaint’s satisfied follow-up is a visit by the regional manager of ${state.region ?? 'its region'}`);
      }
    },
    (r) => {
      const { outcome, ratings, note } = r.input;
      // SPEC §3.7: how and by whom (the event's `by`) it was done; by phone unless said.
      const data = { outcome, method: r.input.method ?? 'phone', ...(ratings && { ratings }), ...(note && { note }) };
      countFollowUp(state, ratings);
      if (outcome === 'satisfied') {
        markFirstTimeClosure(state, nowIso());
        close(state, effects, 'closed', by(r), '回访满意，闭环', data);
        return;
      }
      if (outcome === 'unreachable') {
        state.followUpAttempts += 1;
        const attempts = state.policy!.followUp.attemptsBeforeUnreachable;
        if (state.followUpAttempts >= attempts) {
          markUnreachable(state);
          close(state, effects, 'closed_unreachable', by(r), `回访 ${attempts} 次联系不上，关闭`, data);
        } else record('follow_up_attempt', by(r), `回访联系不上（第 ${state.followUpAttempts}/${attempts} 次）`, data);
        return;
      }
      markReturned(state, outcome);
      state.status = 'awaiting_reply';
      // SPEC §4 "reply after a return": the dealer gets a new reply clock, one per return. Complaints
      // returned before this patch replay without it.
      if (patched('returned-reply-clock')) {
        const at = nowIso();
        state.returned = { count: state.kpi.unsatisfied + state.kpi.falseReplies, at, ...returnedReplyClock(at, state.policy!) };
      }
      record('returned_to_dealer', by(r), outcome === 'false_reply' ? '回访发现虚假回复，退回服务商' : '回访不满意，退回服务商', data);
      notify(`returned:${state.kpi.followUps}`, 'returned_to_dealer', [{ dealerCode: state.dealerCode! }], { outcome, note: note ?? '', ...(state.returned && { replyDue: state.returned.replyDue }) });
      // Seed 003 四(2)5: sent back a second time (or more), the complaint is reported upward, to the
      // region's manager and the coordinator. Complaints returned before this patch replay without.
      const returns = state.kpi.unsatisfied + state.kpi.falseReplies;
      if (returns >= 2 && patched('repeated-return-upward')) {
        notify(`returned-again:${returns}`, 'repeated_return', [{ role: 'coordinator' }, ...(state.region ? [{ region: state.region }] : [])], { outcome, returns: String(returns) });
      }
    },
  );

  handle(
    'force-close',
    () => requireStatus(OPEN, 'force-close'),
    (r) => {
      markForcedClosure(state, r.input.reason);
      close(state, effects, 'force_closed', by(r), `强制闭环: ${r.input.reason}`, { reason: r.input.reason });
    },
  );

  handle(
    'reassign',
    (r) => {
      requireStatus(WITH_DEALER, 'reassign');
      if (r.input.dealerCode === state.dealerCode) throw refuse(`the complaint is already with ${r.input.dealerCode}`);
    },
    (r) => {
      const previous = state.dealerCode;
      if (!r.input.countAgainstPrevious) state.attributedDealerCode = r.input.dealerCode;
      record('reassigned', by(r), `由 ${previous} 转至 ${r.input.dealerCode}: ${r.input.reason}`, { from: previous, to: r.input.dealerCode, reason: r.input.reason, countAgainstPrevious: r.input.countAgainstPrevious });
      dispatchTo(state, effects, r.input.dealerCode, r.region, by(r));
    },
  );

  handle(
    'upgrade',
    () => {
      requireStatus(OPEN, 'upgrade');
      if (state.severity === 'major') throw refuse('the complaint is already major');
    },
    (r) => upgradeToMajor(state, effects, r.input.reason, by(r)),
  );

  // SPEC §3.2: spam, a duplicate, not a complaint — the coordinator's triage decision instead of a
  // dispatch. Its clocks stop, it counts in no KPI, quota or report but the list of invalid
  // complaints, and the customer is not written to (it may be spam). A complaint already with a
  // dealer is not taken off its scorecard so: it is force-closed (listed) or reassigned.
  handle(
    'invalidate',
    () => requireStatus(['awaiting_dispatch'], 'invalidate'),
    (r) => {
      state.status = 'invalid';
      state.closedAt = nowIso();
      state.closeReason = r.input.reason;
      record('invalidated', by(r), `判定为无效: ${r.input.reason}`, { reason: r.input.reason });
    },
  );

  // SPEC §3.2: the coordinator corrects the kind, category or severity until closure; the clocks,
  // the dealer loop and everything shown follow (classify.ts).
  handle(
    'classify',
    (r) => {
      requireStatus(OPEN, 'classify');
      const changes = classificationChanges(state, r.input);
      if (!changes.length) throw refuse(`the complaint is already ${facts.kind} / ${facts.category} / ${state.severity}: nothing to change`);
      // A kind is corrected at triage or while the dealer works on it; once the call center has
      // followed it up, its history is that kind's (force-close it instead).
      if (changes.includes('kind') && state.closureRequests > 0) throw refuse(`the kind of a complaint already followed up stays ${facts.kind}: force-close it with a reason instead`);
    },
    (r) => reclassify(state, effects, r.input, by(r)),
  );

  handle(
    'acknowledge-major',
    (r) => {
      if (r.actor.role === 'regional_manager' && r.actor.region !== state.region) throw notYours();
      requireStatus(OPEN, 'acknowledge-major');
      if (!state.major || state.severity !== 'major') throw refuse('the complaint is not major');
      if (state.major.acknowledgedAt) throw refuse('the major complaint is already acknowledged');
    },
    (r) => {
      state.major!.acknowledgedAt = nowIso();
      record('major_acknowledged', by(r), '重大抱怨已确认', r.input.note ? { note: r.input.note } : undefined);
    },
  );

  handle(
    'written-report',
    (r) => {
      requireOwner(r);
      requireStatus(OPEN, 'written-report');
      if (!state.major || state.severity !== 'major') throw refuse('a written report is for major complaints');
    },
    (r) => {
      state.major!.writtenReportAt = nowIso();
      // Seed 002 重大抱怨 §4: the written report may come with its files (photos, the repair record).
      record('written_report', by(r), '服务商提交重大抱怨书面报告', { summary: r.input.summary, ...(r.input.attachmentIds && { attachmentIds: r.input.attachmentIds }) });
    },
  );

  // Files added after intake (photos, reports, invoices), at any open state: intake stored them
  // and names them here; the history records who added which.
  handleUpdate<EvidenceRequest>(
    addEvidenceUpdate,
    (r) => {
      if (!EVIDENCE_ROLES.includes(r.actor.role)) throw refuse(`files are added by the ${EVIDENCE_ROLES.join(', ')}`);
      requireOwner(r);
      requireStatus(OPEN, 'adding files');
    },
    (r) => {
      const { attachmentIds, note } = r.input;
      record('evidence_added', by(r), `补充附件 ${attachmentIds.length} 个`, { attachmentIds, ...(note && { note }) });
    },
  );
}
