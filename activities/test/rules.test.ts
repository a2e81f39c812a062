import { calendarVersions, createDeadlineActivities, loadCalendars, saveCalendar, seedRules } from '../src';
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

describe('calendar versions (real FerretDB)', () => {
  const { models } = useTestDatabase();

  it('keeps the calendar in force of a database from before versions were kept as its first version', async () => {
    const calendar = { year: 2031, version: '2031.1', holidays: [{ name: '元旦', from: '2031-01-01', to: '2031-01-01' }], makeUpWorkdays: [] };
    await models().Calendar.create({ _id: 2031, ...calendar });
    await seedRules(models());
    await seedRules(models()); // a second restart adds nothing
    expect(await calendarVersions(models(), 2031)).toEqual([expect.objectContaining({ version: '2031.1', inForce: true, loadedBy: 'shipped', correction: 'not_needed', calendar })]);
  });

  it('loads ten copies of the same version at once as one version, in force once', async () => {
    const calendar = { year: 2032, version: '2032.1', holidays: [], makeUpWorkdays: [] };
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => saveCalendar(models(), calendar, { by: 'coordinator:li', at: new Date() })));
    expect(outcomes.filter((o) => o.outcome === 'created').length).toBeLessThanOrEqual(1);
    expect(await models().CalendarVersion.countDocuments({ year: 2032 })).toBe(1);
    expect((await calendarVersions(models(), 2032)).map((v) => [v.version, v.inForce, v.correction])).toEqual([['2032.1', true, 'pending']]);
  });
});
