import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { workflowsPath } from '../src';

// Recorded histories of real runs (RECORD_HISTORIES=1 npm test writes them). A change to the
// workflow code that would break a running complaint fails here: guard it with patched().
// activities-*.json ran before the projections became local activities: patched('local-projections').
// one-queue-*.json ran before emails got a lane of their own beside the read model's projections:
// patched('notification-lane'). smtp-outage.json has the read model written while an email is retried.
// repair-feedback-in-deadlines.json asked for every deadline again to get a repair request's feedback
// date, before it was an activity of its own: patched('repair-feedback-activity').
// Every history recorded before patched('dispatch-deadlines') runs its dispatches without the
// same-day confirmation clock, and a repair request on the 24 h reply clock too; before
// patched('returned-reply-clock') a return to the dealer started no clock; before
// patched('major-dispatch-notice') and patched('customer-notices') nobody else was told.
// acknowledgement-overdue, returned-reply-overdue, repair-request-feedback-clock,
// major-dispatched-after-upgrade, customer-notices and evidence ran with them (duties.test.ts).
// The others, one per path of the loop (a return to the dealer, a reassignment, the major clocks, a
// repair request, an inquiry, each clock running out), keep every action and clock in its order.
const dir = path.join(__dirname, 'histories');
const histories = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('workflow determinism', () => {
  it('has recorded histories to replay', () => {
    expect(histories.length).toBeGreaterThanOrEqual(3);
  });

  it.each(histories)('replays %s with the current workflow code', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
    await expect(Worker.runReplayHistory({ workflowsPath }, history, file)).resolves.toBeUndefined();
  });
});
