import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Config } from '@complaints/shared';
import { createDeadlineActivities, createPersistenceActivities, type Models } from '@complaints/activities';
import { type Logger, payloadDataConverter } from '@complaints/runtime';
import { workflowsPath } from '@complaints/workflows';

/** Intake hosts the complaint workflow and the activities that project it into MongoDB. */
export async function createComplaintWorker(deps: { config: Config; connection: NativeConnection; models: Models; logger: Logger }) {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.config.TEMPORAL_NAMESPACE,
    taskQueue: deps.config.TASK_QUEUE_COMPLAINTS,
    dataConverter: payloadDataConverter(deps.config),
    workflowsPath,
    maxCachedWorkflows: deps.config.WORKFLOW_CACHE_SIZE,
    activities: {
      ...createPersistenceActivities({ models: deps.models }),
      ...createDeadlineActivities({ models: deps.models, warn: (message) => deps.logger.warn(message) }),
    },
  });
}
