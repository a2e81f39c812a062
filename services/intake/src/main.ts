import { bootstrap, main, readDirectoryFile, serve } from '@complaints/runtime';
import { createModels, seedDirectory, seedRules } from '@complaints/activities';
import { createApp } from './app';
import { createComplaintWorker } from './worker';
import { startReconciler } from './reconciler';
import { createDirectNotifier } from '@complaints/notifier/src/direct';

main('intake', async () => {
  const context = await bootstrap('intake');
  const { config, logger, mongo, temporal } = context;
  const models = createModels(mongo);
  await Promise.all(Object.values(models).map((model) => model.init()));
  await seedRules(models); // the shipped calendars and default policy, where the database has none
  if (config.DIRECTORY_FILE && (await seedDirectory(models, readDirectoryFile(config.DIRECTORY_FILE)))) logger.info('directory seeded');
  const worker = await createComplaintWorker({ config, connection: temporal.workerConnection, models, logger });
  const notifier = createDirectNotifier({ config, models, logger });
  const reconciler = startReconciler(
    { config, models, temporal: temporal.client, logger, now: () => new Date(), sendNotification: notifier.sendNotification },
    { intervalMs: config.RECONCILE_INTERVAL_MS, alertAfterMs: config.PENDING_ALERT_AFTER_MS },
  );
  await serve(context, createApp({ config, logger, mongo, models, temporal: temporal.client }), config.INTAKE_PORT, worker, async () => {
    await reconciler.stop();
    notifier.close();
  });
});
