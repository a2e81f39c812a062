import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Config } from '@complaints/shared';
import type { Models } from '@complaints/activities';
import { workflowsPath } from '@complaints/workflows';
import { createScoringActivities } from '@complaints/activities';
import { freezeMonth } from './freeze';
import { scorecardEmails } from './scorecardEmails';

/** Reporting hosts the scheduled report workflows; their emails are sent on the notifier's queue. */
export function createReportingWorker(deps: { config: Config; connection: NativeConnection; models: Models }) {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.config.TEMPORAL_NAMESPACE,
    taskQueue: deps.config.TASK_QUEUE_REPORTING,
    workflowsPath,
    activities: createScoringActivities({ freezeMonth: (month, by) => freezeMonth(deps.models, month, by), scorecardEmails: (input) => scorecardEmails(deps.models, input) }),
  });
}
