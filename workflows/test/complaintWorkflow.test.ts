import type { WorkflowHandle } from '@temporalio/client';
import { ClosureDeadlineKey, ComplaintStatusKey, DealerCodeKey, EscalatedKey, OverdueKey, SeverityKey, actionUpdates, getStateQuery, type ComplaintState } from '../src';
import { eventually } from '../../test/support';
import { HOUR, MINUTE, callCenter, coordinator, dealer, qualityReply, useWorkflowHarness } from './harness';

describe('complaint workflow (time-skipping test server, real activities, FerretDB and SMTP)', () => {
  const h = useWorkflowHarness('wf');
  const { to, receive, startOnly, act, refusal, state, keepHistory, mails, advance, settled } = h;

  it('runs the whole loop: routed to the dealer, confirmed, contacted, replied, closure requested, satisfied follow-up, closed', async () => {
    const { number, handle } = await receive({ category: 'product_quality' });
    let s = await settled(handle);
    expect(s).toMatchObject({ status: 'awaiting_acknowledgement', dealerCode: 'SH001', region: 'east', attributedDealerCode: 'SH001' });
    expect((await handle.describe()).typedSearchAttributes.get(ComplaintStatusKey)).toBe('awaiting_acknowledgement');

    s = await act(handle, 'acknowledge', dealer('SH001'), {});
    expect(s.status).toBe('awaiting_reply');
    s = await act(handle, 'contact', dealer('SH001'), { note: '已电话联系客户' });
    s = await act(handle, 'reply', dealer('SH001'), qualityReply);
    expect(s.status).toBe('awaiting_closure_request');
    s = await act(handle, 'request-closure', coordinator, {});
    expect(s.status).toBe('awaiting_follow_up');
    s = await act(handle, 'follow-up', callCenter, { outcome: 'satisfied', ratings: { overall: 5, attitude: 5 } });
    expect(s.status).toBe('closed');

    const final = (await handle.result()) as ComplaintState;
    expect(final.kpi).toMatchObject({ repliedOnTime: true, contactedOnTime: true, closedWithinDeadline: true, firstTimeClosure: true, followUps: 1, falseReplies: 0 });
    expect(final.events.map((e) => e.type)).toEqual(['received', 'dispatched', 'acknowledged', 'customer_contacted', 'replied', 'closure_requested', 'closed']);

    const doc = await h.models().Complaint.findById(number).lean();
    expect(doc).toMatchObject({ status: 'closed', dealerCode: 'SH001', region: 'east', kpi: { firstTimeClosure: true }, eventCount: 7 });
    expect(doc!.history.map((e) => e.type)).toEqual(final.events.map((e) => e.type));

    const sent = await mails(number);
    expect(sent).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ to: to('coordinator'), subject: expect.stringContaining('新抱怨已受理') }),
        expect.objectContaining({ to: to('sh001'), subject: expect.stringContaining('服务派工单') }),
        expect.objectContaining({ to: to('coordinator'), subject: expect.stringContaining('待申请关闭') }),
        expect.objectContaining({ to: to('callcenter'), subject: expect.stringContaining('待回访') }),
      ]),
    );
    expect(sent).toHaveLength(4);
    await keepHistory(handle, 'happy-path');
  });

  it.each([
    ['a reply before the work order is confirmed', 'reply', () => dealer('SH001'), { text: '处理中', final: false }, 'ActionRefused'],
    ['a follow-up before a closure request', 'follow-up', () => callCenter, { outcome: 'satisfied' }, 'ActionRefused'],
    ['a closure request without a final reply', 'request-closure', () => coordinator, {}, 'ActionRefused'],
    ['another dealer confirming the work order', 'acknowledge', () => dealer('BJ002'), {}, 'NotYourWorkOrder'],
    ['a dispatch of a complaint already with a dealer', 'dispatch', () => coordinator, { dealerCode: 'BJ002' }, 'ActionRefused'],
    ['a written report on a minor complaint', 'written-report', () => dealer('SH001'), { summary: '报告' }, 'ActionRefused'],
  ] as const)('refuses %s', async (_what, action, actor, input, type) => {
    const { handle } = await receive();
    await settled(handle);
    const refused = await refusal(act(handle, action, actor(), input as never));
    expect(refused.type).toBe(type);
    expect((await state(handle)).events).toHaveLength(2); // received, dispatched: nothing recorded for the refusal
  });

  it('refuses a product quality reply without cause, defect and parts', async () => {
    const { handle } = await receive({ category: 'product_quality' });
    await act(handle, 'acknowledge', dealer('SH001'), {});
    const refused = await refusal(act(handle, 'reply', dealer('SH001'), { text: '已修好', final: true }));
    expect(refused).toEqual({ type: 'IncompleteAction', message: 'a product_quality reply must give cause, qualityDefect, partsReplaced' });
    await expect(act(handle, 'reply', dealer('SH001'), qualityReply)).resolves.toMatchObject({ status: 'awaiting_closure_request' });
  });

  async function toFollowUp(handle: WorkflowHandle) {
    await act(handle, 'acknowledge', dealer('SH001'), {});
    await act(handle, 'contact', dealer('SH001'), {});
    await act(handle, 'reply', dealer('SH001'), { text: '已道歉并退还费用', final: true });
    return act(handle, 'request-closure', coordinator, {});
  }

  it('returns the complaint to the dealer after an unsatisfied follow-up, and it is then no first-time closure', async () => {
    const { number, handle } = await receive({ category: 'service_process' });
    await toFollowUp(handle);
    let s = await act(handle, 'follow-up', callCenter, { outcome: 'unsatisfied', note: '客户仍不满意' });
    expect(s.status).toBe('awaiting_reply');
    await act(handle, 'reply', dealer('SH001'), { text: '再次上门处理', final: true });
    await act(handle, 'request-closure', coordinator, {});
    s = await act(handle, 'follow-up', callCenter, { outcome: 'satisfied' });
    expect(s).toMatchObject({ status: 'closed', closureRequests: 2, kpi: { firstTimeClosure: false, unsatisfied: 1, followUps: 2 } });
    await settled(handle);
    expect((await mails(number)).filter((m) => m.subject.includes('回访不满意'))).toEqual([{ to: to('sh001'), subject: expect.stringContaining('不满意') }]);
    await keepHistory(handle, 'returned-to-dealer');
  });

  it('counts a false reply against the dealer and sends the complaint back', async () => {
    const { handle } = await receive({ category: 'service_process' });
    await toFollowUp(handle);
    const s = await act(handle, 'follow-up', callCenter, { outcome: 'false_reply' });
    expect(s).toMatchObject({ status: 'awaiting_reply', kpi: { falseReplies: 1, firstTimeClosure: false } });
  });

  it('closes as unreachable after the policy’s three attempts', async () => {
    const { handle } = await receive({ category: 'service_process' });
    await toFollowUp(handle);
    expect((await act(handle, 'follow-up', callCenter, { outcome: 'unreachable' })).status).toBe('awaiting_follow_up');
    expect((await act(handle, 'follow-up', callCenter, { outcome: 'unreachable' })).status).toBe('awaiting_follow_up');
    const s = await act(handle, 'follow-up', callCenter, { outcome: 'unreachable' });
    expect(s).toMatchObject({ status: 'closed_unreachable', followUpAttempts: 3, kpi: { unreachable: true } });
    await keepHistory(handle, 'unreachable');
  });

  it('force-closes with a reason', async () => {
    const { handle } = await receive();
    const s = await act(handle, 'force-close', coordinator, { reason: '客户期望无法满足' });
    expect(s).toMatchObject({ status: 'force_closed', closeReason: '客户期望无法满足', kpi: { forcedClosure: true } });
    expect(((await handle.result()) as ComplaintState).status).toBe("force_closed");
  });

  it('reassigns to another dealer, which gets its own work order, while the complaint still counts against the first', async () => {
    const { number, handle } = await receive();
    await act(handle, 'acknowledge', dealer('SH001'), {});
    const s = await act(handle, 'reassign', coordinator, { dealerCode: 'BJ002', reason: '客户因首家服务商未修好改去其他服务商', countAgainstPrevious: true }, 'north');
    expect(s).toMatchObject({ status: 'awaiting_acknowledgement', dealerCode: 'BJ002', region: 'north', attributedDealerCode: 'SH001' });
    expect((await refusal(act(handle, 'reply', dealer('SH001'), { text: 'x', final: false }))).type).toBe('NotYourWorkOrder');
    await act(handle, 'acknowledge', dealer('BJ002'), {});
    await settled(handle);
    expect((await mails(number)).filter((m) => m.subject.includes('服务派工单')).map((m) => m.to).sort()).toEqual([to('bj002'), to('sh001')].sort());
    await keepHistory(handle, 'reassigned');
  });

  it('waits for the coordinator to dispatch a complaint whose dealer is not known, then sends the work order', async () => {
    const { number, handle } = await receive({ dealerCode: undefined, category: 'parts_supply' });
    const waiting = await state(handle);
    expect(waiting.status).toBe('awaiting_dispatch');
    expect(waiting.dispatch).toBeUndefined();
    const s = await act(handle, 'dispatch', coordinator, { dealerCode: 'SH002', suggestion: '请先核实备件库存' }, 'east');
    expect(s).toMatchObject({ status: 'awaiting_acknowledgement', dealerCode: 'SH002', region: 'east' });
    const workOrder = (await mails(number)).filter((m) => m.to === to('sh002'));
    expect(workOrder).toEqual([{ to: to('sh002'), subject: expect.stringMatching(/^\[Work order\]/) }]); // SH002 reads English
    await keepHistory(handle, 'coordinator-dispatch');
  });

  it('upgrades to major on the coordinator’s word, and takes the dealer’s written report', async () => {
    const { number, handle } = await receive({ category: 'service_process' });
    let s = await act(handle, 'upgrade', coordinator, { reason: '媒体曝光' });
    expect(s).toMatchObject({ severity: 'major', major: { reason: '媒体曝光' } });
    expect((await refusal(act(handle, 'upgrade', coordinator, { reason: '再次' }))).message).toBe('the complaint is already major');
    s = await act(handle, 'written-report', dealer('SH001'), { summary: '事件经过与整改措施' });
    expect(s.major!.writtenReportAt).toBeDefined();
    await advance(handle, 3 * 24 * HOUR);
    expect((await mails(number)).filter((m) => m.subject.includes('书面报告'))).toEqual([]); // the report came in time
    await keepHistory(handle, 'major-upgrade');
  });

  it('tells the coordinator and the regional manager at once of a complaint major at receipt', async () => {
    const { number, handle } = await receive({ severity: 'major', category: 'service_process' });
    expect((await state(handle)).major).toMatchObject({ reason: expect.stringContaining('major at receipt') });
    expect((await mails(number)).filter((m) => m.subject.includes('重大抱怨】')).map((m) => m.to).sort()).toEqual([to('coordinator'), to('rm-east')].sort());
    const acknowledged = await act(handle, 'acknowledge-major', { sub: 'rm', role: 'regional_manager', region: 'east' }, {});
    expect(acknowledged.major!.acknowledgedAt).toBeDefined();
    await advance(handle, 15 * MINUTE);
    expect((await mails(number)).filter((m) => m.subject.includes('首次报告'))).toEqual([]); // acknowledged in time: no escalation
    await keepHistory(handle, 'major-at-receipt');
  });

  it('lets the call center answer an inquiry without a dealer', async () => {
    const { number, handle } = await receive({ kind: 'inquiry', dealerCode: undefined });
    expect((await settled(handle)).status).toBe('awaiting_reply');
    expect((await refusal(act(handle, 'dispatch', coordinator, { dealerCode: 'SH001' }, 'east'))).type).toBe('ActionRefused');
    const s = await act(handle, 'reply', callCenter, { text: '保养周期为一万公里', final: true });
    expect(s.status).toBe('closed');
    await settled(handle);
    expect((await mails(number)).map((m) => m.to)).toEqual([to('callcenter')]);
    await keepHistory(handle, 'inquiry');
  });

  describe('clocks', () => {
    it('reminds the dealer 4 h before the reply is due, and marks it overdue at 24 h, not before', async () => {
      const { number, handle } = await receive({ category: 'service_process' });
      await act(handle, 'acknowledge', dealer('SH001'), {});
      await advance(handle, 20 * HOUR - MINUTE);
      expect((await mails(number)).filter((m) => m.subject.includes('回复即将到期'))).toHaveLength(0);
      await advance(handle, 2 * MINUTE);
      expect((await mails(number)).filter((m) => m.subject.includes('回复即将到期'))).toEqual([{ to: to('sh001'), subject: expect.any(String) }]);

      await advance(handle, 4 * HOUR - 2 * MINUTE); // 23 h 59 min after dispatch
      let s = await state(handle);
      expect(s.overdue).toBe(false);
      expect((await handle.describe()).typedSearchAttributes.get(OverdueKey)).toBe(false);
      await advance(handle, 2 * MINUTE);
      s = await state(handle);
      expect(s).toMatchObject({ overdue: true, kpi: { repliedOnTime: false } });
      expect((await handle.describe()).typedSearchAttributes.get(OverdueKey)).toBe(true);
      const overdue = (await mails(number)).filter((m) => m.subject.includes('回复超时')).map((m) => m.to);
      expect(overdue.sort()).toEqual([to('rm-east'), to('sh001')].sort());
      await keepHistory(handle, 'reply-overdue');
    });

    it('does nothing when the reply came before the deadline', async () => {
      const { number, handle } = await receive({ category: 'service_process' });
      await act(handle, 'acknowledge', dealer('SH001'), {});
      await advance(handle, 3 * HOUR);
      await act(handle, 'reply', dealer('SH001'), { text: '已安排维修', final: false });
      await advance(handle, 30 * HOUR);
      expect(await state(handle)).toMatchObject({ overdue: false, kpi: { repliedOnTime: true } });
      expect((await mails(number)).filter((m) => /回复(超时|即将到期)/.test(m.subject))).toEqual([]);
    });

    it('marks the closure deadline passed at 16:30 on its day, not a minute before', async () => {
      const { number, handle } = await receive({ category: 'product_quality' });
      await act(handle, 'acknowledge', dealer('SH001'), {});
      await act(handle, 'reply', dealer('SH001'), { ...qualityReply, final: false });
      const s0 = await state(handle);
      const deadline = new Date(s0.deadlines!.closureDeadline!).getTime();
      expect(s0.deadlines!.closureDeadline).toMatch(/T16:30:00\+08:00$/);
      expect((await handle.describe()).typedSearchAttributes.get(ClosureDeadlineKey)).toEqual(new Date(deadline));

      await advance(handle, deadline - (await h.env().currentTimeMs()) - MINUTE);
      expect((await state(handle)).kpi.closedWithinDeadline).toBeNull();
      expect((await mails(number)).filter((m) => m.subject.includes('闭环超时'))).toHaveLength(0);
      expect((await mails(number)).filter((m) => m.subject.includes('闭环时限将至'))).toEqual([{ to: to('sh001'), subject: expect.any(String) }]);
      await advance(handle, 2 * MINUTE);
      expect(await state(handle)).toMatchObject({ overdue: true, kpi: { closedWithinDeadline: false } });
      const overdue = (await mails(number)).filter((m) => m.subject.includes('闭环超时')).map((m) => m.to);
      expect(overdue.sort()).toEqual([to('coordinator'), to('rm-east'), to('sh001')].sort());
      await keepHistory(handle, 'closure-overdue');
    });

    it('arms a far-off clock again shortly before it runs out, in a task that writes nothing, so that a slow task cannot make it late', async () => {
      // A timer starts when the task that arms it completes; a task that waited on the read model
      // would add its wait to the clock. The one that runs out at the deadline is armed a minute before.
      const { handle } = await receive({ category: 'product_quality' });
      await act(handle, 'acknowledge', dealer('SH001'), {});
      const deadline = new Date((await state(handle)).deadlines!.closureDeadline!).getTime();
      await advance(handle, deadline - (await h.env().currentTimeMs()) + MINUTE);
      expect((await state(handle)).kpi.closedWithinDeadline).toBe(false);
      const events = (await handle.fetchHistory()).events!;
      const at = (e: (typeof events)[number]) => Number(e.eventTime!.seconds) * 1000 + Math.round((e.eventTime!.nanos ?? 0) / 1e6);
      const fired = events.find((e) => e.timerFiredEventAttributes && at(e) >= deadline)!;
      const started = events.find((e) => e.timerStartedEventAttributes?.timerId === fired.timerFiredEventAttributes!.timerId)!;
      const armedFor = Number(started.timerStartedEventAttributes!.startToFireTimeout!.seconds) * 1000;
      expect(armedFor).toBeLessThanOrEqual(2 * MINUTE);
    });

    it('asks for the overdue emails in the task the closure clock wakes, beside the history\'s write and not after it', async () => {
      // At the cutoff hundreds of complaints run out at once: a task that waited on its own write to
      // the read model before its emails left would hold every notice back by the queue of writes.
      const { handle } = await receive({ category: 'product_quality' });
      await act(handle, 'acknowledge', dealer('SH001'), {});
      const deadline = new Date((await state(handle)).deadlines!.closureDeadline!).getTime();
      await advance(handle, deadline - (await h.env().currentTimeMs()) + MINUTE);
      expect((await state(handle)).kpi.closedWithinDeadline).toBe(false);
      const events = (await handle.fetchHistory()).events!;
      const id = (e: (typeof events)[number]) => Number(e.eventId);
      const email = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendNotification' && id(e) > id(events.find((f) => f.timerFiredEventAttributes && Number(f.eventTime!.seconds) * 1000 >= deadline - 1000)!))!;
      const task = Number(email.activityTaskScheduledEventAttributes!.workflowTaskCompletedEventId);
      const inTask = events.filter((e) => id(e) > task && (e.activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId ?? e.markerRecordedEventAttributes?.workflowTaskCompletedEventId) !== undefined && Number((e.activityTaskScheduledEventAttributes ?? e.markerRecordedEventAttributes)!.workflowTaskCompletedEventId) === task);
      // The history's write is an activity of the same task, and the task waited on no local write.
      expect(inTask.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? 'local')).toEqual(expect.arrayContaining(['recordEvent', 'sendNotification']));
      expect(inTask.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toEqual([]);
      await keepHistory(handle, 'emails-beside-projections');
    });

    it('upgrades to major after 10 days unresolved, tells coordinator and regional manager, and runs the major clocks', async () => {
      const { number, handle } = await receive({ category: 'service_process' });
      await act(handle, 'acknowledge', dealer('SH001'), {});
      await act(handle, 'reply', dealer('SH001'), { text: '处理中', final: false });
      await advance(handle, 10 * 24 * HOUR - MINUTE);
      expect((await state(handle)).severity).toBe('minor');
      await advance(handle, 2 * MINUTE);
      const s = await state(handle);
      expect(s.severity).toBe('major');
      expect((await handle.describe()).typedSearchAttributes.get(SeverityKey)).toBe('major');
      expect((await mails(number)).filter((m) => m.subject.includes('重大抱怨】')).map((m) => m.to).sort()).toEqual([to('coordinator'), to('rm-east')].sort());

      // 10 minutes: nobody acknowledged → the coordinator is told the first-report clock was missed.
      await advance(handle, 10 * MINUTE);
      expect((await mails(number)).filter((m) => m.subject.includes('首次报告'))).toEqual([{ to: to('coordinator'), subject: expect.any(String) }]);
      // 12 hours without an agreed solution → the coordinator's head.
      await advance(handle, 12 * HOUR);
      expect((await mails(number)).filter((m) => m.subject.includes('商定解决方案'))).toEqual([{ to: to('head'), subject: expect.any(String) }]);
      // 2 days without the written report → dealer and regional manager.
      await advance(handle, 36 * HOUR);
      expect((await mails(number)).filter((m) => m.subject.includes('书面报告')).map((m) => m.to).sort()).toEqual([to('rm-east'), to('sh001')].sort());
      await keepHistory(handle, 'major-clocks');
    });

    it('escalates to headquarters after 3 months unclosed and stays open', async () => {
      const { number, handle, receivedAt } = await receive({ category: 'service_process' });
      await act(handle, 'acknowledge', dealer('SH001'), {});
      await act(handle, 'reply', dealer('SH001'), { text: '处理中', final: false });
      const escalationAt = new Date((await state(handle)).deadlines!.escalationAt!).getTime();
      expect(escalationAt - receivedAt.getTime()).toBeGreaterThan(88 * 24 * HOUR);
      await advance(handle, escalationAt - (await h.env().currentTimeMs()) + MINUTE);
      const s = await state(handle);
      expect(s.escalated).toBe(true);
      expect((await handle.describe()).typedSearchAttributes.get(EscalatedKey)).toBe(true);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      // Headquarters reads English (the test directory says so).
      expect((await mails(number)).filter((m) => m.to === to('hq'))).toEqual([{ to: to('hq'), subject: expect.stringContaining('Open for 3 months: escalated') }]);
      await keepHistory(handle, 'escalation');
    });

    it('reminds the call center when the follow-up is 24 h late', async () => {
      const { number, handle } = await receive({ category: 'service_process' });
      await toFollowUp(handle);
      await advance(handle, 24 * HOUR + MINUTE);
      expect((await mails(number)).filter((m) => m.subject.includes('回访超时'))).toEqual([{ to: to('callcenter'), subject: expect.any(String) }]);
      await keepHistory(handle, 'follow-up-reminder');
    });

    it('runs an internet complaint on its 24 h contact clock', async () => {
      const { number, handle } = await receive({ channel: 'internet', category: 'service_process', url: 'https://bbs.example.com/t/1', customer: { name: '网友' } });
      await act(handle, 'acknowledge', dealer('SH001'), {});
      await act(handle, 'reply', dealer('SH001'), { text: '已在论坛回复', final: false });
      await advance(handle, 24 * HOUR + MINUTE);
      expect(await state(handle)).toMatchObject({ overdue: true, kpi: { contactedOnTime: false } });
      expect((await mails(number)).filter((m) => m.subject.includes('联系客户超时')).map((m) => m.to).sort()).toEqual([to('rm-east'), to('sh001')].sort());
      await keepHistory(handle, 'internet-contact-overdue');
    });

    it('gives a repair request its feedback deadline in working days', async () => {
      const { number, handle } = await receive({ kind: 'repair_request', category: 'technical_capability' });
      await settled(handle);
      const due = (await state(handle)).dispatch!.repairFeedbackDue!;
      expect(due).toMatch(/T16:30:00\+08:00$/);
      await advance(handle, new Date(due).getTime() - (await h.env().currentTimeMs()) + MINUTE);
      expect((await mails(number)).filter((m) => m.subject.includes('报修反馈超时'))).toEqual([{ to: to('sh001'), subject: expect.any(String) }]);
      await keepHistory(handle, 'repair-request');
    });
  });

  it('shows an action in the Temporal UI at once, while an earlier email is still being retried', async () => {
    h.transport().available = false;
    const { handle } = await startOnly({ dealerCode: undefined });
    try {
      await h.env().sleep(10 * MINUTE); // the receipt email is failing
      await handle.executeUpdate(actionUpdates.dispatch, { args: [{ actor: coordinator, input: { dealerCode: 'SH001' }, region: 'east' }] });
      expect((await handle.query(getStateQuery)).idle).toBe(false); // the email still waits
      expect((await handle.describe()).typedSearchAttributes.get(ComplaintStatusKey)).toBe('awaiting_acknowledgement');
      expect((await handle.describe()).typedSearchAttributes.get(DealerCodeKey)).toBe('SH001');
    } finally {
      h.transport().available = true;
    }
    await settled(handle);
  });

  it('keeps retrying an email while SMTP is down and sends it exactly once when it is back', async () => {
    h.transport().available = false;
    const { number, handle } = await startOnly({ dealerCode: undefined });
    try {
      await h.env().sleep(2 * HOUR); // the send is failing: the workflow cannot settle yet
      expect(h.transport().refused).toBeGreaterThanOrEqual(3);
      expect(await mails(number)).toHaveLength(0);
    } finally {
      h.transport().available = true;
    }
    await advance(handle, 10 * MINUTE);
    expect(await mails(number)).toEqual([{ to: to('coordinator'), subject: expect.stringContaining(number) }]);
    await advance(handle, HOUR);
    expect(await mails(number)).toHaveLength(1);
    expect((await state(handle)).status).toBe('awaiting_dispatch');
  });

  it('sends again within half a minute an email whose first attempt never reached the notifier', async () => {
    // Under load Temporal can hand a task to a poll that is already gone: the attempt counts as
    // started, and nothing runs it (seen at the 16:30 burst). Without a sign of life it is tried again.
    const { number, handle } = await startOnly();
    h.loseFirstAttempt(`${number}:received`);
    await eventually(() => state(handle), (s) => s.events.length >= 2);
    await h.env().sleep(30_000);
    await eventually(() => mails(number), (m) => m.some((e) => e.subject.includes('新抱怨已受理')), 10_000);
    await settled(handle);
    expect((await mails(number)).filter((e) => e.subject.includes('新抱怨已受理'))).toEqual([{ to: to('coordinator'), subject: expect.any(String) }]);
    expect(h.notifications(number, 'complaint_received')).toHaveLength(1);
    await keepHistory(handle, 'lost-send-attempt');
  });

  it('writes the dealer’s confirmation into the read model at once while SMTP is down, and sends each email once when it is back', async () => {
    h.transport().available = false;
    const { number, handle } = await startOnly();
    const history = async () => ((await h.models().Complaint.findById(number).lean())?.history ?? []).map((e) => e.type);
    try {
      // The receipt email and the work order are failing; the history must not wait for them.
      await eventually(() => state(handle), (s) => s.events.length >= 2);
      await h.env().sleep(10 * MINUTE);
      expect(h.transport().refused).toBeGreaterThanOrEqual(2);
      await handle.executeUpdate(actionUpdates.acknowledge, { args: [{ actor: dealer('SH001'), input: {} }] });

      // Within seconds of real time: what a scorecard frozen now would read.
      const doc = await eventually(() => h.models().Complaint.findById(number).lean(), (d) => d?.status === 'awaiting_reply', 5_000);
      expect(doc).toMatchObject({ status: 'awaiting_reply', eventCount: 3 });
      expect(await history()).toEqual(['received', 'dispatched', 'acknowledged']);
      expect((await state(handle)).idle).toBe(false); // the emails still wait
      expect(await mails(number)).toHaveLength(0);
    } finally {
      h.transport().available = true;
    }
    await advance(handle, 10 * MINUTE);
    await advance(handle, HOUR); // room for a second send of either email
    const sent = await mails(number);
    expect(sent).toEqual(
      expect.arrayContaining([
        { to: to('coordinator'), subject: expect.stringContaining('新抱怨已受理') },
        { to: to('sh001'), subject: expect.stringContaining('服务派工单') },
      ]),
    );
    expect(sent).toHaveLength(2);
    expect(await history()).toEqual(['received', 'dispatched', 'acknowledged']);
    await keepHistory(handle, 'smtp-outage');
  });

});
