import { Worker } from '@temporalio/worker';
import { bootstrap, main, serve } from '@complaints/runtime';
import { workflowsPath } from '@complaints/workflows';
import { createModels } from '@complaints/activities';
import { createApp } from './app';
import { createScoringActivities } from './freeze';
import { ensureSchedules } from './schedules';

main('reporting', async () => {
  const context = await bootstrap('reporting');
  const { config, logger, mongo, temporal } = context;
  // Reporting hosts the scheduled report workflows; their emails are sent on the notifier's queue.
  const worker = await Worker.create({
    connection: temporal.workerConnection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TASK_QUEUE_REPORTING,
    workflowsPath,
    activities: createScoringActivities(createModels(mongo)),
  });
  const created = await ensureSchedules(temporal.client, config);
  if (created.length) logger.info({ schedules: created }, 'schedules created');
  const models = createModels(mongo);
  await serve(context, createApp({ mongo, temporal: temporal.client, logger, models, secret: config.AUTH_SECRET }), config.REPORTING_PORT, worker);
});
