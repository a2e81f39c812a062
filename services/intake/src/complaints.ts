import type { Client } from '@temporalio/client';
import { complaintWorkflowId, type ComplaintWorkflowInput, type Config } from '@complaints/shared';
import { COMPLAINT_WORKFLOW, initialSearchAttributes, operatorSummary, type ComplaintWorkflowOptions } from '@complaints/workflows';

// What the Temporal UI shows of a complaint is the workflow's display (workflows/src/complaint/display.ts);
// also exported here for whatever starts complaint workflows the way intake does (the intake bench).
export { initialSearchAttributes, operatorSummary } from '@complaints/workflows';

/** How long intake waits for Temporal to confirm a start before treating it as not answering. */
export const TEMPORAL_CALL_DEADLINE_MS = 5_000;

/**
 * Starts the complaint's workflow. The workflow id is the business id, so a second start of the
 * same number is refused by Temporal rather than creating a second complaint — also once the
 * first run has closed (reuse is rejected): a closed complaint is never reopened by a repeat.
 */
export async function startComplaintWorkflow(client: Client, config: Config, input: ComplaintWorkflowInput, options: Omit<ComplaintWorkflowOptions, 'notifications'> = {}) {
  const { number, facts } = input;
  return client.withDeadline(Date.now() + TEMPORAL_CALL_DEADLINE_MS, () => client.workflow.start(COMPLAINT_WORKFLOW, {
    taskQueue: config.TASK_QUEUE_COMPLAINTS,
    workflowId: complaintWorkflowId(number),
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    args: [input, { notifications: config.TASK_QUEUE_NOTIFICATIONS, ...options } satisfies ComplaintWorkflowOptions],
    typedSearchAttributes: initialSearchAttributes(facts),
    ...operatorSummary(number, facts),
  }));
}
