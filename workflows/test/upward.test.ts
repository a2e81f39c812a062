import type { WorkflowHandle } from '@temporalio/client';
import { beijingDate } from '@complaints/shared';
import { HOUR, callCenter, coordinator, dealer, useWorkflowHarness } from './harness';

// Duties that had no clock or no recipient (SPEC §3.7, §4; seed 003 §3.1 and 四(2)5): the coordinator's
// closure request after the final reply; a major complaint's follow-up is the regional manager's
// visit, so its notices go to that manager; a complaint sent back to its dealer a second time is
// reported upward, to the region's manager and the coordinator.
describe('duties that had no clock or no recipient (time-skipping test server, real activities)', () => {
  const h = useWorkflowHarness('upward');
  const { receive, act, notifications, keepHistory, advance, state, untilBeijing } = h;

  it('reminds the coordinator to request closure by the cutoff of the working day after the final reply', async () => {
    const morning = await untilBeijing('10:00');
    const { number, handle } = await receive({ category: 'service_process' });
    await act(handle, 'acknowledge', dealer('SH001'), {});
    await act(handle, 'reply', dealer('SH001'), { text: '已处理完毕', final: true });
    const due = (await state(handle)).closureRequestDue!;
    expect(due).toMatch(/T16:30:00\+08:00$/);
    expect(due.slice(0, 10) > beijingDate(morning)).toBe(true); // the next working day
    expect(notifications(number, 'closure_request_due')).toHaveLength(1);
    await advance(handle, new Date(due).getTime() - (await h.env().currentTimeMs()) + HOUR);
    const told = notifications(number, 'closure_request_due');
    expect(told.map((r) => [r.recipients, r.data.reminder ?? ''])).toEqual([[[{ role: 'coordinator' }], ''], [[{ role: 'coordinator' }], 'true']]);
    await act(handle, 'request-closure', coordinator, {});
    await keepHistory(handle, 'closure-request-reminder');
  });

  async function toFollowUp(handle: WorkflowHandle) {
    await act(handle, 'reply', dealer('SH001'), { text: '已重新检修', final: true });
    return act(handle, 'request-closure', coordinator, {});
  }

  it('tells the regional manager, not the call center, that a major complaint’s follow-up visit is due', async () => {
    const { number, handle } = await receive({ severity: 'major', category: 'service_process' });
    await act(handle, 'acknowledge', dealer('SH001'), {});
    await toFollowUp(handle);
    expect(notifications(number, 'follow_up_due').map((r) => r.recipients)).toEqual([[{ region: 'east' }]]);
    const minor = await receive({ category: 'service_process' });
    await act(minor.handle, 'acknowledge', dealer('SH001'), {});
    await toFollowUp(minor.handle);
    expect(notifications(minor.number, 'follow_up_due').map((r) => r.recipients)).toEqual([[{ role: 'call_center' }]]);
  });

  it('reports a complaint sent back a second time to the regional manager and the coordinator, once per return from the second', async () => {
    const { number, handle } = await receive({ category: 'service_process' });
    await act(handle, 'acknowledge', dealer('SH001'), {});
    await toFollowUp(handle);
    await act(handle, 'follow-up', callCenter, { outcome: 'unsatisfied', note: '客户仍不满意' });
    expect(notifications(number, 'repeated_return')).toEqual([]);
    await toFollowUp(handle);
    await act(handle, 'follow-up', callCenter, { outcome: 'false_reply', note: '客户称未修复' });
    const told = notifications(number, 'repeated_return');
    expect(told.map((r) => r.recipients)).toEqual([[{ role: 'coordinator' }, { region: 'east' }]]);
    expect(told[0]!.data).toMatchObject({ outcome: 'false_reply', returns: '2' });
    await keepHistory(handle, 'repeated-return');
  });
});
