import { Worker } from '@temporalio/worker';
import { bootstrap, main, serve } from '@complaints/shared/runtime';
import { createModels } from '@complaints/activities';
import { createApp } from './app';
import { createReportingActivities } from './activities';

main('reporting', async () => {
  const context = await bootstrap('reporting');
  const { config, logger, mongo, temporal } = context;
  const worker = await Worker.create({
    connection: temporal.workerConnection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TASK_QUEUE_REPORTING,
    activities: createReportingActivities({ models: createModels(mongo) }),
  });
  await serve(context, createApp({ mongo, temporal: temporal.client, logger }), config.REPORTING_PORT, worker);
});
