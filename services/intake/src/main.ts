import { loadConfig } from '@complaints/shared';
import { closeServer, connectMongo, connectTemporal, createLogger, installTemporalLogging, listen, runUntilSignal } from '@complaints/shared/runtime';
import { createModels, seedRules } from '@complaints/activities';
import { createApp } from './app';
import { createComplaintWorker } from './worker';

async function main() {
  const config = loadConfig(process.env);
  const logger = createLogger('intake', config.LOG_LEVEL);
  installTemporalLogging(logger, config.LOG_LEVEL);
  const mongo = await connectMongo(config);
  const models = createModels(mongo);
  await Promise.all(Object.values(models).map((model) => model.init()));
  await seedRules(models); // the shipped calendars and default policy, where the database has none
  const temporal = await connectTemporal(config);
  const worker = await createComplaintWorker({ config, connection: temporal.workerConnection, models, logger });
  const running = worker.run();
  const server = await listen(createApp({ config, logger, mongo, models, temporal: temporal.client }), config.INTAKE_PORT, config.HOST);
  logger.info({ port: config.INTAKE_PORT, taskQueue: config.TASK_QUEUE_COMPLAINTS }, 'intake ready');

  runUntilSignal(logger, async () => {
    await closeServer(server);
    if (worker.getState() === 'RUNNING') worker.shutdown(); // the SDK may have begun on the signal itself
    await running;
    await mongo.close();
    await temporal.close();
  });
}

main().catch((error: Error) => {
  console.error(`intake failed to start: ${error.message}`);
  process.exit(1);
});
