import { NativeConnection, Worker } from '@temporalio/worker';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { complaintFacts, complaintInputSchema } from '@complaints/shared';
import { createDeadlineActivities, createPersistenceActivities } from '@complaints/activities';
import { actionUpdates, getStateQuery, workflowsPath } from '@complaints/workflows';
import { payloadDataConverter } from '@complaints/runtime';
import { startComplaintWorkflow } from '../src/complaints';
import { eventually, validComplaint } from '../../../test/support';
import { useIntakeApp } from './harness';

// An action that reaches a complaint in its first moments, before receipt is recorded (the
// workflow is still fetching its policy and deadlines), is refused with a reason to try again,
// never applied half-ready (an upgrade then crashed the workflow task on a missing policy).
// Receipt's steps are local activities inside one workflow task, so an action normally waits for
// it; but when they outlast the task's 10 s timeout, the worker completes the task to keep it alive,
// and an action waiting for the complaint is delivered in the middle of receipt.
describe('an action in a complaint’s first moments', () => {
  const intake = useIntakeApp('early');
  let worker: Worker;
  let connection: NativeConnection;
  let running: Promise<void>;
  const queue = `slow-${intake.config.TASK_QUEUE_COMPLAINTS}`;

  beforeAll(async () => {
    const models = intake.models();
    const deadlines = createDeadlineActivities({ models, warn: () => undefined });
    connection = await NativeConnection.connect({ address: intake.config.TEMPORAL_ADDRESS });
    worker = await Worker.create({
      connection,
      taskQueue: queue,
      dataConverter: payloadDataConverter(intake.config),
      workflowsPath,
      activities: {
        ...createPersistenceActivities({ models }),
        ...deadlines,
        // A policy lookup slower than a workflow task holds the workflow in its first moments.
        getPolicy: async (...args: Parameters<typeof deadlines.getPolicy>) => {
          await new Promise((resolve) => setTimeout(resolve, 12_000));
          return deadlines.getPolicy(...args);
        },
      },
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
  });

  it('is refused with 409’s reason, and accepted once the complaint is received', async () => {
    const number = 'C20301001-0001';
    const facts = complaintFacts(complaintInputSchema.parse({ ...validComplaint(), channel: 'email' }), new Date('2030-10-01T10:00:00+08:00'), { code: 'SH001', region: 'east' });
    await startComplaintWorkflow(intake.temporal(), { ...intake.config, TASK_QUEUE_COMPLAINTS: queue }, { number, facts });
    const handle = intake.temporal().workflow.getHandle(`complaint-${number}`);
    const upgrade = { actor: { sub: 'c', role: 'coordinator' as const }, input: { reason: '媒体关注' } };
    const early = await handle.executeUpdate(actionUpdates.upgrade, { args: [upgrade] }).catch((error: unknown) => error);
    expect(early).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((early as WorkflowUpdateFailedError).cause?.message).toBe('the complaint is still being received: try again in a moment');

    await eventually(() => handle.query(getStateQuery), (s) => s.idle === true && s.events.length > 0, 30_000);
    const state = await handle.executeUpdate(actionUpdates.upgrade, { args: [upgrade] });
    expect(state.severity).toBe('major');
    expect((await handle.describe()).status.name).toBe('RUNNING');
  }, 60_000);
});
