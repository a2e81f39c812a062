import { MINUTE, dealer, useWorkflowHarness } from './harness';

// On its own test server: a complaint that lives long enough to continue as new keeps its state
// and its clocks.
//
// One retry, logged: twice in about ten loaded CI-like runs an update sent at the moment of
// continue-as-new never completed on the Java time-skipping server (its client call retried until
// the test timed out). Addressing the workflow by id alone, as the HTTP layer does, has not failed
// since. Still to check on the real server under load (noted for the fault tests of issue 9).
jest.retryTimes(1, { logErrorsBeforeRetry: true });

describe('complaint workflow, continued as new', () => {
  const h = useWorkflowHarness('can');
  const { receive, act, state, keepHistory, advance, settled } = h;

  it('continues as new with its state and timers when the history grows', async () => {
    const { handle: started } = await receive({ category: 'service_process' }, { historyLimit: 40 });
    // Addressed by workflow id alone, as the HTTP layer does: actions and queries go to the current run.
    const handle = h.env().client.workflow.getHandle(started.workflowId);
    await act(handle, 'acknowledge', dealer('SH001'), {});
    for (let i = 0; i < 6; i++) await act(handle, 'reply', dealer('SH001'), { text: `进展 ${i}`, final: false });
    await settled(handle);
    const before = await state(handle);
    expect(before.events.length).toBeGreaterThanOrEqual(9);
    // The current run is not the first: the workflow continued as new.
    expect((await handle.describe()).runId).not.toBe(started.firstExecutionRunId);
    // The closure clock still fires in the new run.
    const deadline = new Date(before.deadlines!.closureDeadline!).getTime();
    await advance(handle, deadline - (await h.env().currentTimeMs()) + MINUTE);
    const after = await state(handle);
    expect(after.events.slice(0, before.events.length)).toEqual(before.events);
    expect(after).toMatchObject({ overdue: true, kpi: { closedWithinDeadline: false } });
    await keepHistory(handle, 'continued-as-new');
  });
});
