import { Worker, type NativeConnection } from '@temporalio/worker';
import { monthFreeze, type Config } from '@complaints/shared';
import { payloadDataConverter } from '@complaints/runtime';
import type { Models } from '@complaints/activities';
import { workflowsPath } from '@complaints/workflows';
import { createRetentionActivities, createScoringActivities, loadPolicies } from '@complaints/activities';
import { freezeMonth } from './freeze';
import { scorecardEmails } from './scorecardEmails';

/** Reporting hosts the scheduled report workflows and the daily retention run; their emails are sent on the notifier's queue. */
export function createReportingWorker(deps: { config: Config; connection: NativeConnection; models: Models }) {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.config.TEMPORAL_NAMESPACE,
    taskQueue: deps.config.TASK_QUEUE_REPORTING,
    dataConverter: payloadDataConverter(deps.config),
    workflowsPath,
    activities: {
      ...createScoringActivities({
        freezeMonth: (month, by, recompute) => freezeMonth(deps.models, month, by, recompute),
        monthFreezesAt: async (month) => monthFreeze(month, await loadPolicies(deps.models)),
        scorecardEmails: (input) => scorecardEmails(deps.models, input),
      }),
      // SPEC §7: the daily retention run (the retentionWorkflow's Schedule).
      ...createRetentionActivities({ models: deps.models }),
    },
  });
}
