import { createDeadlineActivities, loadCalendars, saveCalendar, seedRules } from '../src';
import { useTestDatabase } from '../../test/database';

describe('rules in the database (real FerretDB)', () => {
  const { models } = useTestDatabase();

  it('seeds the shipped rules once and never overwrites an operator correction', async () => {
    await seedRules(models());
    const corrected = (await loadCalendars(models())).find((c) => c.year === 2026)!;
    await saveCalendar(models(), { ...corrected, version: '2026.2-corrected', makeUpWorkdays: corrected.makeUpWorkdays.slice(1) });
    await seedRules(models()); // a restart
    const after = (await loadCalendars(models())).find((c) => c.year === 2026)!;
    expect(after.version).toBe('2026.2-corrected');
    expect(after.makeUpWorkdays).toHaveLength(5);
    expect(await models().Policy.countDocuments({})).toBe(1);
  });

  it('warns once per process about a year without a calendar, however many deadlines use it', async () => {
    const warnings: string[] = [];
    const { computeDeadlines } = createDeadlineActivities({ models: models(), warn: (message) => warnings.push(message) });
    const request = { receivedAt: '2028-03-01T10:00:00+08:00', kind: 'complaint', category: 'service_process' } as const;
    const first = await computeDeadlines(request);
    await computeDeadlines(request);
    expect(first.missingCalendarYears).toEqual([2028]);
    expect(warnings).toEqual(['no working calendar for 2028: deadlines count weekends only until the operator loads one']);
  });
});
