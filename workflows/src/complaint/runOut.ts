import type { RecipientRef } from '@complaints/shared';
import { contactHours } from '@complaints/shared/workflow';
import type { ComplaintState } from '../definitions';
import type { Clock } from './clocks';
import type { Effects } from './effects';
import { upgradeToMajor } from './lifecycle';
import { markAcknowledgementMissed, markDispatchOverdue, markClosureOverdue, markContactMissed, markRepairFeedbackOverdue, markReplyOverdue } from './state';

// SPEC §4, the column "when it runs out": what each clock does to the complaint and who is told.
// Email keys are the clock's id where one email per clock is all there is. A summary that states a
// policy number states the complaint's own (it shows on pages and in the history).

/**
 * Who follows a closure request up: the call center; for a major complaint, the regional manager
 * who visits the customer (seed 003 §3.1), as the complaint's policy says.
 */
export function followUpBy(state: ComplaintState): RecipientRef[] {
  const visit = state.severity === 'major' && state.policy?.followUp.majorVisitByRegionalManager === true && state.region;
  return visit ? [{ region: state.region! }] : [{ role: 'call_center' }];
}

export function runOut(clock: Clock, state: ComplaintState, effects: Effects): void {
  const { record, notify } = effects;
  const dealer: RecipientRef[] = state.dealerCode ? [{ dealerCode: state.dealerCode }] : [];
  const regionalManager: RecipientRef[] = state.region ? [{ region: state.region }] : [];
  const policy = state.policy!;
  switch (clock.name) {
    case 'dispatch-reminder':
      notify(clock.id, 'dispatch_due_soon', [{ role: 'coordinator' }], { dispatchDue: clock.at, namedDealerCode: state.facts.namedDealerCode });
      return;
    case 'dispatch-overdue':
      // SPEC §4: the coordinator's head is told; the network's dispatch-on-time rate loses it (no dealer's KPI).
      markDispatchOverdue(state);
      record('dispatch_overdue', 'system', '超过派工时限仍未派工', { dispatchDue: clock.at });
      notify(clock.id, 'dispatch_overdue', [{ role: 'coordinator_head' }], { dispatchDue: clock.at, namedDealerCode: state.facts.namedDealerCode });
      return;
    case 'acknowledgement-reminder':
      notify(clock.id, 'acknowledgement_due_soon', dealer, { acknowledgementDue: state.dispatch?.acknowledgementDue });
      return;
    case 'acknowledgement-overdue':
      // SPEC §3.3 当日确认; seed 002 400抱怨 §5.2 (当天进行信息确认).
      markAcknowledgementMissed(state);
      record('acknowledgement_overdue', 'system', `服务商 ${state.dealerCode} 未在时限内确认派工单`, { acknowledgementDue: clock.at });
      notify(clock.id, 'acknowledgement_overdue', [...dealer, ...regionalManager], { acknowledgementDue: clock.at });
      return;
    case 'returned-reply-reminder':
      notify(clock.id, 'reply_due_soon', dealer, { replyDue: state.returned?.replyDue, returned: 'true' });
      return;
    case 'returned-reply-overdue':
      // SPEC §4: as the dealer reply clock.
      markReplyOverdue(state);
      record('reply_overdue', 'system', `服务商 ${state.dealerCode} 未在退回后的时限内回复`, { returned: state.returned?.count });
      notify(clock.id, 'reply_overdue', [...dealer, ...regionalManager], { replyDue: clock.at, returned: 'true' });
      return;
    case 'answer-overdue':
      state.overdue = true;
      record('reply_overdue', 'system', '咨询/建议答复超时');
      notify(clock.id, 'reply_overdue', [{ role: 'call_center' }], { replyDue: clock.at });
      return;
    case 'reply-reminder':
      notify(clock.id, 'reply_due_soon', [{ dealerCode: state.dealerCode! }]);
      return;
    case 'reply-overdue':
      markReplyOverdue(state);
      record('reply_overdue', 'system', `服务商 ${state.dealerCode} 未在时限内回复`);
      notify(clock.id, 'reply_overdue', [{ dealerCode: state.dealerCode! }, ...regionalManager]);
      return;
    case 'repair-feedback-overdue':
      markRepairFeedbackOverdue(state);
      record('repair_feedback_overdue', 'system', `报修未在 ${policy.repairRequest.feedbackWorkingDays} 个工作日内反馈`);
      notify(clock.id, 'repair_feedback_overdue', [{ dealerCode: state.dealerCode! }], { repairFeedbackDue: clock.at });
      return;
    case 'contact-overdue':
      markContactMissed(state);
      record('contact_overdue', 'system', `${contactHours(state.facts.channel, policy)} 小时内未联系客户`);
      // SPEC §4: an internet complaint's contact clock counts as the dealer reply does.
      if (state.facts.channel === 'internet') {
        state.overdue = true;
        notify(clock.id, 'contact_overdue', [{ dealerCode: state.dealerCode! }, ...regionalManager], { contactDue: clock.at });
      }
      return;
    case 'closure-request-reminder':
      // SPEC §4: a reminder; the coordinator's closure request has no KPI of its own.
      notify(clock.id, 'closure_request_due', [{ role: 'coordinator' }], { closureRequestDue: clock.at, reminder: 'true' });
      return;
    case 'follow-up-reminder':
      notify(clock.id, 'follow_up_reminder', followUpBy(state), { followUpDue: clock.at });
      return;
    case 'closure-reminder':
      if (state.dealerCode) notify(clock.id, 'closure_deadline_near', dealer);
      return;
    case 'closure-overdue':
      markClosureOverdue(state);
      record('closure_overdue', 'system', '超过闭环时限');
      notify(clock.id, 'closure_overdue', [...dealer, ...regionalManager, { role: 'coordinator' }]);
      return;
    case 'auto-upgrade':
      upgradeToMajor(state, effects, `${policy.upgradeToMajorDays} 天未解决，自动升级 (unresolved for ${policy.upgradeToMajorDays} days)`, 'system');
      return;
    case 'major-first-report':
      record('major_clock_missed', 'system', `重大抱怨首次报告 ${policy.major.firstReportMinutes} 分钟内未确认`, { clock: 'first_report' });
      notify('major-missed:first_report', 'major_clock_missed', [{ role: 'coordinator' }], { clock: 'first_report', due: clock.at });
      return;
    case 'major-solution':
      record('major_clock_missed', 'system', `重大抱怨 ${policy.major.solutionHours} 小时内未商定解决方案`, { clock: 'solution' });
      notify('major-missed:solution', 'major_clock_missed', [{ role: 'coordinator_head' }], { clock: 'solution', due: clock.at });
      return;
    case 'major-written-report':
      record('major_clock_missed', 'system', `重大抱怨书面报告 ${policy.major.writtenReportDays} 天内未提交`, { clock: 'written_report' });
      notify('major-report', 'major_report_reminder', [...dealer, ...regionalManager], { writtenReportDue: clock.at });
      return;
    case 'escalation':
      state.escalated = true;
      record('escalated', 'system', `${policy.escalationMonths} 个月未闭环，提交公司立项处理`);
      notify('escalation', 'escalation', [{ role: 'hq' }]);
      return;
  }
}
