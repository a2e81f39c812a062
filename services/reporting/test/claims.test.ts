import request from 'supertest';
import { createLogger, signToken, type Principal } from '@complaints/runtime';
import { createApp } from '../src/app';
import { useTestDatabase } from '../../../test/database';

// SPEC §3.10: the month's approved claims for finance, per dealer, region and network, by the day of
// approval (Beijing time), as JSON and CSV, each caller within its scope; pending and rejected
// claims, and those approved in another month, are not paid this month.
describe('the monthly claims report', () => {
  const { config, mongo, models } = useTestDatabase({ directory: 'claimsreport' });
  let app: ReturnType<typeof createApp>;
  const auth = async (claims: Principal) => `Bearer ${await signToken(config.AUTH_SECRET, claims)}`;

  const claim = (id: string, over: Record<string, unknown>) => ({
    _id: id,
    number: 'C20300310-0001',
    dealerCode: 'SH001',
    region: 'east',
    type: 'special',
    amount: 3000,
    description: '与客户协商补偿',
    status: 'approved',
    filedBy: 'dealer:chen',
    filedAt: new Date('2030-03-10T10:00:00+08:00'),
    decidedBy: 'coordinator:li',
    decidedAt: new Date('2030-03-12T10:00:00+08:00'),
    approvedAmount: 2500,
    ...over,
  });

  beforeAll(async () => {
    app = createApp({ mongo: mongo(), temporal: undefined as never, logger: createLogger('claims', 'silent'), models: models(), secret: config.AUTH_SECRET });
    await models().Claim.insertMany([
      claim('K0000000000000001', {}),
      claim('K0000000000000002', { type: 'travel', amount: 860.5, approvedAmount: 860.5, decidedAt: new Date('2030-03-31T23:30:00+08:00') }),
      claim('K0000000000000003', { dealerCode: 'BJ002', region: 'north', amount: 1000, approvedAmount: 1000 }),
      claim('K0000000000000004', { status: 'rejected', approvedAmount: undefined, rejectReason: '重复' }),
      claim('K0000000000000005', { status: 'pending', decidedAt: undefined, decidedBy: undefined, approvedAmount: undefined }),
      claim('K0000000000000006', { decidedAt: new Date('2030-04-01T00:10:00+08:00') }), // April in Beijing
    ]);
  });

  it('totals the approved claims per dealer, region and network for the coordinator', async () => {
    const { body } = await request(app).get('/api/reports/claims?month=2030-03').set('authorization', await auth({ sub: 'li', role: 'coordinator' })).expect(200);
    expect(body.claims.map((c: { id: string }) => c.id)).toEqual(['K0000000000000001', 'K0000000000000003', 'K0000000000000002']);
    expect(body.dealers).toEqual([
      { dealerCode: 'SH001', region: 'east', claims: 2, claimed: 3860.5, approved: 3360.5 },
      { dealerCode: 'BJ002', region: 'north', claims: 1, claimed: 1000, approved: 1000 },
    ]);
    expect(body.regions).toEqual([
      { region: 'east', claims: 2, claimed: 3860.5, approved: 3360.5 },
      { region: 'north', claims: 1, claimed: 1000, approved: 1000 },
    ]);
    expect(body.network).toEqual({ claims: 3, claimed: 4860.5, approved: 4360.5 });
    expect(JSON.stringify(body)).not.toContain('与客户协商补偿');
  });

  it('gives a dealer its own, a regional manager its region, and a CSV for finance', async () => {
    const dealer = await request(app).get('/api/reports/claims?month=2030-03').set('authorization', await auth({ sub: 'w', role: 'dealer', dealerCode: 'BJ002' })).expect(200);
    expect(dealer.body.network).toEqual({ claims: 1, claimed: 1000, approved: 1000 });
    const east = await request(app).get('/api/reports/claims?month=2030-03').set('authorization', await auth({ sub: 'rm', role: 'regional_manager', region: 'east' })).expect(200);
    expect(east.body.dealers.map((d: { dealerCode: string }) => d.dealerCode)).toEqual(['SH001']);
    const csv = await request(app).get('/api/reports/claims?month=2030-03&format=csv').set('authorization', await auth({ sub: 'hq', role: 'hq' })).expect(200);
    expect(csv.headers['content-disposition']).toContain('claims-2030-03.csv');
    expect(csv.text).toContain('全网合计 network total,,,,3,4860.5,4360.5');
    await request(app).get('/api/reports/claims?month=2030-3').set('authorization', await auth({ sub: 'hq', role: 'hq' })).expect(400);
  });
});
