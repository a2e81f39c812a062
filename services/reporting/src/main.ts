import { bootstrap, main, serve } from '@complaints/runtime';
import { createModels } from '@complaints/activities';
import { createApp } from './app';
import { createReportingWorker } from './worker';
import { ensureSchedules } from './schedules';

main('reporting', async () => {
  const context = await bootstrap('reporting');
  const { config, logger, mongo, temporal } = context;
  const models = createModels(mongo);
  const worker = await createReportingWorker({ config, connection: temporal.workerConnection, models });
  const created = await ensureSchedules(temporal.client, config);
  if (created.length) logger.info({ schedules: created }, 'schedules created');
  await serve(context, createApp({ mongo, temporal: temporal.client, logger, models, secret: config.AUTH_SECRET, sessions: { idleMinutes: config.SESSION_IDLE_MINUTES, absoluteHours: config.SESSION_ABSOLUTE_HOURS }, intakeBaseUrl: config.PUBLIC_BASE_URL, reportingBaseUrl: config.REPORTING_BASE_URL }), config.REPORTING_PORT, worker);
});
