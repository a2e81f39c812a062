import request from 'supertest';
import { signToken } from '@complaints/runtime';
import { shippedPolicies } from '@complaints/runtime/src/rules';
import { useIntakeApp } from './harness';

// SPEC §4, §8: the calendars and policies as the coordinator operates them (the console's calendars
// page calls this API): listed with who loaded them, checked by the same rules as the CLI with the
// difference from the version in force, loaded whole or refused whole, naming the field at fault.

const CALENDAR_2027 = {
  year: 2027,
  version: '2027.1',
  source: '国务院办公厅通知（测试）',
  holidays: [
    { name: '元旦', from: '2027-01-01', to: '2027-01-03' },
    { name: '春节', from: '2027-02-06', to: '2027-02-12' },
  ],
  makeUpWorkdays: [{ name: '春节调休', date: '2027-02-20' }],
};

describe('calendars and policies over the API', () => {
  const intake = useIntakeApp('calendars', { now: () => new Date('2026-12-07T02:00:00Z') });
  const { config } = intake;
  const app = () => intake.app();
  let coordinator: string;
  let dealer: string;

  beforeAll(async () => {
    coordinator = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'li', role: 'coordinator' })}`;
    dealer = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'd1', role: 'dealer', dealerCode: 'SH001' })}`;
  });

  const put = (body: unknown, year = 2027, key?: string) => {
    const req = request(app()).put(`/api/calendars/${year}`).set('authorization', coordinator);
    return (key ? req.set('idempotency-key', key) : req).send(body as object);
  };
  const paths = (res: request.Response) => (res.body.details as { path: string }[]).map((d) => d.path);

  it('lists the loaded years with who loaded them, and warns in December that next year is missing', async () => {
    await request(app()).get('/api/calendars').expect(401);
    await request(app()).get('/api/calendars').set('authorization', dealer).expect(200); // public knowledge, for every staff role
    const res = await request(app()).get('/api/calendars').set('authorization', coordinator).expect(200);
    expect(res.body.years).toEqual([
      { year: 2025, version: expect.any(String), loadedBy: 'shipped', loadedAt: expect.any(String) },
      { year: 2026, version: expect.any(String), loadedBy: 'shipped', loadedAt: expect.any(String) },
    ]);
    expect(res.body.warnings).toEqual([{ code: 'next_year_missing', year: 2027, message: expect.stringContaining('2027') }]);
  });

  it.each([
    ['a file for the wrong year', { ...CALENDAR_2027, year: 2026 }, 'year'],
    ['overlapping holidays', { ...CALENDAR_2027, holidays: [{ name: '元旦', from: '2027-01-01', to: '2027-01-03' }, { name: '补假', from: '2027-01-02', to: '2027-01-04' }] }, 'holidays.1.from'],
    ['unsorted holidays', { ...CALENDAR_2027, holidays: [...CALENDAR_2027.holidays].reverse() }, 'holidays.1.from'],
    ['a make-up day on a weekday', { ...CALENDAR_2027, makeUpWorkdays: [{ name: '调休', date: '2027-02-19' }] }, 'makeUpWorkdays.0.date'],
    ['a holiday in another year', { ...CALENDAR_2027, holidays: [{ name: '元旦', from: '2026-12-31', to: '2027-01-01' }] }, 'holidays.0.from'],
  ])('refuses %s with the field named, and saves nothing', async (_what, body, path) => {
    const res = await put(body).expect(400);
    expect(paths(res)).toContain(path);
    expect(await intake.models().CalendarVersion.countDocuments({ year: 2027 })).toBe(0);
    expect(await intake.models().Calendar.exists({ _id: 2027 })).toBeNull();
  });

  it('checks a calendar without loading it, with its difference from the version in force', async () => {
    const res = await request(app()).post('/api/calendars/check').set('authorization', coordinator).send(CALENDAR_2027).expect(200);
    expect(res.body.diff).toMatchObject({ year: 2027, to: '2027.1', holidaysRemoved: [], makeUpWorkdaysAdded: [{ date: '2027-02-20', name: '春节调休' }] });
    expect(res.body.diff.holidaysAdded).toHaveLength(10);
    expect(await intake.models().Calendar.exists({ _id: 2027 })).toBeNull();
    await request(app()).post('/api/calendars/check').set('authorization', dealer).send(CALENDAR_2027).expect(403);
  });

  it('loads a calendar once: the warning goes, a repeat is the same load, the same version with other days is refused', async () => {
    const first = await put(CALENDAR_2027, 2027, 'calendar-2027-0001').expect(201);
    expect(first.body).toMatchObject({ year: 2027, version: '2027.1', outcome: 'created', correction: 'started' });
    await put(CALENDAR_2027, 2027, 'calendar-2027-0001').expect(201); // a retry of the same request: its answer again
    const again = await put(CALENDAR_2027, 2027, 'calendar-2027-0002').expect(200);
    expect(again.body.outcome).toBe('unchanged');
    const conflict = await put({ ...CALENDAR_2027, makeUpWorkdays: [] }).expect(409);
    expect(paths(conflict)).toEqual(['version']);

    const list = await request(app()).get('/api/calendars').set('authorization', coordinator).expect(200);
    expect(list.body.years.at(-1)).toMatchObject({ year: 2027, version: '2027.1', loadedBy: 'coordinator:li' });
    expect(list.body.warnings).toEqual([]);
    const versions = await request(app()).get('/api/calendars/2027').set('authorization', coordinator).expect(200);
    expect(versions.body).toMatchObject({ year: 2027, inForce: '2027.1', versions: [{ version: '2027.1', inForce: true, loadedBy: 'coordinator:li', correction: 'started', calendar: CALENDAR_2027 }] });
    expect(await intake.models().CalendarVersion.countDocuments({ year: 2027 })).toBe(1);
  });

  it('lists the policies with the one in force, and loads a new version only when it is valid and still to come', async () => {
    const shipped = shippedPolicies()[0]!;
    const list = await request(app()).get('/api/policies').set('authorization', coordinator).expect(200);
    expect(list.body).toMatchObject({ inForce: shipped.version, versions: [{ policy: { version: shipped.version }, inForce: true, loadedBy: 'shipped' }] });

    const next = { ...shipped, version: '2027.1', effectiveFrom: '2027-01-01T00:00:00+08:00', description: '闭环时限提醒提前' };
    const reminder = await request(app()).post('/api/policies').set('authorization', coordinator).send({ ...next, closure: { ...shipped.closure, reminderBeforeHours: 72 } }).expect(400);
    expect(paths(reminder)).toEqual(['closure.reminderBeforeHours']);
    const past = await request(app()).post('/api/policies').set('authorization', coordinator).send({ ...next, effectiveFrom: '2026-12-01T00:00:00+08:00' }).expect(400);
    expect(paths(past)).toEqual(['effectiveFrom']);
    expect(await intake.models().Policy.countDocuments({})).toBe(1);

    const changed = { ...next, closure: { ...shipped.closure, reminderBeforeHours: 48 } };
    const check = await request(app()).post('/api/policies/check').set('authorization', coordinator).send(changed).expect(200);
    expect(check.body).toEqual({ valid: true, against: shipped.version, diff: expect.arrayContaining([{ path: 'closure.reminderBeforeHours', from: 24, to: 48 }]) });
    const created = await request(app()).post('/api/policies').set('authorization', coordinator).set('idempotency-key', 'policy-2027-0001').send(changed).expect(201);
    expect(created.body).toMatchObject({ version: '2027.1', outcome: 'created', against: shipped.version });
    const clash = await request(app()).post('/api/policies').set('authorization', coordinator).send({ ...changed, description: 'other' }).expect(409);
    expect(paths(clash)).toEqual(['version']);
    const after = await request(app()).get('/api/policies').set('authorization', coordinator).expect(200);
    expect(after.body.versions.map((v: { policy: { version: string }; loadedBy: string }) => [v.policy.version, v.loadedBy])).toEqual([
      ['2027.1', 'coordinator:li'],
      [shipped.version, 'shipped'],
    ]);
    expect(after.body.inForce).toBe(shipped.version); // in force from January 1
  });
});
