// A database of its own for one test file, on the FerretDB that test/globalSetup.ts started.
import type { Connection as MongoConnection } from 'mongoose';
import { connectMongo } from '@complaints/runtime';
import { createModels, saveDirectory, seedRules, type Models } from '@complaints/activities';
import { testConfig, testDirectory } from './support';

/**
 * Registers a beforeAll that connects to a fresh database (testConfig()), creates the models and
 * their indexes, then seeds the shipped rules (`rules`) and a test directory tagged `directory`
 * (testDirectory(tag)); and an afterAll that drops the database and closes the connection. Call it
 * in the describe block before the file's own hooks, so that its beforeAll runs first (jest runs a
 * block's hooks in the order they are declared). The connection and the models exist only once
 * beforeAll has run: read them through the getters.
 */
export function useTestDatabase(options: { rules?: boolean; directory?: string } = {}) {
  const config = testConfig();
  let mongo: MongoConnection;
  let models: Models;

  beforeAll(async () => {
    mongo = await connectMongo(config);
    models = createModels(mongo);
    await Promise.all(Object.values(models).map((model) => model.init()));
    if (options.rules) await seedRules(models);
    if (options.directory !== undefined) await saveDirectory(models, testDirectory(options.directory));
  });

  afterAll(async () => {
    await mongo?.dropDatabase();
    await mongo?.close();
  });

  return { config, mongo: () => mongo, models: () => models };
}
