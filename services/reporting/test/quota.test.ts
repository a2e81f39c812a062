import request from 'supertest';
import { createLogger, signToken } from '@complaints/runtime';
import { createApp } from '../src/app';
import { useTestDatabase } from '../../../test/database';

// Service visits in, quota and incentive out (SPEC §6), over the read model as workflows write it.
describe('quota, incentive and penalties', () => {
  const { config, mongo, models } = useTestDatabase({ rules: true, directory: 'quota' });
  let app: ReturnType<typeof createApp>;
  let coordinator: string;

  beforeAll(async () => {
    app = createApp({ mongo: mongo(), temporal: undefined as never, logger: createLogger('quota', 'silent'), models: models(), secret: config.AUTH_SECRET });
    coordinator = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'c', role: 'coordinator' })}`;
    // November 2030: SH001 has three hotline complaints, all closed first time; two count against the quota.
    await models().Complaint.insertMany(
      ['product_quality', 'service_process', 'parts_supply'].map((category, i) => ({
        _id: `C2030111${i}-0001`,
        workflowId: 'w',
        kind: 'complaint',
        category,
        severity: 'minor',
        channel: 'hotline',
        status: 'closed',
        dealerCode: 'SH001',
        attributedDealerCode: 'SH001',
        receivedAt: new Date(`2030-11-1${i}T10:00:00+08:00`),
        closedAt: `2030-11-2${i}T10:00:00+08:00`,
        kpi: { repliedOnTime: true, contactedOnTime: true, firstTimeClosure: true, followUps: 1, falseReplies: 0, unreachable: false },
      })),
    );
  });

  const importCsv = (csv: string) => request(app).put('/api/reports/service-visits').set('authorization', coordinator).set('content-type', 'text/csv').send(csv);
  const card = async () => (await request(app).get('/api/reports/scorecard?month=2030-11&dealerCode=SH001').set('authorization', coordinator).expect(200)).body.dealers[0];

  it('refuses a CSV with bad rows as a whole, naming each line and field', async () => {
    const res = await importCsv('dealerCode,month,visits\nSH001,2030-07,150\nSH001,2030-13,100\nXX999,2030-08,100\nSH001,2030-09,-4\nSH001,2030-07,90\n').expect(400);
    expect(res.body).toMatchObject({ error: 'validation_failed', message: 'Nothing was imported: the file has invalid rows' });
    expect(res.body.details).toEqual([
      { path: 'line 3.month', message: 'must be a month, YYYY-MM' },
      { path: 'line 4.dealerCode', message: 'dealer XX999 is not in the directory' },
      { path: 'line 5.visits', message: 'must not be negative' },
      { path: 'line 6.month', message: 'SH001 2030-07 is also on line 2' },
    ]);
    expect(await models().ServiceVisits.countDocuments({})).toBe(0);
  });

  it('imports visits from CSV (with a BOM, as Excel saves it) or JSON, idempotently, and derives the quota', async () => {
    const csv = '\ufeffdealerCode,month,visits\r\nSH001,2030-07,150\r\nSH001,2030-08,100\r\nSH001,2030-09,50\r\n';
    expect((await importCsv(csv).expect(200)).body).toEqual({ imported: 3 });
    await importCsv(csv).expect(200);
    expect(await models().ServiceVisits.countDocuments({})).toBe(3);
    await request(app).put('/api/reports/service-visits').set('authorization', coordinator).send([{ dealerCode: 'SH002', month: '2030-09', visits: 400 }]).expect(200);
    const bad = await request(app).put('/api/reports/service-visits').set('authorization', coordinator).send([{ dealerCode: 'SH002', month: '2030-09', visits: 'many' }]).expect(400);
    expect(bad.body.details).toEqual([{ path: '[0].visits', message: 'must be a whole number' }]);

    const listed = await request(app).get('/api/reports/service-visits?pageSize=2&page=2').set('authorization', coordinator).expect(200);
    expect(listed.body).toEqual({ page: 2, pageSize: 2, total: 4, visits: [{ dealerCode: 'SH001', month: '2030-09', visits: 50 }, { dealerCode: 'SH002', month: '2030-09', visits: 400 }] });
    await request(app).get('/api/reports/service-visits?pageSize=201').set('authorization', coordinator).expect(400);

    const sh = await card();
    // Average 100 a month × 1 % = 1: two counted complaints are over it.
    expect(sh.quota).toEqual({ visits: [{ month: '2030-07', visits: 150 }, { month: '2030-08', visits: 100 }, { month: '2030-09', visits: 50 }], averageVisits: 100, ratio: 0.01, quota: 1 });
    expect(sh.incentive.eligible).toBe(false);
    expect(sh.incentive.conditions[0]).toEqual({ name: 'within_quota', pass: false, why: '2 counted complaints, quota 1' });
  });

  it('records penalties by the coordinator, shows them on the card, and media exposure costs the incentive', async () => {
    await importCsv('dealerCode,month,visits\nSH001,2030-07,300\nSH001,2030-08,300\nSH001,2030-09,300\n').expect(200); // quota 3
    expect((await card()).incentive.eligible).toBe(true);
    await request(app).post('/api/reports/penalties').set('authorization', coordinator).send({ dealerCode: 'SH001', month: '2030-11', kind: 'media_exposure', reason: '抖音视频曝光接待问题', complaintNumber: 'C20301110-0001' }).expect(201);
    const amount = await request(app).post('/api/reports/penalties').set('authorization', coordinator).send({ dealerCode: 'SH001', month: '2030-11', kind: 'amount', reason: '虚假回复', complaintNumber: 'C20301110-0001' }).expect(400);
    expect(amount.body.details).toEqual([{ path: 'amount', message: 'is required for an amount penalty' }]);
    await request(app).post('/api/reports/penalties').set('authorization', coordinator).send({ dealerCode: 'SH001', month: '2030-11', kind: 'amount', amount: 2000, reason: '虚假回复', complaintNumber: 'C20301110-0001' }).expect(201);
    const sh = await card();
    expect(sh.penalties).toEqual([
      { kind: 'media_exposure', reason: '抖音视频曝光接待问题', complaintNumber: 'C20301110-0001', by: 'c' },
      { kind: 'amount', amount: 2000, reason: '虚假回复', complaintNumber: 'C20301110-0001', by: 'c' },
    ]);
    expect(sh.incentive.eligible).toBe(false);
    expect(sh.incentive.conditions.find((c: { name: string }) => c.name === 'no_negative_media')).toEqual({ name: 'no_negative_media', pass: false, why: '抖音视频曝光接待问题' });
    const dealer = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'd', role: 'dealer', dealerCode: 'SH001' })}`;
    await request(app).post('/api/reports/penalties').set('authorization', dealer).send({ dealerCode: 'SH001', month: '2030-11', kind: 'delisting', reason: 'x', complaintNumber: 'C20301110-0001' }).expect(403);
    await request(app).put('/api/reports/service-visits').set('authorization', dealer).set('content-type', 'text/csv').send('dealerCode,month,visits\n').expect(403);
  });

  it('freezes a month: late events do not move it, and a recompute is explicit, with a reason, in the audit trail', async () => {
    const get = async () => (await request(app).get('/api/reports/scorecard?month=2030-11&dealerCode=SH001').set('authorization', coordinator).expect(200)).body;
    expect((await get()).frozen).toBeNull();
    const frozen = await request(app).post('/api/reports/scorecard/recompute').set('authorization', coordinator).send({ month: '2030-11', reason: '月度考核冻结' }).expect(200);
    expect(frozen.body).toMatchObject({ month: '2030-11', version: 1, audit: [{ action: 'freeze', by: 'c', reason: '月度考核冻结', dealers: 3 }] }); // every dealer of the directory: SH001, SH002, BJ002
    const before = await get();
    expect(before.frozen).toMatchObject({ version: 1, by: 'c' });
    expect(before.dealers[0].all.monthlyClosure).toEqual({ numerator: 3, denominator: 3, rate: 1 });

    // A late event: one complaint reopened after the freeze.
    await models().Complaint.updateOne({ _id: 'C20301110-0001' }, { $set: { status: 'awaiting_reply' }, $unset: { closedAt: 1 } });
    expect((await get()).dealers[0].all.monthlyClosure.numerator).toBe(3);

    const missing = await request(app).post('/api/reports/scorecard/recompute').set('authorization', coordinator).send({ month: '2030-11' }).expect(400);
    expect(missing.body.details).toEqual([{ path: 'reason', message: 'is required' }]);
    const redone = await request(app).post('/api/reports/scorecard/recompute').set('authorization', coordinator).send({ month: '2030-11', reason: '回访结果更正' }).expect(200);
    expect(redone.body.version).toBe(2);
    expect(redone.body.audit.map((a: { action: string; reason: string }) => [a.action, a.reason])).toEqual([['freeze', '月度考核冻结'], ['recompute', '回访结果更正']]);
    const after = await get();
    expect(after.frozen.version).toBe(2);
    expect(after.dealers[0].all.monthlyClosure).toEqual({ numerator: 2, denominator: 3, rate: 2 / 3 });
    const audit = await request(app).get('/api/reports/scorecard/audit?month=2030-11').set('authorization', coordinator).expect(200);
    expect(audit.body.audit).toHaveLength(2);
    const dealer = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'd', role: 'dealer', dealerCode: 'SH001' })}`;
    await request(app).post('/api/reports/scorecard/recompute').set('authorization', dealer).send({ month: '2030-11', reason: 'x' }).expect(403);
  });
});
