import { Worker } from '@temporalio/worker';
import { loadConfig } from '@complaints/shared';
import { closeServer, connectMongo, connectTemporal, createLogger, installTemporalLogging, listen, runUntilSignal } from '@complaints/shared/runtime';
import { createModels } from '@complaints/activities';
import { createApp } from './app';
import { createReportingActivities } from './activities';

async function main() {
  const config = loadConfig(process.env);
  const logger = createLogger('reporting', config.LOG_LEVEL);
  installTemporalLogging(logger, config.LOG_LEVEL);
  const mongo = await connectMongo(config);
  const temporal = await connectTemporal(config);
  const worker = await Worker.create({
    connection: temporal.workerConnection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TASK_QUEUE_REPORTING,
    activities: createReportingActivities({ models: createModels(mongo) }),
  });
  const running = worker.run();
  const server = await listen(createApp({ mongo, temporal: temporal.client, logger }), config.REPORTING_PORT, config.HOST);
  logger.info({ port: config.REPORTING_PORT, taskQueue: config.TASK_QUEUE_REPORTING }, 'reporting ready');

  runUntilSignal(logger, async () => {
    await closeServer(server);
    if (worker.getState() === 'RUNNING') worker.shutdown(); // the SDK may have begun on the signal itself
    await running;
    await mongo.close();
    await temporal.close();
  });
}

main().catch((error: Error) => {
  console.error(`reporting failed to start: ${error.message}`);
  process.exit(1);
});
