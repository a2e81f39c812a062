import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Connection as MongoConnection } from 'mongoose';
import { createModels, createRetentionActivities, seedRules, type Models } from '@complaints/activities';
import { connectMongo } from '@complaints/runtime';
import { beijingDate } from '@complaints/shared';
import { workflowsPath } from '../src';
import { TEMPORAL_TEST_SERVER_BIN } from '../../scripts/lib/stack';
import { testConfig } from '../../test/support';
import { everythingAbout, savePoliciesOfThePast, storePastComplaint } from '../../test/retentionFixtures';

// SPEC §7: the daily Schedule's workflow runs the retention as of its own (Beijing) date. On the
// time-skipping test server a year and a few days pass in an instant: a complaint closed "today"
// under a policy keeping it 1 year is kept by today's run and erased by the run a year later.
describe('the retention workflow', () => {
  const config = testConfig();
  let env: TestWorkflowEnvironment;
  let mongo: MongoConnection;
  let models: Models;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: TEMPORAL_TEST_SERVER_BIN } } });
    mongo = await connectMongo(config);
    models = createModels(mongo);
    await Promise.all(Object.values(models).map((model) => model.init()));
    await seedRules(models);
    await savePoliciesOfThePast(models);
    worker = await Worker.create({ connection: env.nativeConnection, taskQueue: config.TASK_QUEUE_REPORTING, workflowsPath, activities: createRetentionActivities({ models }) });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await mongo?.dropDatabase();
    await mongo?.close();
    await env?.teardown();
  });

  const runRetention = () => env.client.workflow.execute('retentionWorkflow', { taskQueue: config.TASK_QUEUE_REPORTING, workflowId: `retention-${Date.now()}`, args: [{ notifications: config.TASK_QUEUE_NOTIFICATIONS }] });

  it('erases a complaint once it has been closed longer than its policy keeps it, as of the workflow’s own date', async () => {
    const now = await env.currentTimeMs();
    const number = 'C20240304-0001';
    // Received under the 1-year policy, closed at the test server's "now".
    await storePastComplaint(models, { number, receivedAt: '2024-03-04T10:00:00+08:00', closedAt: new Date(now).toISOString() });

    // The run is as of the workflow's date, not the host's (the server skips time while the client waits).
    const today = await runRetention();
    expect(today).toMatchObject({ dryRun: false, erased: 0, notYetDue: 1 });
    expect(today.asOf >= beijingDate(now)).toBe(true);
    expect(await everythingAbout(models, number)).toContain('PII');

    await env.sleep('368 days');
    const later = await runRetention();
    expect(later).toMatchObject({ erased: 1, notYetDue: 0 });
    expect(later.asOf >= beijingDate(now + 368 * 86_400_000)).toBe(true);
    expect(await everythingAbout(models, number)).not.toContain('PII');
    expect(await models.Complaint.findById(number).lean()).toMatchObject({ status: 'closed', erasedUnder: '2024.short', erasedBecause: 'retention' });
  });
});
