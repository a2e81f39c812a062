import request from 'supertest';
import { createLogger, shippedPolicies, signToken, type Principal } from '@complaints/runtime';
import { createApp } from '../src/app';
import { useTestDatabase } from '../../../test/database';

// The analysis report, the forced-closure list, the list open past 3 months and the case library,
// over a read model written as the workflows write it.
describe('reports and lists', () => {
  const { config, mongo, models } = useTestDatabase({ directory: 'lists' });
  let app: ReturnType<typeof createApp>;
  const auth = async (claims: Principal) => `Bearer ${await signToken(config.AUTH_SECRET, claims)}`;
  let coordinator: string;

  const doc = (id: string, over: Record<string, unknown>) => ({
    _id: id,
    workflowId: `complaint-${id}`,
    kind: 'complaint',
    category: 'service_process',
    severity: 'minor',
    channel: 'hotline',
    status: 'closed',
    dealerCode: 'SH001',
    region: 'east',
    receivedAt: new Date('2030-03-10T10:00:00+08:00'),
    closedAt: '2030-03-12T10:00:00+08:00',
    kpi: { repliedOnTime: true, contactedOnTime: true, firstTimeClosure: true, followUps: 1, falseReplies: 0, unreachable: false },
    ...over,
  });

  beforeAll(async () => {
    app = createApp({ mongo: mongo(), temporal: undefined as never, logger: createLogger('lists', 'silent'), models: models(), secret: config.AUTH_SECRET });
    coordinator = await auth({ sub: 'c', role: 'coordinator' });
    await models().Complaint.insertMany([
      doc('C20300310-0001', {}),
      doc('C20300311-0001', { channel: 'internet', status: 'force_closed', closedAt: '2030-04-02T10:00:00+08:00', closeReason: '客户期望无法满足' }),
      doc('C20300312-0001', { category: 'product_quality', status: 'awaiting_reply', closedAt: undefined, escalated: true }),
      doc('C20300313-0001', { dealerCode: 'BJ002', region: 'north', status: 'closed_unreachable', closedAt: '2030-03-20T10:00:00+08:00' }),
      doc('C20300401-0001', { receivedAt: new Date('2030-04-01T10:00:00+08:00'), closedAt: '2030-04-03T10:00:00+08:00' }),
    ]);
  });

  it('analyses complaints by month, region, channel and category, in JSON and CSV', async () => {
    const { body } = await request(app).get('/api/reports/analysis?from=2030-03&to=2030-04').set('authorization', coordinator).expect(200);
    expect(body.rows).toEqual([
      { month: '2030-03', region: 'east', channel: 'hotline', category: 'product_quality', complaints: 1, closedByMonthEnd: 0, satisfied: 0, forced: 0, unreachable: 0, escalated: 1, dispatchMeasured: 0, dispatchedOnTime: 0 },
      { month: '2030-03', region: 'east', channel: 'hotline', category: 'service_process', complaints: 1, closedByMonthEnd: 1, satisfied: 1, forced: 0, unreachable: 0, escalated: 0, dispatchMeasured: 0, dispatchedOnTime: 0 },
      { month: '2030-03', region: 'east', channel: 'internet', category: 'service_process', complaints: 1, closedByMonthEnd: 0, satisfied: 0, forced: 1, unreachable: 0, escalated: 0, dispatchMeasured: 0, dispatchedOnTime: 0 },
      { month: '2030-03', region: 'north', channel: 'hotline', category: 'service_process', complaints: 1, closedByMonthEnd: 0, satisfied: 0, forced: 0, unreachable: 1, escalated: 0, dispatchMeasured: 0, dispatchedOnTime: 0 },
      { month: '2030-04', region: 'east', channel: 'hotline', category: 'service_process', complaints: 1, closedByMonthEnd: 1, satisfied: 1, forced: 0, unreachable: 0, escalated: 0, dispatchMeasured: 0, dispatchedOnTime: 0 },
    ]);
    const csv = await request(app).get('/api/reports/analysis?from=2030-03&to=2030-03&format=csv').set('authorization', coordinator).expect(200);
    expect(csv.text.startsWith('\ufeff月份 month,大区 region,渠道 channel,分类 category')).toBe(true);
    expect(csv.text).toContain('2030-03,east,网络抱怨,服务过程,1,0,0,1,0,0,0,0\r\n');
    const bad = await request(app).get('/api/reports/analysis?from=2030-04&to=2030-03').set('authorization', coordinator).expect(400);
    expect(bad.body.details).toEqual([{ path: 'to', message: 'must not be before from' }]);
  });

  it('averages the follow-up ratings by month, region and dealer (SPEC §3.7), in JSON and CSV', async () => {
    const rated = (id: string, dealerCode: string, region: string, ratings: Record<string, number> | null, over: Record<string, unknown> = {}) =>
      doc(id, { dealerCode, attributedDealerCode: dealerCode, region, receivedAt: new Date('2030-08-05T10:00:00+08:00'), closedAt: '2030-08-06T10:00:00+08:00', kpi: { ...doc(id, {}).kpi, ratings }, ...over });
    await models().Complaint.insertMany([
      rated('C20300805-0001', 'SH001', 'east', { serviceQuality: 4, attitude: 5, priceCheck: 3, overall: 4 }),
      rated('C20300805-0002', 'SH001', 'east', { overall: 2 }),
      rated('C20300805-0003', 'SH002', 'east', { serviceQuality: 5, overall: 5 }),
      rated('C20300805-0004', 'BJ002', 'north', { attitude: 1, overall: 3 }),
      rated('C20300805-0005', 'BJ002', 'north', null), // followed up without ratings
      rated('C20300805-0006', 'BJ002', 'north', { overall: 1 }, { kind: 'repair_request' }), // repair requests are not complaints
    ]);
    const { body } = await request(app).get('/api/reports/analysis?from=2030-08&to=2030-08').set('authorization', coordinator).expect(200);
    const avg = (count: number, total: number) => ({ count, total, average: count ? total / count : null });
    expect(body.ratings.byMonth).toEqual([{ month: '2030-08', complaints: 5, serviceQuality: avg(2, 9), attitude: avg(2, 6), priceCheck: avg(1, 3), overall: avg(4, 14) }]);
    expect(body.ratings.byRegion).toEqual([
      { month: '2030-08', region: 'east', complaints: 3, serviceQuality: avg(2, 9), attitude: avg(1, 5), priceCheck: avg(1, 3), overall: avg(3, 11) },
      { month: '2030-08', region: 'north', complaints: 2, serviceQuality: avg(0, 0), attitude: avg(1, 1), priceCheck: avg(0, 0), overall: avg(1, 3) },
    ]);
    expect(body.ratings.byDealer.map((r: { dealerCode: string; overall: unknown }) => [r.dealerCode, r.overall])).toEqual([
      ['SH001', avg(2, 6)],
      ['SH002', avg(1, 5)],
      ['BJ002', avg(1, 3)],
    ]); // by region, then dealer
    const csv = await request(app).get('/api/reports/analysis?from=2030-08&to=2030-08&format=csv&table=ratings').set('authorization', coordinator).expect(200);
    const lines = csv.text.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe('层级 level,月份 month,大区 region,服务商 dealer,抱怨数 complaints,服务质量 service quality n,服务质量 service quality avg,服务态度 attitude n,服务态度 attitude avg,价格核实 price check n,价格核实 price check avg,总体满意度 overall n,总体满意度 overall avg');
    expect(lines).toContain('month,2030-08,,,5,2,4.50,2,3.00,1,3.00,4,3.50');
    expect(lines).toContain('region,2030-08,north,,2,0,无数据,1,1.00,0,无数据,1,3.00');
    expect(lines).toContain('dealer,2030-08,east,SH001,2,1,4.00,1,5.00,1,3.00,2,3.00');
  });

  it('analyses at most 12 months at once, naming the field when asked for more', async () => {
    const year = await request(app).get('/api/reports/analysis?from=2029-05&to=2030-04').set('authorization', coordinator).expect(200);
    expect(year.body.rows.map((r: { month: string }) => r.month)).toEqual(['2030-03', '2030-03', '2030-03', '2030-03', '2030-04']);
    const more = await request(app).get('/api/reports/analysis?from=2029-04&to=2030-04').set('authorization', coordinator).expect(400);
    expect(more.body).toMatchObject({ error: 'validation_failed', details: [{ path: 'to', message: 'must be within 12 months of from (2030-03 at the latest)' }] });
    await request(app).get('/api/reports/analysis?from=2029-04&to=2030-04&format=csv').set('authorization', coordinator).expect(400);
  });

  it('lists forced closures by the month they were closed in, and the complaints open past 3 months', async () => {
    const april = await request(app).get('/api/reports/forced-closures?month=2030-04').set('authorization', coordinator).expect(200);
    expect(april.body.complaints).toEqual([expect.objectContaining({ number: 'C20300311-0001', closeReason: '客户期望无法满足', dealerCode: 'SH001' })]);
    expect((await request(app).get('/api/reports/forced-closures?month=2030-03').set('authorization', coordinator).expect(200)).body.complaints).toEqual([]);
    const csv = await request(app).get('/api/reports/forced-closures?month=2030-04&format=csv').set('authorization', coordinator).expect(200);
    expect(csv.text).toContain('C20300311-0001,SH001,east,服务过程,');

    // The open complaint was received 2030-03-10: past 3 months from 2030-06-10 on. Apps whose "now" is either side of that.
    const later = createApp({ mongo: mongo(), temporal: undefined as never, logger: createLogger('lists', 'silent'), models: models(), secret: config.AUTH_SECRET, now: () => new Date('2030-06-11T00:00:00+08:00') });
    const open = await request(later).get('/api/reports/open-past-3-months').set('authorization', coordinator).expect(200);
    expect(open.body.complaints.map((c: { number: string }) => c.number)).toEqual(['C20300312-0001']);
    const earlier = createApp({ mongo: mongo(), temporal: undefined as never, logger: createLogger('lists', 'silent'), models: models(), secret: config.AUTH_SECRET, now: () => new Date('2030-06-09T00:00:00+08:00') });
    expect((await request(earlier).get('/api/reports/open-past-3-months').set('authorization', coordinator).expect(200)).body.complaints).toEqual([]);
  });

  it('keeps a case library the coordinator curates, scoped like everything else', async () => {
    await request(app).put('/api/reports/cases/C20300311-0001').set('authorization', coordinator).send({ title: '网络曝光后的强制闭环', lesson: '首次联系须在24小时内，并留存记录', tags: ['网络', '强制闭环'] }).expect(200);
    await request(app).put('/api/reports/cases/C20300313-0001').set('authorization', coordinator).send({ title: '联系不上', lesson: '核实客户电话' }).expect(200);
    const missing = await request(app).put('/api/reports/cases/C20300313-0001').set('authorization', coordinator).send({ title: '' }).expect(400);
    expect(missing.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['lesson', 'title']);
    await request(app).put('/api/reports/cases/C29990101-0001').set('authorization', coordinator).send({ title: 'x', lesson: 'y' }).expect(404);
    const all = await request(app).get('/api/reports/cases').set('authorization', coordinator).expect(200);
    expect(all.body.cases.map((c: { number: string }) => c.number)).toEqual(['C20300313-0001', 'C20300311-0001']);
    expect(all.body.cases[1]).toMatchObject({ title: '网络曝光后的强制闭环', tags: ['网络', '强制闭环'], complaint: { channel: 'internet', status: 'force_closed' }, markedBy: 'c' });
    const north = await request(app).get('/api/reports/cases').set('authorization', await auth({ sub: 'rm', role: 'regional_manager', region: 'north' })).expect(200);
    expect(north.body.cases.map((c: { number: string }) => c.number)).toEqual(['C20300313-0001']);
    await request(app).put('/api/reports/cases/C20300313-0001').set('authorization', await auth({ sub: 'd', role: 'dealer', dealerCode: 'BJ002' })).send({ title: 'x', lesson: 'y' }).expect(403);
  });

  it('answers every list in pages of at most 200, saying how many there are in all', async () => {
    // Five more complaints still open, received in January 2029: past 3 months for the app of June 2030.
    await models().Complaint.insertMany(Array.from({ length: 5 }, (_, i) => doc(`C2029010${i + 1}-0001`, { dealerCode: 'BJ002', region: 'north', status: 'awaiting_reply', closedAt: undefined, receivedAt: new Date(`2029-01-0${i + 1}T10:00:00+08:00`) })));
    const later = createApp({ mongo: mongo(), temporal: undefined as never, logger: createLogger('lists', 'silent'), models: models(), secret: config.AUTH_SECRET, now: () => new Date('2030-06-11T00:00:00+08:00') });
    const get = (path: string) => request(later).get(path).set('authorization', coordinator);

    const first = await get('/api/reports/open-past-3-months').expect(200);
    expect(first.body).toMatchObject({ page: 1, pageSize: 50, total: 6 });
    expect(first.body.complaints).toHaveLength(6);
    const second = await get('/api/reports/open-past-3-months?page=2&pageSize=2').expect(200);
    expect(second.body).toMatchObject({ page: 2, pageSize: 2, total: 6 });
    expect(second.body.complaints.map((c: { number: string }) => c.number)).toEqual(['C20290103-0001', 'C20290104-0001']);
    expect((await get('/api/reports/open-past-3-months?page=4&pageSize=2').expect(200)).body.complaints).toEqual([]);
    // CSV is an export for Excel: the whole list, whatever the page.
    expect((await get('/api/reports/open-past-3-months?format=csv&pageSize=2').expect(200)).text.trimEnd().split('\r\n')).toHaveLength(1 + 6);

    const cases = await get('/api/reports/cases?page=2&pageSize=1').expect(200);
    expect(cases.body).toMatchObject({ page: 2, pageSize: 1, total: 2 });
    expect(cases.body.cases.map((c: { number: string }) => c.number)).toEqual(['C20300311-0001']);
    const forced = await get('/api/reports/forced-closures?month=2030-04&page=2&pageSize=1').expect(200);
    expect(forced.body).toMatchObject({ page: 2, pageSize: 1, total: 1, complaints: [] });

    for (const [query, path] of [['pageSize=201', 'pageSize'], ['pageSize=0', 'pageSize'], ['page=0', 'page'], ['page=two', 'page']]) {
      const res = await get(`/api/reports/open-past-3-months?${query}`).expect(400);
      expect(res.body.details.map((d: { path: string }) => d.path)).toEqual([path]);
    }
    await get('/api/reports/cases?pageSize=500').expect(400);
  });

  it('takes "open past N months" from each complaint’s own policy (SPEC §4: the policy holds the number)', async () => {
    // A policy from 11 March 2030 escalates after 2 months; a complaint received under it on the 15th.
    await models().Policy.create({ ...shippedPolicies()[0]!, _id: shippedPolicies()[0]!.version } as never);
    await models().Policy.create({ ...shippedPolicies()[0]!, _id: 'two-months', version: 'two-months', effectiveFrom: '2030-03-11T00:00:00+08:00', escalationMonths: 2 } as never);
    await models().Complaint.create(doc('C20300315-0001', { status: 'awaiting_reply', closedAt: undefined, receivedAt: new Date('2030-03-15T10:00:00+08:00'), policyVersion: 'two-months' }) as never);
    const on = (iso: string) => createApp({ mongo: mongo(), temporal: undefined as never, logger: createLogger('lists', 'silent'), models: models(), secret: config.AUTH_SECRET, now: () => new Date(iso) });
    const numbers = async (iso: string) => (await request(on(iso)).get('/api/reports/open-past-3-months?pageSize=200').set('authorization', coordinator).expect(200)).body.complaints.map((c: { number: string }) => c.number);
    // 16 May: two months after the 15 March complaint; the 10 March one (3 months under the shipped policy) not yet.
    expect(await numbers('2030-05-16T00:00:00+08:00')).toEqual(['C20290101-0001', 'C20290102-0001', 'C20290103-0001', 'C20290104-0001', 'C20290105-0001', 'C20300315-0001']);
    expect(await numbers('2030-05-14T00:00:00+08:00')).not.toContain('C20300315-0001');
    expect(await numbers('2030-06-11T00:00:00+08:00')).toEqual(['C20290101-0001', 'C20290102-0001', 'C20290103-0001', 'C20290104-0001', 'C20290105-0001', 'C20300312-0001', 'C20300315-0001']);
  });
});
