import request from 'supertest';
import { createLogger, signToken } from '@complaints/runtime';
import { projectAggregates } from '@complaints/activities';
import { createApp } from '../src/app';
import { useTestDatabase } from '../../../test/database';

// The dashboard's first load at network scale: the six months' trend in one request from the
// aggregates, and a month's pages read from one snapshot.
describe('dashboard trend and paged scorecards', () => {
  const { config, mongo, models } = useTestDatabase({ rules: true, directory: 'trend' });
  let app: ReturnType<typeof createApp>;
  let coordinator: string;
  let east: string;

  const complaint = async (number: string, dealerCode: string, receivedAt: string, closed: boolean, overall?: number) => {
    await models().Complaint.collection.insertOne({
      _id: number, workflowId: `complaint-${number}`, kind: 'complaint', category: 'service_process', severity: 'minor', channel: 'hotline',
      status: closed ? 'closed' : 'awaiting_reply', dealerCode, attributedDealerCode: dealerCode, receivedAt: new Date(receivedAt), eventCount: 3,
      ...(closed && { closedAt: new Date(new Date(receivedAt).getTime() + 86_400_000).toISOString() }),
      kpi: { repliedOnTime: true, contactedOnTime: true, firstTimeClosure: closed, followUps: closed ? 1 : 0, falseReplies: 0, unreachable: false, ratings: overall ? { overall } : null },
    } as never);
    await projectAggregates(models(), number);
  };

  beforeAll(async () => {
    app = createApp({ mongo: mongo(), temporal: undefined as never, logger: createLogger('trend', 'silent'), models: models(), secret: config.AUTH_SECRET });
    coordinator = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'c', role: 'coordinator' })}`;
    east = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'rm', role: 'regional_manager', region: 'east' })}`;
    await complaint('C20320110-0001', 'SH001', '2032-01-10T10:00:00+08:00', true, 4);
    await complaint('C20320310-0001', 'SH001', '2032-03-10T10:00:00+08:00', true, 5);
    await complaint('C20320311-0001', 'BJ002', '2032-03-11T10:00:00+08:00', false);
    await complaint('C20320312-0001', 'SH002', '2032-03-12T10:00:00+08:00', false);
  });

  it('sums each month of the trend over the dealers the caller may see', async () => {
    const all = (await request(app).get('/api/reports/trend?month=2032-03&months=3').set('authorization', coordinator).expect(200)).body;
    expect(all.months).toEqual([
      { month: '2032-01', frozen: false, complaints: 1, monthlyClosure: { numerator: 1, denominator: 1 }, satisfaction: { numerator: 1, denominator: 1 }, overallRating: { count: 1, total: 4 } },
      { month: '2032-02', frozen: false, complaints: 0, monthlyClosure: { numerator: 0, denominator: 0 }, satisfaction: { numerator: 0, denominator: 0 }, overallRating: { count: 0, total: 0 } },
      { month: '2032-03', frozen: false, complaints: 3, monthlyClosure: { numerator: 1, denominator: 3 }, satisfaction: { numerator: 1, denominator: 3 }, overallRating: { count: 1, total: 5 } },
    ]);
    const region = (await request(app).get('/api/reports/trend?month=2032-03&months=1').set('authorization', east).expect(200)).body;
    expect(region.months[0]).toMatchObject({ complaints: 2, monthlyClosure: { numerator: 1, denominator: 2 } }); // BJ002 is north
    await request(app).get('/api/reports/trend?month=2032-03&months=13').set('authorization', coordinator).expect(400);
  });

  it('reads later pages from the first page’s snapshot, and keeps none for a single page', async () => {
    const first = (await request(app).get('/api/reports/scorecard?month=2032-03&pageSize=2').set('authorization', coordinator).expect(200)).body;
    expect(first.total).toBe(3);
    expect(first.snapshot).toEqual(expect.any(String));
    // A complaint arriving between the pages does not shift them: the listing is the snapshot's.
    await complaint('C20320313-0001', 'BJ002', '2032-03-13T10:00:00+08:00', false);
    const second = (await request(app).get(`/api/reports/scorecard?month=2032-03&pageSize=2&page=2&snapshot=${first.snapshot}`).set('authorization', coordinator).expect(200)).body;
    expect([...first.dealers, ...second.dealers].map((d: { dealerCode: string }) => d.dealerCode)).toEqual(['BJ002', 'SH001', 'SH002']);
    expect(first.dealers[0].all.complaints).toBe(1);
    // A fresh listing sees it; one page answers without a snapshot.
    const fresh = (await request(app).get('/api/reports/scorecard?month=2032-03').set('authorization', coordinator).expect(200)).body;
    expect(fresh.snapshot).toBeUndefined();
    expect(fresh.dealers[0]).toMatchObject({ dealerCode: 'BJ002', all: { complaints: 2 } });
    // The snapshot never widens what a caller sees.
    const theirs = (await request(app).get(`/api/reports/scorecard?month=2032-03&pageSize=2&page=1&snapshot=${first.snapshot}`).set('authorization', east).expect(200)).body;
    expect(theirs.dealers.map((d: { dealerCode: string }) => d.dealerCode)).toEqual(['SH001', 'SH002']);
  });
});
