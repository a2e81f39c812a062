import type { Connection as MongoConnection } from 'mongoose';
import { createModels, seedRules, type Models } from '@complaints/activities';
import { connectMongo } from '@complaints/runtime';
import { beijingDate } from '@complaints/shared';
import { cli } from './runCli';
import { testConfig } from './support';
import { everythingAbout, savePoliciesOfThePast, storePastComplaint } from './retentionFixtures';

// SPEC §8: `npm run -s cli -- retention run --as-of YYYY-MM-DD [--dry-run]` runs the same retention
// as the daily Schedule against the database and prints its counts as JSON.
describe('ops CLI: retention run', () => {
  const config = testConfig();
  let mongo: MongoConnection;
  let models: Models;
  const number = 'C20240304-0001';

  beforeAll(async () => {
    mongo = await connectMongo(config);
    models = createModels(mongo);
    await Promise.all(Object.values(models).map((model) => model.init()));
    await seedRules(models);
    await savePoliciesOfThePast(models);
    await storePastComplaint(models, { number, receivedAt: '2024-03-04T10:00:00+08:00', closedAt: '2024-03-08T02:00:00.000Z' });
  });

  afterAll(async () => {
    await mongo?.dropDatabase();
    await mongo?.close();
  });

  it('counts with --dry-run, erases without it, and erases nothing more when run again', async () => {
    const env = { MONGO_URL: config.MONGO_URL };
    const dry = await cli(['retention', 'run', '--as-of', '2026-06-01', '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ asOf: '2026-06-01', dryRun: true, closed: 1, erased: 1, held: 0, alreadyErased: 0 });
    expect(await everythingAbout(models, number)).toContain('PII');

    const real = await cli(['retention', 'run', '--as-of', '2026-06-01'], env);
    expect(real.code).toBe(0);
    expect(JSON.parse(real.stdout)).toMatchObject({ asOf: '2026-06-01', dryRun: false, erased: 1, byPolicy: { '2024.short': { closedComplaintYears: 1, erased: 1 } } });
    expect(await everythingAbout(models, number)).not.toContain('PII');
    expect(await models.PrivacyAudit.findById(`${number}:erase`).lean()).toMatchObject({ by: expect.stringMatching(/^cli:/) });

    const again = await cli(['retention', 'run', '--as-of', '2026-06-01'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ erased: 0, alreadyErased: 1 });
  }, 60_000);

  const tomorrow = beijingDate(Date.now() + 86_400_000);
  it.each([
    [['retention', 'run'], '--as-of is required'],
    [['retention', 'run', '--as-of', '2026-13-01'], '--as-of: must be a date, YYYY-MM-DD'],
    [['retention', 'run', '--as-of', '01.06.2026'], '--as-of: must be a date, YYYY-MM-DD'],
    [['retention', 'run', '--as-of', tomorrow], `--as-of: must not be after today`],
    [['retention', 'run', '--as-of', '2026-06-01', '--colour', 'red'], "Unknown option '--colour'"],
    [['retention', 'purge'], 'retention: unknown action purge; use run'],
  ])('refuses %j with a message naming the option', async (args, message) => {
    const { code, stderr, stdout } = await cli(args, { MONGO_URL: config.MONGO_URL });
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stdout).toBe('');
  }, 30_000);

  it('looks ahead with --dry-run: what a later run would erase', async () => {
    const { code, stdout } = await cli(['retention', 'run', '--as-of', tomorrow, '--dry-run'], { MONGO_URL: config.MONGO_URL });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ asOf: tomorrow, dryRun: true });
  }, 30_000);
});
