import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import nodemailer from 'nodemailer';
import type { Connection as MongoConnection } from 'mongoose';
import {
  createDeadlineActivities,
  createModels,
  createNotificationActivities,
  seedRules,
  createPersistenceActivities,
  type MailTransport,
  type Models,
} from '@complaints/activities';
import { complaintFacts, complaintInputSchema, type ComplaintWorkflowInput } from '@complaints/shared';
import { connectMongo } from '@complaints/shared/runtime';
import { loadTemplates } from '@complaints/notifier/src/templates';
import { createRecipientResolver } from '@complaints/notifier/src/recipients';
import { ClosureDeadlineKey, ComplaintStatusKey, getStateQuery, workflowsPath } from '../src';
import { startComplaintWorkflow } from '@complaints/intake/src/complaints';
import { TEMPORAL_TEST_SERVER_BIN, registerSearchAttributes } from '../../scripts/lib/stack';
import { mailbox, testConfig, validComplaint } from '../../test/support';

/**
 * A real SMTP transport whose target can be switched: the first sends go to a port nobody listens
 * on (a real connection refusal), later ones to the SMTP sink, as when a relay comes back.
 */
function switchableTransport(smtpPort: number, deadPort: number) {
  const down = nodemailer.createTransport({ host: '127.0.0.1', port: deadPort, connectionTimeout: 500 });
  const up = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort });
  const transport: MailTransport & { available: boolean; refused: number } = {
    available: false,
    refused: 0,
    async sendMail(message) {
      if (this.available) return up.sendMail(message);
      this.refused += 1;
      return down.sendMail(message);
    },
  };
  return transport;
}

describe('complaint workflow (time-skipping test server)', () => {
  const base = testConfig();
  // One worker hosts both kinds of activity here, so notifications go to the complaints queue.
  const config = { ...base, TASK_QUEUE_NOTIFICATIONS: base.TASK_QUEUE_COMPLAINTS };
  let env: TestWorkflowEnvironment;
  let mongo: MongoConnection;
  let models: Models;
  let transport: ReturnType<typeof switchableTransport>;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: TEMPORAL_TEST_SERVER_BIN } },
    });
    await registerSearchAttributes(env.connection, env.namespace ?? 'default');
    mongo = await connectMongo(config);
    models = createModels(mongo);
    await Promise.all(Object.values(models).map((model) => model.init()));
    await seedRules(models);
    transport = switchableTransport(config.SMTP_PORT, 9); // port 9 (discard) is closed on loopback
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: config.TASK_QUEUE_COMPLAINTS,
      workflowsPath,
      activities: {
        ...createPersistenceActivities({ models }),
        ...createDeadlineActivities({ models, warn: () => undefined }),
        ...createNotificationActivities({
          models,
          transport,
          from: config.MAIL_FROM,
          render: loadTemplates({ baseUrl: config.PUBLIC_BASE_URL }),
          resolveRecipients: createRecipientResolver({ coordinatorEmail: config.COORDINATOR_EMAIL }),
        }),
      },
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await mongo?.dropDatabase();
    await mongo?.close();
    await env?.teardown();
  });

  function input(number: string): ComplaintWorkflowInput {
    return { number, facts: complaintFacts(complaintInputSchema.parse(validComplaint()), new Date('2026-11-23T09:00:00+08:00')) };
  }

  it('keeps retrying the email while SMTP is down and sends it exactly once when it is back', async () => {
    const number = 'C20261123-0901';
    const handle = await startComplaintWorkflow(env.client, config, input(number));

    // Retries back off for hours of workflow time; the test server skips through them.
    await env.sleep('2 hours');
    expect(transport.refused).toBeGreaterThanOrEqual(3);
    expect(await mailbox.to(config.COORDINATOR_EMAIL)).toHaveLength(0);

    transport.available = true;
    await env.sleep('10 minutes');
    const emails = await mailbox.waitFor(config.COORDINATOR_EMAIL);
    expect(emails).toHaveLength(1);
    expect(emails[0]!.subject).toContain(number);

    // The complaint stays open, waiting for dispatch, however long nobody acts.
    await env.sleep('30 days');
    const state = await handle.query(getStateQuery);
    expect(state.status).toBe('received');
    const attributes = (await handle.describe()).typedSearchAttributes;
    expect(attributes.get(ComplaintStatusKey)).toBe('received');
    // Received Monday Nov 23 at 09:00, product quality: 7 days, Monday Nov 30 at 16:30.
    expect(state.deadlines).toMatchObject({ closureDeadline: '2026-11-30T16:30:00+08:00', policyVersion: '2025.1', calendarVersions: { 2026: '2026.1' } });
    expect(attributes.get(ClosureDeadlineKey)).toEqual(new Date('2026-11-30T16:30:00+08:00'));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect(await mailbox.to(config.COORDINATOR_EMAIL)).toHaveLength(1);
    const sent = await models.Notification.find({ _id: new RegExp(`^${number}:`) }).lean();
    expect(sent).toEqual([expect.objectContaining({ status: 'sent', attempts: 1 })]);
  });
});
