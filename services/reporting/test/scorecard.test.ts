import request from 'supertest';
import { getStateQuery } from '@complaints/workflows';
import { createLogger, signToken, type Principal } from '@complaints/runtime';
import { useIntakeApp } from '@complaints/intake/test/harness';
import { createApp } from '../src/app';
import { eventually, validComplaint } from '../../../test/support';

// SPEC §6 end to end: complaints run through their workflows on the real servers, then the
// scorecard is read over HTTP and agrees with a hand count.
describe('the monthly scorecard', () => {
  const intake = useIntakeApp('score');
  const { config } = intake;
  const auth = async (claims: Principal) => `Bearer ${await signToken(config.AUTH_SECRET, claims)}`;
  let reporting: ReturnType<typeof createApp>;
  let coordinator: string;

  beforeAll(async () => {
    coordinator = await auth({ sub: 'c', role: 'coordinator' });
    reporting = createApp({ mongo: intake.models().Complaint.db, temporal: intake.temporal(), logger: createLogger('reporting-test', 'silent'), models: intake.models(), secret: config.AUTH_SECRET });
    // A dealer whose name needs quoting in CSV.
    await intake.models().Dealer.create({ _id: 'SH009', name: '上海"浦东", 4S 店', region: 'east', contacts: [{ email: 'sh009@test.local' }] });

    const act = (number: string, action: string, who: string, body: object = {}) => request(intake.app()).post(`/api/complaints/${number}/${action}`).set('authorization', who).send(body).expect(200);
    const submit = async (fields: { receivedAt?: string; [field: string]: unknown }) => {
      // Recorded by staff an hour after receipt: within the policy's window back.
      if (fields.receivedAt) intake.setNow(new Date(new Date(fields.receivedAt).getTime() + 3_600_000));
      const { body } = await request(intake.app()).post('/api/complaints').set('authorization', coordinator).send({ ...validComplaint(), channel: 'hotline', ...fields }).expect(201);
      await eventually(() => intake.temporal().workflow.getHandle(body.workflowId).query(getStateQuery), (s) => s.idle === true);
      return body.number as string;
    };
    const sh001 = await auth({ sub: 'sh', role: 'dealer', dealerCode: 'SH001' });
    const callCenter = await auth({ sub: 'cc', role: 'call_center' });
    // June 2030, hand count for SH001: A closed first time and satisfied; B still unconfirmed.
    const a = await submit({ receivedAt: '2030-06-03T10:00:00+08:00' });
    await act(a, 'acknowledge', sh001);
    await act(a, 'contact', sh001);
    await act(a, 'reply', sh001, { text: '已更换', final: true, cause: '支架断裂', qualityDefect: true, partsReplaced: ['支架'] });
    await act(a, 'request-closure', coordinator);
    await act(a, 'follow-up', callCenter, { outcome: 'satisfied' });
    await submit({ receivedAt: '2030-06-04T10:00:00+08:00' });
    await submit({ dealerCode: 'SH009', receivedAt: '2030-06-05T10:00:00+08:00', category: 'parts_supply' });
    await submit({ dealerCode: 'BJ002', receivedAt: '2030-06-06T10:00:00+08:00' });
    await submit({ receivedAt: '2030-07-01T00:00:00+08:00' }); // July: not in June's card
    await eventually(() => intake.models().Complaint.findById(a).lean(), (d) => d?.status === 'closed');
  });

  it('gives each dealer its rates with numerators and denominators, and "no data" where nothing was measured', async () => {
    const { body } = await request(reporting).get('/api/reports/scorecard?month=2030-06').set('authorization', coordinator).expect(200);
    // SPEC §6: scored in the next month, provisional until the freeze day (the 10th, 06:00).
    expect(body).toMatchObject({ frozen: null, provisional: true, freezesAt: '2030-07-10T06:00:00+08:00' });
    // Every dealer of the directory (SPEC §6), SH002 without complaints included.
    expect(body.dealers.map((d: { dealerCode: string }) => d.dealerCode)).toEqual(['BJ002', 'SH001', 'SH002', 'SH009']);
    const sh = body.dealers[1];
    expect(sh).toMatchObject({ dealerName: '上海浦东 4S 店', region: 'east', countedAgainstQuota: 2 });
    const { acknowledgedOnTime: _onTheConfirmationClock, ...all } = sh.all;
    expect(all).toEqual({
      complaints: 2,
      unreachable: 0,
      replyOnTime: { numerator: 1, denominator: 2, rate: 0.5 },
      contactWithin24h: { numerator: 1, denominator: 2, rate: 0.5 },
      falseReplies: 0,
      firstTimeClosure: { numerator: 1, denominator: 1, rate: 1 },
      monthlyClosure: { numerator: 1, denominator: 2, rate: 0.5 },
      satisfaction: { numerator: 1, denominator: 2, rate: 0.5 },
    });
    expect(sh.hotline).toEqual(sh.all);
    expect(sh.internet.replyOnTime).toEqual({ numerator: 0, denominator: 0, rate: null });
    expect(body.dealers[3].countedAgainstQuota).toBe(0); // parts supply does not count against the quota
    expect(body.dealers[2]).toMatchObject({ dealerCode: 'SH002', all: { complaints: 0, replyOnTime: { rate: null } }, incentive: { eligible: true, amountDue: 2000 } });
  });

  it('shows a dealer its own card and a regional manager its region', async () => {
    const dealer = await request(reporting).get('/api/reports/scorecard?month=2030-06').set('authorization', await auth({ sub: 'd', role: 'dealer', dealerCode: 'BJ002' })).expect(200);
    expect(dealer.body.dealers.map((d: { dealerCode: string }) => d.dealerCode)).toEqual(['BJ002']);
    const east = await request(reporting).get('/api/reports/scorecard?month=2030-06').set('authorization', await auth({ sub: 'rm', role: 'regional_manager', region: 'east' })).expect(200);
    expect(east.body.dealers.map((d: { dealerCode: string }) => d.dealerCode)).toEqual(['SH001', 'SH002', 'SH009']);
    const one = await request(reporting).get('/api/reports/scorecard?month=2030-06&dealerCode=SH009').set('authorization', coordinator).expect(200);
    expect(one.body.dealers).toHaveLength(1);
  });

  it('answers the dealers’ cards in pages of at most 200', async () => {
    const all = await request(reporting).get('/api/reports/scorecard?month=2030-06').set('authorization', coordinator).expect(200);
    expect(all.body).toMatchObject({ page: 1, pageSize: 50, total: 4 });
    const second = await request(reporting).get('/api/reports/scorecard?month=2030-06&page=2&pageSize=3').set('authorization', coordinator).expect(200);
    expect(second.body).toMatchObject({ page: 2, pageSize: 3, total: 4 });
    expect(second.body.dealers.map((d: { dealerCode: string }) => d.dealerCode)).toEqual(['SH009']);
    const tooMany = await request(reporting).get('/api/reports/scorecard?month=2030-06&pageSize=201').set('authorization', coordinator).expect(400);
    expect(tooMany.body.details).toEqual([{ path: 'pageSize', message: 'must be at most 200' }]);
  });

  it('exports CSV that Excel opens in Chinese: UTF-8 with a BOM, quoted where needed', async () => {
    const res = await request(reporting).get('/api/reports/scorecard?month=2030-06&format=csv').set('authorization', coordinator).buffer(true).parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const bytes = res.body as Buffer;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.toString('utf8').slice(1).trimEnd().split('\r\n');
    expect(lines).toHaveLength(1 + 4 * 4 + 2 + 1); // header + 4 dealers × (all, hotline, internet, repair requests) + 2 regions' totals + the network's
    expect(lines[0]).toMatch(/^月份 month,服务商代码 dealer,服务商 name/);
    expect(lines.find((l) => l.startsWith('2030-06,SH001,') && l.includes(',all,'))).toMatch(
      /^2030-06,SH001,上海浦东 4S 店,east,,all,2,0,0,\d,\d,[^,]+,1,2,50\.0%,1,2,50\.0%,1,1,100\.0%,1,2,50\.0%,1,2,50\.0%,,,2,无数据,否 no,0,"within_quota: no service visits recorded for 2030-01, 2030-02, 2030-03: the quota is unknown; hotline_monthly_closure: 1\/2, must be 100%",,暂定 provisional \(2030-07-10 06:00 冻结 freezes\)$/,
    );
    expect(lines.find((l) => l.startsWith('2030-06,SH009,') && l.includes(',all,'))).toMatch(/^2030-06,SH009,"上海""浦东"", 4S 店",east,,all,1,/);
    expect(lines.find((l) => l.startsWith('2030-06,SH001,') && l.includes(',internet,'))).toContain('0,0,无数据');
  });

  it('refuses a bad month naming the field, and callers without a staff token', async () => {
    const res = await request(reporting).get('/api/reports/scorecard?month=2030-13').set('authorization', coordinator).expect(400);
    expect(res.body.details).toEqual([{ path: 'month', message: 'must be a month, YYYY-MM' }]);
    await request(reporting).get('/api/reports/scorecard?month=2030-06').expect(401);
    await request(reporting).get('/api/reports/scorecard?month=2030-06').set('authorization', await auth({ sub: 'pbx', role: 'hotline' })).expect(403);
  });
});
