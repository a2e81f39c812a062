import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { Context } from '@temporalio/activity';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Connection as MongoConnection } from 'mongoose';
import {
  createDeadlineActivities,
  createModels,
  createNotificationActivities,
  createPersistenceActivities,
  saveDirectory,
  seedRules,
  type MailTransport,
  type Models,
} from '@complaints/activities';
import {
  beijingDate,
  complaintFacts,
  complaintInputSchema,
  newUsage,
  WorkingCalendar,
  type ActionName,
  type ActionRequest,
  type Actor,
  type ComplaintInput,
  type NotificationRequest,
  type TemplateName,
} from '@complaints/shared';
import { shippedCalendars } from '@complaints/runtime/src/rules';
import { connectMongo, payloadDataConverter } from '@complaints/runtime';
import { loadTemplates } from '@complaints/notifier/src/templates';
import { createRecipientResolver } from '@complaints/notifier/src/recipients';
import { startComplaintWorkflow } from '@complaints/intake/src/complaints';
import { actionUpdates, getStateQuery, workflowsPath, type ComplaintState } from '../src';
import { TEMPORAL_TEST_SERVER_BIN, registerSearchAttributes } from '../../scripts/lib/stack';
import { address, eventually, mailbox, testConfig, testDirectory, validComplaint } from '../../test/support';

/**
 * A real SMTP transport whose target can be switched: sends go to a port nobody listens on (a real
 * connection refusal) while `available` is false, and to the SMTP sink otherwise.
 */
export function switchableTransport(smtpPort: number, deadPort: number) {
  const down = nodemailer.createTransport({ host: '127.0.0.1', port: deadPort, connectionTimeout: 500 });
  const up = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort });
  const transport: MailTransport & { available: boolean; refused: number } = {
    available: true,
    refused: 0,
    async sendMail(message) {
      if (this.available) return up.sendMail(message);
      this.refused += 1;
      return down.sendMail(message);
    },
  };
  return transport;
}

export const HOUR = 3_600_000;
export const MINUTE = 60_000;

export const coordinator: Actor = { sub: 'c1', role: 'coordinator' };
export const callCenter: Actor = { sub: 'cc1', role: 'call_center' };
export const dealer = (dealerCode: string): Actor => ({ sub: `d-${dealerCode}`, role: 'dealer', dealerCode });
export const regionalManager = (region: string): Actor => ({ sub: `rm-${region}`, role: 'regional_manager', region });
export const qualityReply = { text: '已更换水泵，故障排除', final: true, cause: '水泵密封圈老化', qualityDefect: true, partsReplaced: ['水泵总成'] };

/**
 * The complaint workflow on its own time-skipping test server, with real activities against FerretDB
 * and the SMTP sink. Registers its beforeAll/afterAll; each test file gets its own server, so one
 * file's clocks never run through another's.
 */
export function useWorkflowHarness(name: string) {
  const base = testConfig();
  // One worker hosts every activity here, so notifications go to the complaints queue.
  const config = { ...base, TASK_QUEUE_NOTIFICATIONS: base.TASK_QUEUE_COMPLAINTS };
  const tag = base.TASK_QUEUE_COMPLAINTS.replace('complaints-', name);
  const to = (local: string) => address(local, tag);
  const dataConverter = payloadDataConverter(config);
  let env: TestWorkflowEnvironment;
  let mongo: MongoConnection;
  let models: Models;
  let transport: ReturnType<typeof switchableTransport>;
  let worker: Worker;
  let running: Promise<void>;
  let sequence = 0;
  const sent: NotificationRequest[] = [];
  // Sends whose first attempt is lost on its way to the notifier: it runs nothing and never answers.
  const lost = new Set<string>();
  // Numbers unique to this file: emails are found by the number in their subject.
  const numberPrefix = `C2099${String(1000 + Math.floor(Math.random() * 9000))}`;

  beforeAll(async () => {
    // Encrypted payloads, as every service writes them (the histories it records replay with the tests' keys).
    env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: TEMPORAL_TEST_SERVER_BIN } }, client: { dataConverter } });
    await registerSearchAttributes(env.connection, env.namespace ?? 'default');
    mongo = await connectMongo(config);
    models = createModels(mongo);
    await Promise.all(Object.values(models).map((model) => model.init()));
    await seedRules(models);
    await saveDirectory(models, testDirectory(tag));
    transport = switchableTransport(config.SMTP_PORT, 9); // port 9 (discard) is closed on loopback
    const notifications = createNotificationActivities({
      models,
      transport,
      from: config.MAIL_FROM,
      render: loadTemplates({ baseUrl: config.PUBLIC_BASE_URL }),
      resolveRecipients: createRecipientResolver({ models, coordinatorEmail: config.COORDINATOR_EMAIL, warn: () => undefined }),
    });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: config.TASK_QUEUE_COMPLAINTS,
      dataConverter,
      workflowsPath,
      activities: {
        ...createPersistenceActivities({ models }),
        ...createDeadlineActivities({ models, warn: () => undefined }),
        // Each completed send is kept: who the workflow meant to tell, whatever the directory resolves.
        async sendNotification(request: NotificationRequest) {
          if (lost.delete(request.key)) await Context.current().cancelled; // until the SDK gives it up too
          const result = await notifications.sendNotification(request);
          sent.push(request);
          return result;
        },
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

  /** Starts a complaint received now (test-server time), as intake does. */
  async function receive(overrides: Partial<ComplaintInput> = {}, options: { historyLimit?: number } = {}) {
    const started = await startOnly(overrides, options);
    await settled(started.handle);
    return started;
  }

  async function startOnly(overrides: Partial<ComplaintInput> = {}, options: { historyLimit?: number } = {}) {
    const now = new Date(await env.currentTimeMs());
    const number = `${numberPrefix}-${String(++sequence).padStart(4, '0')}`;
    const complaint = complaintInputSchema.parse({ ...validComplaint(), ...overrides });
    const known = complaint.dealerCode ? testDirectory(tag).dealers.find((d) => d.code === complaint.dealerCode) : undefined;
    const facts = complaintFacts(complaint, now, known && { code: known.code, region: known.region });
    const handle = await startComplaintWorkflow(env.client, config, { number, facts }, options);
    return { number, handle, receivedAt: now };
  }

  /** Sends an action as the HTTP layer does, then waits until its effects ran. */
  async function act<A extends ActionName>(handle: WorkflowHandle, action: A, actor: Actor, input: ActionRequest<A>['input'], region?: string): Promise<ComplaintState> {
    const after = (await handle.executeUpdate(actionUpdates[action] as never, { args: [{ actor, input, ...(region && { region }) }] })) as ComplaintState;
    if (['closed', 'closed_unreachable', 'force_closed', 'invalid'].includes(after.status)) await handle.result();
    else await settled(handle);
    return after;
  }

  async function refusal(promise: Promise<unknown>): Promise<{ type?: string; message: string }> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) return { type: error.cause.type ?? undefined, message: error.cause.message };
      throw error;
    }
    throw new Error('the action was not refused');
  }

  const state = (handle: WorkflowHandle) => handle.query(getStateQuery);

  /**
   * RECORD_HISTORIES=1 writes the history to workflows/test/histories/, where the replay test
   * (replay.test.ts) keeps checking that changed workflow code still replays it. Its payloads are
   * encrypted with the tests' keys, so it goes to `encrypted-<name>.json`: `<name>.json`, recorded
   * before payloads were encrypted, stays as it is and keeps the clear payloads' way in tested.
   */
  async function keepHistory(handle: WorkflowHandle, name: string) {
    if (process.env.RECORD_HISTORIES !== '1') return;
    writeFileSync(path.join(__dirname, 'histories', `encrypted-${name}.json`), historyToJSON(await handle.fetchHistory()));
  }

  /** Emails about a complaint as subject and recipient, once the sink's count has stopped changing. */
  async function mails(number: string) {
    let previous = -1;
    let all = await mailbox.about(number);
    while (all.length !== previous) {
      previous = all.length;
      await new Promise((resolve) => setTimeout(resolve, 150));
      all = await mailbox.about(number);
    }
    return all.map((m) => ({ subject: m.subject, to: m.to.map((t) => t.address).join(',') }));
  }

  /**
   * The notifier activity's completed calls about a complaint (optionally of one template), in the
   * order they completed: who the workflow told, with which key and data. A call repeated for the
   * same key (a retry) would show twice.
   */
  function notifications(number: string, template?: TemplateName) {
    return sent.filter((r) => r.key.startsWith(`${number}:`) && (!template || r.template === template));
  }

  /**
   * Moves test-server time on to the next working day's `time` (Beijing), so that a test starts
   * its clocks at a known hour; the next day is a working day too.
   */
  async function untilBeijing(time: string) {
    const calendar = new WorkingCalendar(shippedCalendars());
    const working = (date: string) => calendar.isWorkingDay(date, newUsage());
    const now = await env.currentTimeMs();
    for (let day = 0; ; day++) {
      const date = beijingDate(now + day * 24 * HOUR);
      const at = Date.parse(`${date}T${time}:00+08:00`);
      if (at > now && working(date) && working(beijingDate(at + 24 * HOUR))) {
        await env.sleep(at - now);
        return new Date(at);
      }
    }
  }

  /** The first attempt of the send with this key (`<number>:<key>`) is lost: Temporal has it started, and no notifier runs it. */
  function loseFirstAttempt(key: string) {
    lost.add(key);
  }

  /** Moves test-server time forward, then waits until the workflow has run what the clocks queued. */
  async function advance(handle: WorkflowHandle, ms: number) {
    await env.sleep(ms);
    await settled(handle);
  }

  /** Waits (in real time, no time skipping) until the workflow's state passes `done`, then until its effects ran. */
  async function eventuallyState(handle: WorkflowHandle, done: (s: ComplaintState) => boolean) {
    const reached = await eventually(() => state(handle), done);
    await settled(handle);
    return reached;
  }

  /** Waits (in real time, no time skipping) until the workflow has run its queued effects. */
  async function settled(handle: WorkflowHandle) {
    return eventually(() => state(handle), (s) => s.idle === true);
  }


  return {
    config,
    to,
    env: () => env,
    models: () => models,
    transport: () => transport,
    receive,
    startOnly,
    act,
    refusal,
    state,
    keepHistory,
    mails,
    advance,
    settled,
    eventuallyState,
    notifications,
    loseFirstAttempt,
    untilBeijing,
  };
}
