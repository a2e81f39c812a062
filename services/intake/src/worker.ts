import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Config } from '@complaints/shared';
import { createDeadlineActivities, createPersistenceActivities, type Models } from '@complaints/activities';
import { type Logger, payloadDataConverter } from '@complaints/runtime';
import { workflowsPath } from '@complaints/workflows';

/**
 * How the complaint worker takes its work when many clocks run out at once (every closure deadline
 * of a day falls at the cutoff: hundreds of workflow tasks in the same second). A workflow task
 * holds its slot while its local activities write the read model, so the slots cover a burst's
 * database waits, not only the CPU; the pollers scale with the queue (the server's feedback), so
 * that tasks waiting are fetched at once instead of through a fixed handful of polls.
 */
export const COMPLAINT_WORKER_SETTINGS = {
  maxConcurrentWorkflowTaskExecutions: 100,
  maxConcurrentLocalActivityExecutions: 100,
  workflowTaskPollerBehavior: { type: 'autoscaling', minimum: 2, initial: 10, maximum: 50 },
  activityTaskPollerBehavior: { type: 'autoscaling', minimum: 1, initial: 5, maximum: 20 },
  // A task waits on this worker's own (sticky) queue while the slots work through a burst: 1,000
  // clocks running out in one second kept the last ones waiting 42 s on two cores (bench burst).
  // Past this timeout (the SDK's default is 10 s) the server queues the task again for any worker,
  // which replays the whole history first: the burst grows instead of draining. A worker that died
  // leaves its tasks waiting this long, as its activities wait out their minute.
  stickyQueueScheduleToStartTimeout: '1 minute',
} as const;

/** Intake hosts the complaint workflow and the activities that project it into MongoDB. */
export async function createComplaintWorker(deps: { config: Config; connection: NativeConnection; models: Models; logger: Logger }) {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.config.TEMPORAL_NAMESPACE,
    taskQueue: deps.config.TASK_QUEUE_COMPLAINTS,
    dataConverter: payloadDataConverter(deps.config),
    workflowsPath,
    maxCachedWorkflows: deps.config.WORKFLOW_CACHE_SIZE,
    ...COMPLAINT_WORKER_SETTINGS,
    // A cache smaller than the slots (a test's) caps them: the SDK refuses more slots than cached workflows.
    ...(deps.config.WORKFLOW_CACHE_SIZE > 0 && deps.config.WORKFLOW_CACHE_SIZE < COMPLAINT_WORKER_SETTINGS.maxConcurrentWorkflowTaskExecutions && { maxConcurrentWorkflowTaskExecutions: Math.max(2, deps.config.WORKFLOW_CACHE_SIZE) }),
    activities: {
      ...createPersistenceActivities({ models: deps.models }),
      ...createDeadlineActivities({ models: deps.models, warn: (message) => deps.logger.warn(message) }),
    },
  });
}
