import { Worker } from '@temporalio/worker';
import type { Connection as MongoConnection } from 'mongoose';
import { createModels, saveDirectory, seedRules, type Models } from '@complaints/activities';
import request from 'supertest';
import { getStateQuery } from '@complaints/workflows';
import { connectMongo, connectTemporal, createLogger, signToken, type TemporalConnections } from '@complaints/runtime';
import { createTransport } from '@complaints/notifier/src/smtp';
import { createNotifierWorker } from '@complaints/notifier/src/worker';
import type { Config } from '@complaints/shared';
import { createApp } from '../src/app';
import { createComplaintWorker } from '../src/worker';
import { eventually, testConfig, testDirectory } from '../../../test/support';

/**
 * The intake app with its complaint worker and the notifier's worker, in this process, on the real
 * Temporal dev server, FerretDB and SMTP sink that test/globalSetup.ts started. Registers its own
 * beforeAll/afterAll; a database, task queues and mailboxes of its own per test file. Complaints
 * received "now" (the web form) get numbers of today's date: a file that submits them without a
 * receipt time passes a `now` of its own date, so that its workflow ids never meet another file's.
 */
export function useIntakeApp(name: string, options: { config?: Record<string, string>; now?: () => Date; prepare?: () => Promise<Partial<Config>> } = {}) {
  const config = testConfig(options.config);
  const tag = config.TASK_QUEUE_COMPLAINTS.replace('complaints-', name);
  let mongo: MongoConnection;
  let models: Models;
  let temporal: TemporalConnections;
  let workers: Worker[];
  let running: Promise<void>[];
  let transport: ReturnType<typeof createTransport>;
  let app: ReturnType<typeof createApp>;
  // Intake's clock: the time of arrival of a public complaint, and "now" for a staff receipt time's window.
  let clock = options.now ?? (() => new Date());

  beforeAll(async () => {
    // Settings known only once the test runs (e.g. the port of an SMTP server the test starts).
    if (options.prepare) Object.assign(config, await options.prepare());
    mongo = await connectMongo(config);
    models = createModels(mongo);
    await Promise.all(Object.values(models).map((model) => model.init()));
    await seedRules(models);
    await saveDirectory(models, testDirectory(tag));
    temporal = await connectTemporal(config);
    transport = createTransport(config);
    workers = [
      await createComplaintWorker({ config, connection: temporal.workerConnection, models, logger: createLogger('worker-test', 'silent') }),
      await createNotifierWorker({ config, connection: temporal.workerConnection, mongo, transport, logger: createLogger('notifier-test', 'silent') }),
    ];
    running = workers.map((w) => w.run());
    app = createApp({ config, logger: createLogger('intake-test', 'silent'), mongo, models, temporal: temporal.client, now: () => clock() });
  });

  afterAll(async () => {
    workers?.forEach((w) => w.shutdown());
    await Promise.all(running ?? []);
    transport?.close();
    await mongo?.dropDatabase();
    await mongo?.close();
    await temporal?.close();
  });

  /** Sets intake's clock, e.g. just after a staff receipt time a test records (within the policy's window); no argument: back to the file's own. */
  const setNow = (at?: Date | string) => {
    const fixed = at === undefined ? undefined : new Date(at);
    clock = fixed ? () => fixed : (options.now ?? (() => new Date()));
  };
  /**
   * The coordinator dispatches a complaint that waits for them (SPEC §3.2: the public web form's
   * always do), once its receipt is recorded, and waits until the workflow has run its effects.
   */
  const dispatch = async (number: string, dealerCode: string) => {
    const handle = temporal.client.workflow.getHandle(`complaint-${number}`);
    await eventually(() => handle.query(getStateQuery), (s) => s.idle === true && s.status === 'awaiting_dispatch');
    const coordinator = await signToken(config.AUTH_SECRET, { sub: 'coordinator-of-tests', role: 'coordinator' });
    const res = await request(app).post(`/api/complaints/${number}/dispatch`).set('authorization', `Bearer ${coordinator}`).send({ dealerCode });
    if (res.status !== 200) throw new Error(`dispatch of ${number} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return eventually(() => handle.query(getStateQuery), (s) => s.idle === true);
  };
  return { config, tag, app: () => app, mongo: () => mongo, models: () => models, temporal: () => temporal.client, setNow, dispatch };
}
