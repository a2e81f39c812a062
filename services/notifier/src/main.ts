import { loadConfig } from '@complaints/shared';
import { closeServer, connectMongo, connectTemporal, createLogger, installTemporalLogging, listen, runUntilSignal } from '@complaints/shared/runtime';
import { createApp } from './app';
import { createNotifierWorker, createTransport } from './worker';

async function main() {
  const config = loadConfig(process.env);
  const logger = createLogger('notifier', config.LOG_LEVEL);
  installTemporalLogging(logger, config.LOG_LEVEL);
  const mongo = await connectMongo(config);
  const temporal = await connectTemporal(config);
  const transport = createTransport(config);
  const worker = await createNotifierWorker({ config, connection: temporal.workerConnection, mongo, transport });
  const running = worker.run();
  const server = await listen(createApp({ mongo, temporal: temporal.client, logger }), config.NOTIFIER_PORT, config.HOST);
  logger.info({ port: config.NOTIFIER_PORT, taskQueue: config.TASK_QUEUE_NOTIFICATIONS }, 'notifier ready');

  runUntilSignal(logger, async () => {
    await closeServer(server);
    if (worker.getState() === 'RUNNING') worker.shutdown(); // the SDK may have begun on the signal itself
    await running;
    transport.close();
    await mongo.close();
    await temporal.close();
  });
}

main().catch((error: Error) => {
  console.error(`notifier failed to start: ${error.message}`);
  process.exit(1);
});
