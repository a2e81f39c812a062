import type { RecipientRef } from '@complaints/shared';
import type { ComplaintState } from '../definitions';
import type { Clock } from './clocks';
import type { Effects } from './effects';
import { upgradeToMajor } from './lifecycle';
import { markClosureOverdue, markContactMissed, markReplyOverdue } from './state';

// SPEC §4, the column "when it runs out": what each clock does to the complaint and who is told.
// Email keys are the clock's id where one email per clock is all there is.

export function runOut(clock: Clock, state: ComplaintState, effects: Effects): void {
  const { record, notify } = effects;
  const dealer: RecipientRef[] = state.dealerCode ? [{ dealerCode: state.dealerCode }] : [];
  const regionalManager: RecipientRef[] = state.region ? [{ region: state.region }] : [];
  switch (clock.name) {
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
      state.overdue = true;
      record('repair_feedback_overdue', 'system', '报修反馈超时');
      notify(clock.id, 'repair_feedback_overdue', [{ dealerCode: state.dealerCode! }], { repairFeedbackDue: clock.at });
      return;
    case 'contact-overdue':
      markContactMissed(state);
      record('contact_overdue', 'system', '24小时内未联系客户');
      // SPEC §4: an internet complaint's contact clock counts as the dealer reply does.
      if (state.facts.channel === 'internet') {
        state.overdue = true;
        notify(clock.id, 'contact_overdue', [{ dealerCode: state.dealerCode! }, ...regionalManager], { contactDue: clock.at });
      }
      return;
    case 'follow-up-reminder':
      notify(clock.id, 'follow_up_reminder', [{ role: 'call_center' }], { followUpDue: clock.at });
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
      upgradeToMajor(state, effects, '10天未解决，自动升级 (unresolved for 10 days)', 'system');
      return;
    case 'major-first-report':
      record('major_clock_missed', 'system', '重大抱怨首次报告未确认', { clock: 'first_report' });
      notify('major-missed:first_report', 'major_clock_missed', [{ role: 'coordinator' }], { clock: 'first_report', due: clock.at });
      return;
    case 'major-solution':
      record('major_clock_missed', 'system', '重大抱怨12小时内未商定解决方案', { clock: 'solution' });
      notify('major-missed:solution', 'major_clock_missed', [{ role: 'coordinator_head' }], { clock: 'solution', due: clock.at });
      return;
    case 'major-written-report':
      record('major_clock_missed', 'system', '重大抱怨书面报告未提交', { clock: 'written_report' });
      notify('major-report', 'major_report_reminder', [...dealer, ...regionalManager], { writtenReportDue: clock.at });
      return;
    case 'escalation':
      state.escalated = true;
      record('escalated', 'system', '三个月未闭环，提交公司立项处理');
      notify('escalation', 'escalation', [{ role: 'hq' }]);
      return;
  }
}
