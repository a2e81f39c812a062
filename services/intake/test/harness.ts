import { Worker } from '@temporalio/worker';
import type { Connection as MongoConnection } from 'mongoose';
import { createModels, saveDirectory, seedRules, type Models } from '@complaints/activities';
import { connectMongo, connectTemporal, createLogger, type TemporalConnections } from '@complaints/runtime';
import { createTransport } from '@complaints/notifier/src/smtp';
import { createNotifierWorker } from '@complaints/notifier/src/worker';
import type { Config } from '@complaints/shared';
import { createApp } from '../src/app';
import { createComplaintWorker } from '../src/worker';
import { testConfig, testDirectory } from '../../../test/support';

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
  return { config, tag, app: () => app, mongo: () => mongo, models: () => models, temporal: () => temporal.client, setNow };
}
