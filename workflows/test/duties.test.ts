import type { WorkflowHandle } from '@temporalio/client';
import { savePolicy } from '@complaints/activities';
import { beijingDate, type Actor, type EvidenceInput } from '@complaints/shared';
import { shippedPolicies } from '@complaints/runtime/src/rules';
import { addEvidenceUpdate, type ComplaintState } from '../src';
import { HOUR, MINUTE, callCenter, coordinator, dealer, regionalManager, useWorkflowHarness } from './harness';

// The dealer's and the call center's duties on their own clocks (SPEC §3–§5): the same-day
// confirmation, the reply after a return, a repair request's feedback; who is told what when a major
// complaint gets its dealer, the customer's own notices, how a follow-up was done, evidence after
// intake. Each clock: armed only while its condition holds, runs out once, tells each party once —
// read from the notifier activity's calls, whatever the directory resolves them to.

const ms = (iso: string) => new Date(iso).getTime();

describe('the complaint workflow’s duties and clocks (time-skipping test server, real activities)', () => {
  const h = useWorkflowHarness('duty');
  const { receive, act, refusal, state, keepHistory, advance, settled, notifications, untilBeijing } = h;

  /** Moves test-server time to one minute before (or, with `after`, one minute after) an instant. */
  async function to(handle: WorkflowHandle, iso: string, after = false) {
    await advance(handle, ms(iso) - (await h.env().currentTimeMs()) + (after ? MINUTE : -MINUTE));
  }

  async function toFollowUp(handle: WorkflowHandle) {
    await act(handle, 'acknowledge', dealer('SH001'), {});
    await act(handle, 'contact', dealer('SH001'), {});
    await act(handle, 'reply', dealer('SH001'), { text: '已道歉并退还费用', final: true });
    return act(handle, 'request-closure', coordinator, {});
  }

  async function addEvidence(handle: WorkflowHandle, actor: Actor, input: EvidenceInput) {
    const after = await handle.executeUpdate(addEvidenceUpdate, { args: [{ actor, input }] });
    await settled(handle);
    return after;
  }

  describe('same-day confirmation (当日确认, SPEC §3.3)', () => {
    it('reminds the dealer before the day ends, then tells the dealer and the regional manager once that it is overdue; "confirmed on time" is lost', async () => {
      const start = await untilBeijing('10:00');
      const { number, handle } = await receive({ category: 'service_process' });
      const s0 = await state(handle);
      const acknowledgementDue = `${beijingDate(start)}T23:59:00+08:00`;
      expect(s0.dispatch).toMatchObject({ acknowledgementDue, acknowledgementReminderAt: `${beijingDate(start)}T21:59:00+08:00` });

      await to(handle, s0.dispatch!.acknowledgementReminderAt!);
      expect(notifications(number, 'acknowledgement_due_soon')).toEqual([]);
      await advance(handle, 2 * MINUTE);
      expect(notifications(number, 'acknowledgement_due_soon')).toEqual([
        { key: `${number}:acknowledgement-reminder:1`, template: 'acknowledgement_due_soon', recipients: [{ dealerCode: 'SH001' }], data: expect.objectContaining({ acknowledgementDue, policyVersion: s0.policy!.version }) },
      ]);

      await to(handle, acknowledgementDue);
      expect((await state(handle)).kpi.acknowledgedOnTime).toBeNull();
      expect(notifications(number, 'acknowledgement_overdue')).toEqual([]);
      await advance(handle, 2 * MINUTE);
      const s1 = await state(handle);
      expect(s1.kpi.acknowledgedOnTime).toBe(false);
      expect(s1.events.at(-1)).toMatchObject({ type: 'acknowledgement_overdue', by: 'system' });
      expect(notifications(number, 'acknowledgement_overdue')).toEqual([
        { key: `${number}:acknowledgement-overdue:1`, template: 'acknowledgement_overdue', recipients: [{ dealerCode: 'SH001' }, { region: 'east' }], data: expect.objectContaining({ acknowledgementDue }) },
      ]);

      // Confirmed late: the fact stays lost, and nothing is sent again.
      await act(handle, 'acknowledge', dealer('SH001'), {});
      await advance(handle, 2 * 24 * HOUR);
      expect((await state(handle)).kpi.acknowledgedOnTime).toBe(false);
      expect(notifications(number, 'acknowledgement_due_soon')).toHaveLength(1);
      expect(notifications(number, 'acknowledgement_overdue')).toHaveLength(1);
      await keepHistory(handle, 'acknowledgement-overdue');
    });

    it('gives a work order dispatched after 16:30 until noon of the next working day, and a confirmation by then is on time with nothing sent', async () => {
      const start = await untilBeijing('17:00');
      const { number, handle } = await receive({ category: 'service_process' });
      const s0 = await state(handle);
      const nextDay = beijingDate(start.getTime() + 24 * HOUR); // a working day (untilBeijing)
      expect(s0.dispatch).toMatchObject({ acknowledgementDue: `${nextDay}T12:00:00+08:00`, acknowledgementReminderAt: `${nextDay}T10:00:00+08:00` });
      // The work order itself says by when.
      expect(notifications(number, 'work_order')).toEqual([expect.objectContaining({ data: expect.objectContaining({ acknowledgementDue: `${nextDay}T12:00:00+08:00` }) })]);

      await to(handle, `${nextDay}T09:00:00+08:00`);
      const s1 = await act(handle, 'acknowledge', dealer('SH001'), {});
      expect(s1.kpi.acknowledgedOnTime).toBe(true);
      await advance(handle, 2 * 24 * HOUR);
      expect(notifications(number).filter((r) => r.template.startsWith('acknowledgement'))).toEqual([]);
    });
  });

  describe('the reply after a return (SPEC §4)', () => {
    it('starts a new reply clock after an unsatisfied follow-up: its reminder, then one overdue notice to the dealer and the regional manager; "reply on time" is lost', async () => {
      const { number, handle } = await receive({ category: 'service_process' });
      await toFollowUp(handle);
      const s0 = await act(handle, 'follow-up', callCenter, { outcome: 'unsatisfied', note: '客户仍不满意' });
      expect(s0).toMatchObject({ status: 'awaiting_reply', overdue: false, kpi: { repliedOnTime: true } });
      const { replyDue, replyReminderAt, at } = s0.returned!;
      expect(s0.returned!.count).toBe(1);
      expect(ms(replyDue) - ms(at)).toBe(24 * HOUR);
      expect(ms(replyDue) - ms(replyReminderAt)).toBe(4 * HOUR);
      // The dealer is told of the return with its new due time.
      expect(notifications(number, 'returned_to_dealer')).toEqual([expect.objectContaining({ recipients: [{ dealerCode: 'SH001' }], data: expect.objectContaining({ replyDue }) })]);

      await to(handle, replyReminderAt);
      expect(notifications(number, 'reply_due_soon')).toEqual([]);
      await advance(handle, 2 * MINUTE);
      expect(notifications(number, 'reply_due_soon')).toEqual([
        { key: `${number}:returned-reply-reminder:1`, template: 'reply_due_soon', recipients: [{ dealerCode: 'SH001' }], data: expect.objectContaining({ replyDue, returned: 'true' }) },
      ]);

      await to(handle, replyDue);
      expect(await state(handle)).toMatchObject({ overdue: false, kpi: { repliedOnTime: true } });
      await advance(handle, 2 * MINUTE);
      expect(await state(handle)).toMatchObject({ overdue: true, kpi: { repliedOnTime: false } });
      expect(notifications(number, 'reply_overdue')).toEqual([
        { key: `${number}:returned-reply-overdue:1`, template: 'reply_overdue', recipients: [{ dealerCode: 'SH001' }, { region: 'east' }], data: expect.objectContaining({ replyDue, returned: 'true' }) },
      ]);

      await advance(handle, 2 * 24 * HOUR);
      expect(notifications(number, 'reply_due_soon')).toHaveLength(1);
      expect(notifications(number, 'reply_overdue')).toHaveLength(1);
      await keepHistory(handle, 'returned-reply-overdue');
    });

    it('disarms the new reply clock at the dealer’s next reply after a false reply', async () => {
      const { number, handle } = await receive({ category: 'service_process' });
      await toFollowUp(handle);
      await act(handle, 'follow-up', callCenter, { outcome: 'false_reply' });
      await advance(handle, 2 * HOUR);
      const s = await act(handle, 'reply', dealer('SH001'), { text: '重新上门核实并处理', final: false });
      expect(s.returned!.repliedAt).toBeDefined();
      await advance(handle, 30 * HOUR);
      expect(await state(handle)).toMatchObject({ overdue: false, kpi: { repliedOnTime: true, falseReplies: 1 } });
      expect(notifications(number).filter((r) => r.template === 'reply_due_soon' || r.template === 'reply_overdue')).toEqual([]);
    });
  });

  describe('repair requests (报修, seed 002 400抱怨 §6.2)', () => {
    it('runs a repair request on its working-day feedback clock alone: no 24 h reply notices, one feedback overdue notice, its "on time" lost', async () => {
      const { number, handle } = await receive({ kind: 'repair_request', category: 'technical_capability' });
      await act(handle, 'acknowledge', dealer('SH001'), {});
      const s0 = await state(handle);
      const due = s0.dispatch!.repairFeedbackDue!;
      expect(s0.dispatch!.onFeedbackClock).toBe(true);
      expect(due).toMatch(/T16:30:00\+08:00$/);
      expect(notifications(number, 'work_order')).toEqual([expect.objectContaining({ data: expect.objectContaining({ replyDue: due, repairFeedbackDue: due }) })]);

      await to(handle, due);
      expect((await state(handle)).kpi).toMatchObject({ repairFeedbackOnTime: null, repliedOnTime: null });
      expect(notifications(number).filter((r) => r.template === 'reply_due_soon' || r.template === 'reply_overdue')).toEqual([]);
      await advance(handle, 2 * MINUTE);
      expect(await state(handle)).toMatchObject({ overdue: true, kpi: { repairFeedbackOnTime: false, repliedOnTime: false } });
      expect(notifications(number, 'repair_feedback_overdue')).toEqual([expect.objectContaining({ key: `${number}:repair-feedback-overdue:1`, recipients: [{ dealerCode: 'SH001' }] })]);
      await advance(handle, 24 * HOUR);
      expect(notifications(number, 'repair_feedback_overdue')).toHaveLength(1);
      await keepHistory(handle, 'repair-request-feedback-clock');
    });

    it('counts feedback after 24 h but within the working days as on time', async () => {
      const { handle } = await receive({ kind: 'repair_request', category: 'technical_capability' });
      await act(handle, 'acknowledge', dealer('SH001'), {});
      await advance(handle, 30 * HOUR);
      const s = await act(handle, 'reply', dealer('SH001'), { text: '已协调服务商检修，更换传感器', final: true });
      expect(s).toMatchObject({ overdue: false, kpi: { repairFeedbackOnTime: true, repliedOnTime: true } });
    });

    it('lets the call center dispatch a repair request with its repair case, and records the case (the coordinator may leave it out)', async () => {
      const { number, handle } = await receive({ kind: 'repair_request', category: 'technical_capability', dealerCode: undefined });
      const missing = await refusal(act(handle, 'dispatch', callCenter, { dealerCode: 'SH001' }, 'east'));
      expect(missing.type).toBe('IncompleteAction');
      expect(missing.message).toContain('repairCase');
      const s = await act(handle, 'dispatch', callCenter, { dealerCode: 'SH001', repairCase: 'not_yet_at_dealer' }, 'east');
      expect(s).toMatchObject({ status: 'awaiting_acknowledgement', dealerCode: 'SH001', repairCase: 'not_yet_at_dealer' });
      expect(s.events.at(-1)).toMatchObject({ type: 'dispatched', by: 'call_center:cc1', data: expect.objectContaining({ repairCase: 'not_yet_at_dealer' }) });
      expect(await h.models().Complaint.findById(number).lean()).toMatchObject({ repairCase: 'not_yet_at_dealer' });
    });

    it('refuses a call center dispatch of a complaint: the coordinator dispatches complaints', async () => {
      const { handle } = await receive({ dealerCode: undefined });
      const refused = await refusal(act(handle, 'dispatch', callCenter, { dealerCode: 'SH001' }, 'east'));
      expect(refused).toEqual({ type: 'ActionRefused', message: 'the call center dispatches repair requests only: a complaint is dispatched by the coordinator' });
    });
  });

  describe('follow-up (回访, SPEC §3.7; seed 003 投诉回访与统计)', () => {
    it('records how the follow-up was done, by phone unless said, and keeps its numeric ratings as the complaint’s', async () => {
      const { handle } = await receive({ category: 'service_process' });
      await toFollowUp(handle);
      const ratings = { serviceQuality: 4, attitude: 5, priceCheck: 3, overall: 4, shortcomings: '等待时间长', suggestions: '增加休息区' };
      await act(handle, 'follow-up', callCenter, { outcome: 'satisfied', ratings });
      const final = (await handle.result()) as ComplaintState;
      expect(final.kpi.ratings).toEqual({ serviceQuality: 4, attitude: 5, priceCheck: 3, overall: 4 });
      expect(final.events.at(-1)).toMatchObject({ type: 'closed', by: 'call_center:cc1', data: { outcome: 'satisfied', method: 'phone', ratings } });
    });

    it('closes a major complaint only on its regional manager’s visit, and says why it refuses anything else', async () => {
      const { handle } = await receive({ severity: 'major', category: 'service_process' });
      await toFollowUp(handle);
      const byCallCenter = await refusal(act(handle, 'follow-up', callCenter, { outcome: 'satisfied', method: 'phone' }));
      expect(byCallCenter).toEqual({ type: 'ActionRefused', message: 'a major complaint’s satisfied follow-up is a visit by the regional manager of east' });
      expect((await refusal(act(handle, 'follow-up', regionalManager('east'), { outcome: 'satisfied', method: 'phone' }))).type).toBe('ActionRefused');
      expect((await refusal(act(handle, 'follow-up', regionalManager('north'), { outcome: 'satisfied', method: 'visit' }))).type).toBe('NotYourWorkOrder');
      // Calls that find nobody are still the call center's to record.
      expect((await act(handle, 'follow-up', callCenter, { outcome: 'unreachable' })).status).toBe('awaiting_follow_up');
      const s = await act(handle, 'follow-up', regionalManager('east'), { outcome: 'satisfied', method: 'visit', ratings: { overall: 5 } });
      expect(s.status).toBe('closed');
      expect(s.events.at(-1)).toMatchObject({ by: 'regional_manager:rm-east', data: { outcome: 'satisfied', method: 'visit' } });
    });

    it('lets the call center close a major complaint when the policy does not ask for the regional manager’s visit', async () => {
      const shipped = shippedPolicies()[0]!;
      const now = new Date(await h.env().currentTimeMs()).toISOString();
      await savePolicy(h.models(), { ...shipped, version: `visit-off-${now}`, effectiveFrom: now, followUp: { ...shipped.followUp, majorVisitByRegionalManager: false } });
      const { handle, receivedAt } = await receive({ severity: 'major', category: 'service_process' });
      // Complaints received afterwards are back on the shipped rule.
      await savePolicy(h.models(), { ...shipped, version: `visit-on-${now}`, effectiveFrom: new Date(receivedAt.getTime() + 1).toISOString() });
      await toFollowUp(handle);
      expect((await act(handle, 'follow-up', callCenter, { outcome: 'satisfied' })).status).toBe('closed');
    });

    it('refuses a regional manager’s follow-up of a minor complaint', async () => {
      const { handle } = await receive({ category: 'service_process' });
      await toFollowUp(handle);
      expect(await refusal(act(handle, 'follow-up', regionalManager('east'), { outcome: 'satisfied', method: 'visit' }))).toEqual({
        type: 'ActionRefused',
        message: 'the call center follows up minor complaints',
      });
    });

    it('answers another region’s manager as not found, whatever the complaint’s state or severity (SPEC §7)', async () => {
      const { handle } = await receive({ category: 'service_process' });
      // Not awaiting a follow-up, and minor: still "not yours", never a state that tells what the complaint is.
      expect((await refusal(act(handle, 'follow-up', regionalManager('north'), { outcome: 'satisfied', method: 'visit' }))).type).toBe('NotYourWorkOrder');
      expect((await refusal(act(handle, 'acknowledge-major', regionalManager('north'), {}))).type).toBe('NotYourWorkOrder');
    });
  });

  describe('a major complaint and its region’s manager (SPEC §5)', () => {
    it('tells the region’s manager when a complaint that became major gets its dealer, and each region a reassignment brings', async () => {
      const { number, handle } = await receive({ severity: 'major', category: 'service_process', dealerCode: undefined });
      expect(notifications(number, 'major_complaint')).toEqual([expect.objectContaining({ key: `${number}:major`, recipients: [{ role: 'coordinator' }] })]);
      await act(handle, 'dispatch', coordinator, { dealerCode: 'SH001' }, 'east');
      await act(handle, 'reassign', coordinator, { dealerCode: 'BJ002', reason: '客户改去北京服务商', countAgainstPrevious: true }, 'north');
      const told = notifications(number, 'major_complaint');
      expect(told.map((r) => [r.key, r.recipients])).toEqual([
        [`${number}:major`, [{ role: 'coordinator' }]],
        [`${number}:major:dispatch:1`, [{ region: 'east' }]],
        [`${number}:major:dispatch:2`, [{ region: 'north' }]],
      ]);
      expect(told[1]!.data).toMatchObject({ reason: expect.stringContaining('major at receipt'), firstReportDue: expect.any(String) });
      await keepHistory(handle, 'major-dispatched-after-upgrade');
    });

    it('tells the region’s manager once of a complaint major at receipt with its dealer known', async () => {
      const { number } = await receive({ severity: 'major', category: 'service_process' });
      expect(notifications(number, 'major_complaint').map((r) => r.recipients)).toEqual([[{ role: 'coordinator' }, { region: 'east' }]]);
    });
  });

  describe('the customer’s own notices (seeds 000, 001, 003)', () => {
    it('tells a customer who gave an email of the receipt and of the closure, once each, with nothing personal', async () => {
      const { number, handle } = await receive({ customer: { name: '张三', phone: '13800138000', email: 'zhang.san@example.com' } });
      const [receipt] = notifications(number, 'customer_acknowledgement');
      expect(receipt).toMatchObject({ key: `${number}:customer:received`, recipients: [{ customer: number }] });
      expect(Object.keys(receipt!.data).sort()).toEqual(['category', 'kind', 'number', 'policyVersion', 'receivedAt']);
      await act(handle, 'force-close', coordinator, { reason: '客户期望无法满足' });
      const closure = notifications(number, 'customer_closure');
      expect(closure).toEqual([expect.objectContaining({ key: `${number}:customer:closed`, recipients: [{ customer: number }] })]);
      expect(Object.keys(closure[0]!.data).sort()).toEqual(['category', 'closedAt', 'kind', 'number', 'policyVersion', 'receivedAt', 'status']);
      expect(JSON.stringify([receipt, closure])).not.toMatch(/张三|13800138000|zhang/);
      expect(notifications(number, 'customer_acknowledgement')).toHaveLength(1);
      await keepHistory(handle, 'customer-notices');
    });

    it('tells no customer who gave no email', async () => {
      const { number, handle } = await receive({ category: 'service_process' });
      await act(handle, 'force-close', coordinator, { reason: '重复抱怨' });
      expect(notifications(number).filter((r) => r.template.startsWith('customer'))).toEqual([]);
    });
  });

  describe('evidence after intake', () => {
    it('records files the dealer, the coordinator and the call center add to an open complaint, and refuses anyone else', async () => {
      const { number, handle } = await receive({ category: 'service_process' });
      const s = await addEvidence(handle, dealer('SH001'), { attachmentIds: [`${number}:e1a2b3`], note: '维修前照片' });
      expect(s.events.at(-1)).toMatchObject({ type: 'evidence_added', by: 'dealer:d-SH001', data: { attachmentIds: [`${number}:e1a2b3`], note: '维修前照片' } });
      await addEvidence(handle, coordinator, { attachmentIds: [`${number}:e4c5d6`] });
      await addEvidence(handle, callCenter, { attachmentIds: [`${number}:e7e8f9`, `${number}:e0a1b2`] });
      expect((await refusal(addEvidence(handle, dealer('BJ002'), { attachmentIds: [`${number}:e3c4d5`] }))).type).toBe('NotYourWorkOrder');
      expect((await refusal(addEvidence(handle, regionalManager('east'), { attachmentIds: [`${number}:e6e7f8`] }))).type).toBe('ActionRefused');
      const final = await state(handle);
      expect(final.events.filter((e) => e.type === 'evidence_added').map((e) => e.by)).toEqual(['dealer:d-SH001', 'coordinator:c1', 'call_center:cc1']);
      const doc = await h.models().Complaint.findById(number).lean();
      expect(doc!.history.filter((e) => e.type === 'evidence_added')).toHaveLength(3);
      await keepHistory(handle, 'evidence');
    });

    it('keeps the files a major complaint’s written report carries', async () => {
      const { number, handle } = await receive({ category: 'service_process' });
      await act(handle, 'upgrade', coordinator, { reason: '媒体曝光' });
      const s = await act(handle, 'written-report', dealer('SH001'), { summary: '事件经过与整改措施', attachmentIds: [`${number}:e9f8e7`] });
      expect(s.events.at(-1)).toMatchObject({ type: 'written_report', data: { summary: '事件经过与整改措施', attachmentIds: [`${number}:e9f8e7`] } });
    });
  });
});
