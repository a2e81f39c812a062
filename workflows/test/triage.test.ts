import { beijingDate } from '@complaints/shared';
import { useWorkflowHarness } from './harness';

// SPEC §3.2 and §4 派工: a complaint that waits for the coordinator (the public web form always does)
// is dispatched, or marked invalid, on its own clock; the coordinator is reminded, their head told
// when it waits too long, and the network's dispatch-on-time rate records how it went.

const ms = (iso: string) => new Date(iso).getTime();
const coordinator = { sub: 'c1', role: 'coordinator' } as const;

describe('triage (time-skipping test server, real activities)', () => {
  const h = useWorkflowHarness('triage');

  it('dispatched before its clock runs out: on time, the same working day by 16:30 when received in the morning', async () => {
    const received = await h.untilBeijing('10:00');
    const { handle } = await h.receive({ dealerCode: undefined });
    const waiting = await h.state(handle);
    expect(waiting.status).toBe('awaiting_dispatch');
    const today = beijingDate(received);
    expect(waiting.deadlines).toMatchObject({ dispatchDue: `${today}T16:30:00+08:00`, dispatchReminderAt: `${today}T15:30:00+08:00` });
    const dispatched = await h.act(handle, 'dispatch', coordinator, { dealerCode: 'SH001' }, 'east');
    expect(dispatched.kpi.dispatchedOnTime).toBe(true);
  });

  it('waiting past its clock: the coordinator is reminded, their head told once, and the dispatch stays late', async () => {
    await h.untilBeijing('13:00'); // after the morning: due at 12:00 on the next working day
    const { number, handle } = await h.receive({ dealerCode: undefined });
    const due = (await h.state(handle)).deadlines!.dispatchDue!;
    expect(due).toMatch(/T12:00:00\+08:00$/);
    await h.advance(handle, ms(due) - (await h.env().currentTimeMs()) + 60_000);
    const late = await h.state(handle);
    expect(late.events.map((e) => e.type)).toContain('dispatch_overdue');
    expect(late.kpi.dispatchedOnTime).toBe(false);
    expect(h.notifications(number, 'dispatch_due_soon').map((r) => r.recipients)).toEqual([[{ role: 'coordinator' }]]);
    expect(h.notifications(number, 'dispatch_overdue').map((r) => r.recipients)).toEqual([[{ role: 'coordinator_head' }]]);
    const dispatched = await h.act(handle, 'dispatch', coordinator, { dealerCode: 'SH001' }, 'east');
    expect(dispatched.kpi.dispatchedOnTime).toBe(false);
    await h.keepHistory(handle, 'dispatch-overdue');
  });

  it('marked invalid: its clocks stop and the history keeps who and why', async () => {
    const { number, handle } = await h.receive({ dealerCode: undefined });
    const invalid = await h.act(handle, 'invalidate', coordinator, { reason: '重复抱怨：与 C20301101-0001 相同' });
    expect(invalid.status).toBe('invalid');
    expect(invalid.events.at(-1)).toMatchObject({ type: 'invalidated', by: 'coordinator:c1', data: { reason: '重复抱怨：与 C20301101-0001 相同' } });
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    // Not written to the customer (it may be spam), no dealer told of a work order.
    expect(h.notifications(number).map((r) => r.template)).toEqual(['complaint_received']);
    await h.keepHistory(handle, 'invalidated');
  });
});
