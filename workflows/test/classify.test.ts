import { computeDeadlines, WorkingCalendar } from '@complaints/shared';
import { shippedCalendars } from '@complaints/runtime/src/rules';
import { callCenter, coordinator, dealer, HOUR, qualityReply, useWorkflowHarness } from './harness';

// SPEC §3.2 分类: the coordinator corrects the kind, category or severity the customer picked, with
// a reason, until closure. The deadlines follow from the complaint's own policy and receipt time;
// a downgrade stops the major clocks; a kind in or out of the dealer loop starts or ends the work
// order as a new complaint of that kind would; the read model and the dealer's email follow.

const ms = (iso: string) => new Date(iso).getTime();
const DAY = 24 * HOUR;

describe('classify (time-skipping test server, real activities)', () => {
  const h = useWorkflowHarness('classify');

  it('another category: the closure deadline is counted again from receipt, and the dealer is told', async () => {
    await h.untilBeijing('10:00');
    const { number, handle } = await h.receive({ category: 'product_quality' });
    const classified = await h.act(handle, 'classify', coordinator, { category: 'service_process', reason: '客户反映的是服务流程问题' });
    expect(classified.events.at(-1)).toMatchObject({
      type: 'classified',
      by: 'coordinator:c1',
      data: { from: { category: 'product_quality' }, to: { category: 'service_process' }, reason: '客户反映的是服务流程问题' },
    });
    const after = await h.state(handle);
    expect(after.facts.category).toBe('service_process');
    // 3 days for the service process instead of 7 (the shipped policy), from the same receipt: as if received so.
    const asReceived = computeDeadlines({ receivedAt: after.facts.receivedAt, kind: 'complaint', category: 'service_process' }, after.policy!, new WorkingCalendar(shippedCalendars()));
    expect(after.deadlines!.closureDeadline).toBe(asReceived.closureDeadline);
    const doc = await h.models().Complaint.findById(number).lean();
    expect(doc).toMatchObject({ category: 'service_process', kind: 'complaint' });
    expect(doc!.closureDeadline!.toISOString()).toBe(new Date(after.deadlines!.closureDeadline!).toISOString());
    const told = h.notifications(number, 'reclassified');
    expect(told.map((n) => n.recipients)).toEqual([[{ dealerCode: 'SH001' }]]);
    expect(told[0]!.data).toMatchObject({ previousCategory: 'product_quality', category: 'service_process', closureDeadline: after.deadlines!.closureDeadline, withdrawn: '' });
    await h.keepHistory(handle, 'classified-category');
  });

  it('a closure deadline that ran out under the wrong category: the longer one of the right category is armed again, and the dealer not yet judged late', async () => {
    await h.untilBeijing('10:00');
    const { number, handle } = await h.receive({ category: 'service_process' });
    const first = (await h.state(handle)).deadlines!.closureDeadline!;
    await h.advance(handle, ms(first) - (await h.env().currentTimeMs()) + HOUR);
    const late = await h.state(handle);
    expect(late.kpi.closedWithinDeadline).toBe(false);
    await h.act(handle, 'classify', coordinator, { category: 'parts_supply', reason: '实为配件供应问题，时限 7 天' });
    const after = await h.state(handle);
    // 7 calendar days instead of 3, from the same receipt (each moved on past non-working days): ahead again.
    expect(ms(after.deadlines!.closureDeadline!)).toBeGreaterThan(Math.max(ms(first), await h.env().currentTimeMs()));
    expect(after.kpi.closedWithinDeadline).toBeNull();
    // Armed again under ids of their own: the overdue notice would be sent again, not swallowed as a repeat.
    expect(after.closureRound).toBe(1);
    expect(after.firedClocks).not.toContain('closure-overdue:1');
    expect(after.overdue).toBe(true); // the first dealer's reply was late: that stays
    // Closed by the new deadline: within it.
    await h.act(handle, 'acknowledge', dealer('SH001'), {});
    await h.act(handle, 'reply', dealer('SH001'), { text: '配件已到货并更换', final: true });
    await h.act(handle, 'request-closure', coordinator, {});
    const closed = await h.act(handle, 'follow-up', callCenter, { outcome: 'satisfied' });
    expect(closed.kpi.closedWithinDeadline).toBe(true);
    expect(h.notifications(number, 'closure_overdue')).toHaveLength(1); // the one sent under the old deadline, not again
  });

  it('classified minor again: the major clocks stop, and nobody is told of a missed first report', async () => {
    const { number, handle } = await h.receive({ severity: 'major' });
    expect((await h.state(handle)).major).toBeDefined();
    const after = await h.act(handle, 'classify', coordinator, { severity: 'minor', reason: '经核实无人身伤害，非重大' });
    expect(after.severity).toBe('minor');
    expect(after.major?.downgradedAt).toBeDefined();
    await h.advance(handle, 3 * HOUR);
    expect(h.notifications(number, 'major_clock_missed')).toEqual([]);
    // Nor does the 10-day rule make it major again behind the coordinator's back.
    await h.advance(handle, 11 * DAY);
    expect((await h.state(handle)).severity).toBe('minor');
    expect(await h.refusal(h.act(handle, 'written-report', dealer('SH001'), { summary: '书面报告' }))).toMatchObject({ type: 'ActionRefused' });
    expect((await h.models().Complaint.findById(number).lean())!.severity).toBe('minor');
  });

  it('a complaint that is an inquiry: the dealer’s work order is withdrawn, its clocks stop, and the call center answers', async () => {
    const { number, handle } = await h.receive();
    await h.act(handle, 'acknowledge', dealer('SH001'), {});
    const after = await h.act(handle, 'classify', coordinator, { kind: 'inquiry', reason: '客户只是咨询保养周期' });
    expect(after.status).toBe('awaiting_reply');
    expect(after.dispatch).toBeUndefined();
    expect(after.events.at(-1)!.data).toMatchObject({ withdrawnFrom: 'SH001' });
    await h.advance(handle, 2 * DAY);
    // No reminder or overdue notice to the dealer; the call center's own answer clock ran from receipt.
    expect(h.notifications(number).filter((n) => n.recipients.some((r) => 'dealerCode' in r)).map((n) => n.template)).toEqual(['work_order', 'reclassified']);
    expect(h.notifications(number, 'reply_overdue').map((n) => n.recipients)).toEqual([[{ role: 'call_center' }]]);
    expect(h.notifications(number, 'reclassified').map((n) => [n.recipients, n.data.withdrawn])).toEqual([[[{ dealerCode: 'SH001' }], 'yes']]);
    expect(await h.refusal(h.act(handle, 'reply', dealer('SH001'), { text: '已处理', final: false }))).toMatchObject({ type: 'ActionRefused' });
    const answered = await h.act(handle, 'reply', callCenter, { text: '保养周期为一万公里', final: true });
    expect(answered.status).toBe('closed');
    expect((await h.models().Complaint.findById(number).lean())!.kind).toBe('inquiry');
  });

  it('an inquiry that is a complaint: routed to the customer’s dealer as a new complaint would be', async () => {
    const { number, handle } = await h.receive({ kind: 'inquiry', channel: 'hotline' });
    expect((await h.state(handle)).status).toBe('awaiting_reply');
    const after = await h.act(handle, 'classify', coordinator, { kind: 'complaint', reason: '客户投诉维修质量' });
    expect(after).toMatchObject({ status: 'awaiting_acknowledgement', dealerCode: 'SH001' });
    const state = await h.state(handle);
    expect(state.deadlines!.closureDeadline).toBeDefined();
    expect(h.notifications(number, 'work_order').map((n) => n.recipients)).toEqual([[{ dealerCode: 'SH001' }]]);
    expect(h.notifications(number, 'reclassified')).toEqual([]); // the dealer has its work order
  });

  it('refused when nothing would change, and a change of kind once the call center has followed it up', async () => {
    const { handle } = await h.receive();
    expect(await h.refusal(h.act(handle, 'classify', coordinator, { category: 'product_quality', severity: 'minor', reason: '核对' }))).toMatchObject({ type: 'ActionRefused', message: expect.stringContaining('nothing to change') });
    await h.act(handle, 'acknowledge', dealer('SH001'), {});
    await h.act(handle, 'reply', dealer('SH001'), { ...qualityReply });
    await h.act(handle, 'request-closure', coordinator, {});
    expect(await h.refusal(h.act(handle, 'classify', coordinator, { kind: 'inquiry', reason: '改为咨询' }))).toMatchObject({ type: 'ActionRefused', message: expect.stringContaining('already followed up') });
    // The category may still be corrected.
    expect((await h.act(handle, 'classify', coordinator, { category: 'parts_supply', reason: '配件' })).facts.category).toBe('parts_supply');
  });

  it('a complaint that went to an inquiry and back: the new work order has a number, clocks and email of its own', async () => {
    const { number, handle } = await h.receive({ channel: 'hotline' });
    await h.act(handle, 'classify', coordinator, { kind: 'inquiry', reason: '先按咨询处理' });
    const back = await h.act(handle, 'classify', coordinator, { kind: 'complaint', reason: '客户坚持投诉' });
    expect(back).toMatchObject({ status: 'awaiting_acknowledgement', dealerCode: 'SH001', dispatch: { generation: 2 } });
    expect(h.notifications(number, 'work_order').map((n) => n.key)).toEqual([`${number}:work-order:1`, `${number}:work-order:2`]);
    await h.advance(handle, 2 * DAY);
    expect(h.notifications(number, 'reply_overdue').some((n) => n.key === `${number}:reply-overdue:2`)).toBe(true);
  });
});
