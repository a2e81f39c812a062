import { bootstrap, main, readDirectoryFile, serve } from '@complaints/shared/runtime';
import { createModels, seedDirectory, seedRules } from '@complaints/activities';
import { createApp } from './app';
import { createComplaintWorker } from './worker';

main('intake', async () => {
  const context = await bootstrap('intake');
  const { config, logger, mongo, temporal } = context;
  const models = createModels(mongo);
  await Promise.all(Object.values(models).map((model) => model.init()));
  await seedRules(models); // the shipped calendars and default policy, where the database has none
  if (config.DIRECTORY_FILE && (await seedDirectory(models, readDirectoryFile(config.DIRECTORY_FILE)))) logger.info('directory seeded');
  const worker = await createComplaintWorker({ config, connection: temporal.workerConnection, models, logger });
  await serve(context, createApp({ config, logger, mongo, models, temporal: temporal.client }), config.INTAKE_PORT, worker);
});
