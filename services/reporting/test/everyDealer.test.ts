import request from 'supertest';
import { findDealer, listDealers, saveDirectory } from '@complaints/activities';
import { createLogger, shippedPolicies, signToken } from '@complaints/runtime';
import { createApp } from '../src/app';
import { useTestDatabase } from '../../../test/database';
import { testDirectory } from '../../../test/support';

// SPEC §6 and seed 002 over the read model as the workflows write it: every dealer scored every
// month, internet complaints carried (网络抱怨 §6.4), repair requests apart (400抱怨 §6.2), the
// incentive amount (费用支持), and penalties (重大抱怨 §5.1) with what they do to the directory.
describe('scorecards for every dealer, with amounts and penalties', () => {
  const { config, mongo, models } = useTestDatabase({ rules: true, directory: 'every' });
  let app: ReturnType<typeof createApp>;
  let coordinator: string;

  const complaint = (number: string, fields: Record<string, unknown>) => ({
    _id: number,
    workflowId: `complaint-${number}`,
    kind: 'complaint',
    category: 'product_quality',
    severity: 'minor',
    channel: 'hotline',
    status: 'closed',
    closedAt: '2030-11-12T10:00:00+08:00',
    kpi: { repliedOnTime: true, contactedOnTime: true, firstTimeClosure: true, followUps: 1, falseReplies: 0, unreachable: false },
    ...fields,
    attributedDealerCode: fields.dealerCode,
  });

  beforeAll(async () => {
    app = createApp({ mongo: mongo(), temporal: undefined as never, logger: createLogger('every', 'silent'), models: models(), secret: config.AUTH_SECRET });
    coordinator = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'c', role: 'coordinator' })}`;
    // The directory beside SH001, SH002 (east) and BJ002 (north): dealers out of service, a 4-star dealer, one delisted from November.
    await models().Dealer.insertMany([
      { _id: 'SH003', name: '上海嘉定 3S 店', region: 'east', contacts: [{ email: 'sh003@test.local' }], serviceStatus: 'transitional' },
      { _id: 'BJ003', name: '北京顺义 3S 店', region: 'north', contacts: [{ email: 'bj003@test.local' }], serviceStatus: 'suspended' },
      { _id: 'SH004', name: '上海徐汇 4S 店', region: 'east', contacts: [{ email: 'sh004@test.local' }], starLevel: 4 },
      { _id: 'BJ009', name: '北京通州 3S 店', region: 'north', contacts: [{ email: 'bj009@test.local' }], delistedFrom: '2030-11' },
    ]);
    // From October 2030 the policy pays by star level: ¥3,000 at four stars, else ¥2,000.
    const shipped = shippedPolicies()[0]!;
    await models().Policy.create({ ...shipped, _id: 'test-stars', version: 'test-stars', effectiveFrom: '2030-10-01T00:00:00+08:00', incentive: { amount: 2000, byStarLevel: { '4': 3000 } } } as never);
    await models().Complaint.insertMany([
      // October's internet complaints of SH001: one still open, one closed on 5 November, one closed in October.
      complaint('C20301020-0001', { dealerCode: 'SH001', channel: 'internet', receivedAt: new Date('2030-10-20T10:00:00+08:00'), status: 'awaiting_reply', closedAt: undefined }),
      complaint('C20301021-0001', { dealerCode: 'SH001', channel: 'internet', receivedAt: new Date('2030-10-21T10:00:00+08:00'), closedAt: '2030-11-05T02:00:00.000Z' }),
      complaint('C20301022-0001', { dealerCode: 'SH001', channel: 'internet', receivedAt: new Date('2030-10-22T10:00:00+08:00'), closedAt: '2030-10-25T02:00:00.000Z' }),
      // November.
      complaint('C20301110-0001', { dealerCode: 'SH001', receivedAt: new Date('2030-11-10T10:00:00+08:00') }),
      complaint('C20301112-0001', { dealerCode: 'SH004', category: 'parts_supply', receivedAt: new Date('2030-11-12T10:00:00+08:00') }),
      complaint('C20301113-0001', { dealerCode: 'BJ003', category: 'parts_supply', receivedAt: new Date('2030-11-13T10:00:00+08:00') }),
      complaint('C20301114-0001', { dealerCode: 'XX999', category: 'parts_supply', receivedAt: new Date('2030-11-14T10:00:00+08:00') }),
    ]);
    // The dispatch's repair case, as the workflow's projection writes it (straight to the collection: the field is the read model's, whatever the schema says).
    await models().Complaint.collection.insertOne(
      complaint('C20301111-0001', { dealerCode: 'SH002', kind: 'repair_request', repairCase: 'dealer_left_network', receivedAt: new Date('2030-11-11T10:00:00+08:00'), kpi: { repliedOnTime: null, repairFeedbackOnTime: false, contactedOnTime: true, firstTimeClosure: true, followUps: 1, falseReplies: 0, unreachable: false } }) as never,
    );
  });

  const cards = async (month: string) => (await request(app).get(`/api/reports/scorecard?month=${month}`).set('authorization', coordinator).expect(200)).body;
  const penalty = (body: Record<string, unknown>) => request(app).post('/api/reports/penalties').set('authorization', coordinator).send(body);

  it('scores every dealer of the month, with or without complaints, in or out of service, and a dealer no longer listed', async () => {
    const body = await cards('2030-11');
    const byCode = Object.fromEntries(body.dealers.map((d: { dealerCode: string }) => [d.dealerCode, d]));
    // BJ009 was delisted from November: not scored for it.
    expect(Object.keys(byCode)).toEqual(['BJ002', 'BJ003', 'SH001', 'SH002', 'SH003', 'SH004', 'XX999']);
    // BJ002: no complaints, no service visits: "no data" rates, within any quota, eligible, the fixed amount.
    expect(byCode.BJ002.all.replyOnTime).toEqual({ numerator: 0, denominator: 0, rate: null });
    expect(byCode.BJ002.incentive).toMatchObject({ eligible: true, amountDue: 2000 });
    expect(byCode.BJ002.incentive.conditions[0]).toEqual({ name: 'within_quota', pass: true, why: '0 counted complaints: within any quota (no service visits recorded for 2030-07, 2030-08, 2030-09)' });
    expect(byCode.SH004).toMatchObject({ starLevel: 4, incentive: { eligible: true, amountDue: 3000, amountBasis: 'star level 4: 3000' } });
    expect(byCode.SH003.incentive.conditions.find((c: { name: string }) => c.name === 'in_service')).toEqual({ name: 'in_service', pass: false, why: 'transitional service (过渡服务): no incentive' });
    expect(byCode.BJ003.incentive).toMatchObject({ eligible: false, amountDue: 0 });
    expect(byCode.XX999).toMatchObject({ dealerName: '', region: '', incentive: { eligible: false, amountDue: 0 } });
    // SH001: October's two internet complaints open at November's start are carried; one closed in November.
    expect(byCode.SH001.internet).toMatchObject({ complaints: 0, carried: 2, carriedClosed: 1, monthlyClosure: { numerator: 1, denominator: 2, rate: 0.5 } });
    expect(byCode.SH001.incentive).toMatchObject({ eligible: false, amountDue: 0 });
    // SH002: its repair request was late on its own clock, which costs nothing.
    expect(byCode.SH002.repairRequests).toMatchObject({ complaints: 1, replyOnTime: { numerator: 0, denominator: 1 }, byRepairCase: { dealer_left_network: 1 } });
    expect(byCode.SH002.incentive).toMatchObject({ eligible: true, amountDue: 2000 });
    // The month's policy numbers, for the pages that name them (SPEC §4: every number is the policy's).
    expect(body.policy).toEqual({ version: 'test-stars', replyHours: 24, contactHours: 24, repairFeedbackWorkingDays: 3, incentiveAmount: 2000, incentiveByStarLevel: { '4': 3000 }, acknowledgementIsCondition: false });
    // For finance: per region and for the network.
    expect(body.totals).toEqual({
      regions: [
        { region: '', dealers: 1, eligible: 0, amountDue: 0, penaltyAmount: 0 },
        { region: 'east', dealers: 4, eligible: 2, amountDue: 5000, penaltyAmount: 0 },
        { region: 'north', dealers: 2, eligible: 1, amountDue: 2000, penaltyAmount: 0 },
      ],
      network: { region: '', dealers: 7, eligible: 3, amountDue: 7000, penaltyAmount: 0 },
    });
    // October: BJ009 was still in the network; SH001's internet closure was 1 of 3 (none carried in).
    const october = await cards('2030-10');
    expect(october.dealers.map((d: { dealerCode: string }) => d.dealerCode)).toContain('BJ009');
    expect(october.dealers.find((d: { dealerCode: string }) => d.dealerCode === 'SH001').internet).toMatchObject({ complaints: 3, carried: 0, monthlyClosure: { numerator: 1, denominator: 3 } });
    // December: the complaint still open is carried again.
    const december = await cards('2030-12');
    expect(december.dealers.find((d: { dealerCode: string }) => d.dealerCode === 'SH001').internet).toMatchObject({ complaints: 0, carried: 1, carriedClosed: 0, monthlyClosure: { numerator: 0, denominator: 1 } });
  });

  it('puts the carried complaints, the amount due and the totals per region and network in the CSV', async () => {
    const res = await request(app).get('/api/reports/scorecard?month=2030-11&format=csv').set('authorization', coordinator).expect(200);
    const lines = res.text.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toContain('结转网络抱怨 carried internet,结转已闭环 carried closed');
    expect(lines[0]).toContain('支持额度 amount due');
    expect(lines).toHaveLength(1 + 7 * 4 + 3 + 1); // header, 7 dealers × 4 scopes, 3 region totals, the network's
    const internet = lines.find((l) => l.startsWith('2030-11,SH001,') && l.includes(',internet,'))!;
    expect(internet).toMatch(/,1,2,50\.0%,0,0,无数据,2,1,,,,,,,$/); // monthly closure 1/2 with the carried, satisfaction no data, then carried 2, carried closed 1
    expect(lines.find((l) => l.startsWith('2030-11,SH004,') && l.includes(',all,'))).toMatch(/^2030-11,SH004,上海徐汇 4S 店,east,4,all,/);
    expect(lines.find((l) => l.startsWith('2030-11,SH004,') && l.includes(',all,'))).toMatch(/,是 yes,3000,,,暂定 provisional \(2030-12-10 06:00 冻结 freezes\)$/);
    expect(lines.at(-1)).toMatch(/^2030-11,合计 total,"7 dealers, 3 eligible",全网 network,,total,.*,3\/7,7000,,,暂定 provisional \(2030-12-10 06:00 冻结 freezes\)$/);
    expect(lines.find((l) => l.includes(',合计 total,') && l.includes(',east,'))).toMatch(/,2\/4,5000,,,暂定 provisional \(2030-12-10 06:00 冻结 freezes\)$/);
  });

  it('refuses a penalty that is not one of seed 002’s, naming the field', async () => {
    const base = { dealerCode: 'SH001', month: '2030-11', reason: '虚假回复', complaintNumber: 'C20301110-0001' };
    const details = async (body: Record<string, unknown>, status: number) => (await penalty(body).expect(status)).body.details;
    expect(await details({ ...base, kind: 'warning' }, 400)).toEqual([{ path: 'kind', message: expect.stringContaining('amount') }]);
    expect(await details({ ...base, kind: 'amount', amount: 500 }, 400)).toEqual([{ path: 'amount', message: 'must be between 1000 and 10000 yuan (seed 002 重大抱怨 §5.1, policy test-stars)' }]);
    expect(await details({ ...base, kind: 'amount', amount: 20_000 }, 400)).toEqual([{ path: 'amount', message: 'must be between 1000 and 10000 yuan (seed 002 重大抱怨 §5.1, policy test-stars)' }]);
    expect(await details({ ...base, kind: 'amount' }, 400)).toEqual([{ path: 'amount', message: 'is required for an amount penalty' }]);
    expect(await details({ ...base, kind: 'star_downgrade', amount: 2000 }, 400)).toEqual([{ path: 'amount', message: 'only an amount penalty has an amount' }]);
    expect(await details({ ...base, kind: 'delisting', severity: 'high' }, 400)).toEqual([{ path: 'severity', message: 'is not a field of a penalty' }]);
    expect(await details({ ...base, kind: 'delisting', reason: ' ' }, 400)).toEqual([{ path: 'reason', message: 'is required' }]);
    const { complaintNumber: _none, ...withoutComplaint } = base;
    expect(await details({ ...withoutComplaint, kind: 'delisting' }, 400)).toEqual([{ path: 'complaintNumber', message: 'is required' }]);
    expect(await details({ ...base, kind: 'media_exposure', complaintNumber: 'C20301231-0009' }, 422)).toEqual([{ path: 'complaintNumber', message: 'is not a known complaint' }]);
    expect(await details({ ...base, kind: 'media_exposure', complaintNumber: 'C20301111-0001' }, 422)).toEqual([{ path: 'complaintNumber', message: 'is not a complaint of dealer SH001' }]);
    expect(await details({ ...base, dealerCode: 'XX998', kind: 'media_exposure' }, 422)).toEqual([{ path: 'dealerCode', message: 'is not a known dealer' }]);
    expect(await details({ ...base, kind: 'star_downgrade' }, 422)).toEqual([{ path: 'kind', message: 'dealer SH001 has no star level to lower or cancel' }]);
    expect(await models().Penalty.countDocuments({})).toBe(0);
  });

  it('records each kind of penalty on the card; a downgrade and a cancellation change the star level, a delisting the directory, from the next month', async () => {
    await penalty({ dealerCode: 'SH001', month: '2030-11', kind: 'amount', amount: 2000, reason: '虚假回复', complaintNumber: 'C20301110-0001' }).expect(201);
    await penalty({ dealerCode: 'SH002', month: '2030-11', kind: 'media_exposure', reason: '抖音曝光', complaintNumber: 'C20301111-0001' }).expect(201);
    const downgrade = await penalty({ dealerCode: 'SH004', month: '2030-11', kind: 'star_downgrade', reason: '重大抱怨处理不及时', complaintNumber: 'C20301112-0001' }).expect(201);
    expect(downgrade.body).toMatchObject({ kind: 'star_downgrade', complaintNumber: 'C20301112-0001', effect: { starLevel: 3, from: '2030-12' } });
    await penalty({ dealerCode: 'SH004', month: '2030-12', kind: 'star_cancellation', reason: '再次发生', complaintNumber: 'C20301112-0001' }).expect(201);
    const delisting = await penalty({ dealerCode: 'BJ003', month: '2030-11', kind: 'delisting', reason: '撤站', complaintNumber: 'C20301113-0001' }).expect(201);
    expect(delisting.body.effect).toEqual({ delistedFrom: '2030-12' });

    const november = Object.fromEntries((await cards('2030-11')).dealers.map((d: { dealerCode: string }) => [d.dealerCode, d]));
    expect(november.SH001.penalties).toEqual([{ kind: 'amount', amount: 2000, reason: '虚假回复', complaintNumber: 'C20301110-0001', by: 'c' }]);
    expect(november.SH002.incentive).toMatchObject({ eligible: false, amountDue: 0 }); // media exposure
    expect(november.SH004).toMatchObject({ starLevel: 4, incentive: { amountDue: 3000 } }); // the downgrade applies from December
    expect(november.BJ003.penalties).toMatchObject([{ kind: 'delisting' }]);

    const december = Object.fromEntries((await cards('2030-12')).dealers.map((d: { dealerCode: string }) => [d.dealerCode, d]));
    expect(december.SH004).toMatchObject({ starLevel: 3, incentive: { eligible: true, amountDue: 2000 } });
    expect(december.BJ003).toBeUndefined(); // delisted from December
    const january = Object.fromEntries((await cards('2031-01')).dealers.map((d: { dealerCode: string }) => [d.dealerCode, d]));
    expect(january.SH004.starLevel).toBeNull();

    // The directory as intake reads it: active until the delisting month, the star level of the month asked for.
    expect(await findDealer(models(), 'BJ003', '2030-11')).toMatchObject({ active: true, delistedFrom: '2030-12' });
    expect(await findDealer(models(), 'BJ003', '2030-12')).toMatchObject({ active: false });
    expect((await listDealers(models(), '2030-12')).find((d) => d.code === 'SH004')).toMatchObject({ starLevel: 3, active: true });
  });

  it('applies a penalty recorded late from next month, never to a month under way, and records a retried one once', async () => {
    await models().Dealer.create({ _id: 'SH005', name: '上海闵行 4S 店', region: 'east', contacts: [{ email: 'sh005@test.local' }], starLevel: 5 });
    await models().Complaint.insertMany([complaint('C20301115-0001', { dealerCode: 'SH005', receivedAt: new Date('2030-11-15T10:00:00+08:00') })]);
    // Recorded on 15 March 2031 for November 2030: December to March are past or under way.
    const march = createApp({ mongo: mongo(), temporal: undefined as never, logger: createLogger('every', 'silent'), models: models(), secret: config.AUTH_SECRET, now: () => new Date('2031-03-15T10:00:00+08:00') });
    const body = { dealerCode: 'SH005', month: '2030-11', kind: 'star_downgrade', reason: '重大抱怨处理不及时', complaintNumber: 'C20301115-0001' };
    const post = () => request(march).post('/api/reports/penalties').set('authorization', coordinator).set('idempotency-key', 'late-downgrade-1').send(body);
    const first = await post().expect(201);
    expect(first.body.effect).toEqual({ starLevel: 4, from: '2031-04' });
    // The same request again after its key was released (a failure part-way): the same penalty, one star change.
    await mongo().collection('idempotent_requests').deleteMany({});
    const again = await post().expect(201);
    expect(again.body.id).toBe(first.body.id);
    expect(await models().Penalty.countDocuments({ dealerCode: 'SH005' })).toBe(1);
    expect((await models().Dealer.findById('SH005').lean())?.starChanges).toHaveLength(1);
  });

  it('keeps what penalties did to a dealer when the directory is loaded again', async () => {
    await penalty({ dealerCode: 'SH002', month: '2031-02', kind: 'delisting', reason: '撤站', complaintNumber: 'C20301111-0001' }).expect(201);
    await saveDirectory(models(), testDirectory('every')); // the operator's file knows nothing of delistings
    expect(await findDealer(models(), 'SH002', '2031-02')).toMatchObject({ active: true });
    expect(await findDealer(models(), 'SH002', '2031-03')).toMatchObject({ active: false, delistedFrom: '2031-03' });
  });

  it('serves a month frozen before cards had these figures, with defaults', async () => {
    const old = await cards('2030-10');
    const card = old.dealers.find((d: { dealerCode: string }) => d.dealerCode === 'SH001');
    // As frozen by the first version: no 当日确认 rate, no carried figures, no amount.
    const { acknowledgedOnTime: _a, ...all } = card.all;
    const { carried: _c, carriedClosed: _cc, acknowledgedOnTime: _ai, ...internet } = card.internet;
    const { amountDue: _d, amountBasis: _b, ...incentive } = card.incentive;
    const { ratings: _r, starLevel: _s, serviceStatus: _ss, ...rest } = card;
    await models().FrozenScorecard.create({ _id: '2030-09', month: '2030-09', version: 1, frozenAt: '2030-10-01T06:00:00Z', frozenBy: 'schedule', cards: [{ ...rest, month: '2030-09', all, hotline: all, internet, incentive: { ...incentive, eligible: true } }], audit: [] });
    const frozen = (await cards('2030-09')).dealers[0];
    expect(frozen.all.acknowledgedOnTime).toEqual({ numerator: 0, denominator: 0, rate: null });
    expect(frozen.internet).toMatchObject({ carried: 0, carriedClosed: 0 });
    expect(frozen.incentive).toMatchObject({ eligible: true, amountDue: null });
    expect(frozen.starLevel).toBeNull();
    await request(app).get('/api/reports/scorecard?month=2030-09&format=csv').set('authorization', coordinator).expect(200);
  });
});
