import request from 'supertest';
import { createLogger, signToken } from '@complaints/runtime';
import { createApp } from '../src/app';
import { buildReportingOpenApi } from '../src/openapi';
import { freezeMonth } from '../src/freeze';
import { forStorage, type WhatIfResult } from '../src/whatIf';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useTestDatabase } from '../../../test/database';
import { cli } from '../../../test/runCli';

// Policy what-if over the read model as workflows write it (real FerretDB): each case changes one
// number and sees exactly the fact, card figure or money it moves; the identity proposal moves nothing.
describe('policy what-if', () => {
  const { config, mongo, models } = useTestDatabase({ rules: true, directory: 'whatif' });
  let app: ReturnType<typeof createApp>;
  let coordinator: string;
  let dealer: string;

  /** A hotline complaint closed at its first request: replied at 27 h (late under 24 h), closed on day 3 of 3. */
  const complaint = (number: string, dealerCode: string, day: string, category = 'service_process') => {
    const at = (offsetHours: number) => new Date(new Date(`${day}T10:00:00+08:00`).getTime() + offsetHours * 3_600_000);
    const history = [
      ['received', 0],
      ['dispatched', 0],
      ['acknowledged', 1],
      ['customer_contacted', 2],
      ['replied', 27],
      ['closure_requested', 48],
      ['closed', 74], // day 3, 12:00: within the 3-day deadline (16:30), not within 2 days
    ].map(([type, h], i) => ({ id: `${number}:${i + 1}`, sequence: i + 1, type, at: at(h as number), by: 'x', summary: String(type), data: {} }));
    return {
      _id: number,
      workflowId: number,
      kind: 'complaint',
      category,
      severity: 'minor',
      channel: 'hotline',
      status: 'closed',
      dealerCode,
      attributedDealerCode: dealerCode,
      receivedAt: at(0),
      closedAt: at(74).toISOString(),
      policyVersion: '2025.1',
      eventCount: history.length,
      history,
      kpi: { acknowledgedOnTime: true, repliedOnTime: false, contactedOnTime: true, closedWithinDeadline: true, firstTimeClosure: true, followUps: 1, falseReplies: 0, unsatisfied: 0, unreachable: false },
    };
  };

  beforeAll(async () => {
    app = createApp({ mongo: mongo(), temporal: undefined as never, logger: createLogger('whatif', 'silent'), models: models(), secret: config.AUTH_SECRET });
    coordinator = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'c', role: 'coordinator' })}`;
    dealer = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'd', role: 'dealer', dealerCode: 'SH001' })}`;
    await models().Complaint.insertMany([
      complaint('C20301012-0001', 'SH001', '2030-10-14'), // a Monday, in a month frozen below
      complaint('C20301112-0001', 'SH001', '2030-11-11'), // a Monday
      complaint('C20301112-0002', 'SH002', '2030-11-11', 'product_quality'),
      complaint('C20301112-0003', 'SH002', '2030-11-12', 'technical_capability'),
    ]);
    // Quota: SH001 150 visits a month (quota 2 at 1 %), SH002 the same; both within it with 1 and 2.
    await models().ServiceVisits.insertMany(
      ['SH001', 'SH002'].flatMap((code) => ['2030-07', '2030-08', '2030-09', '2030-04', '2030-05', '2030-06'].map((month) => ({ _id: `${code}:${month}`, dealerCode: code, month, visits: 150 }))),
    );
    await freezeMonth(models(), '2030-10', 'schedule:monthly-scoring');
  });

  const run = (body: object) => request(app).post('/api/reports/what-if').set('authorization', coordinator).set('idempotency-key', `k-${Math.random()}`).send(body);
  const row = (res: request.Response, code: string, month = '2030-11') => res.body.dealers.find((d: { dealerCode: string; month: string }) => d.dealerCode === code && d.month === month);

  it('the identity proposal reproduces the real scorecards, live and frozen', async () => {
    const res = await run({ from: '2030-10', to: '2030-11', policy: {} }).expect(201);
    expect(res.body.summary).toMatchObject({ complaints: 4, complaintsChanged: 0, eligibilityFlips: 0, amountChange: 0, unexplained: 0 });
    expect(res.body.complaints).toEqual([]);
    for (const d of res.body.dealers) {
      expect(d.differences).toEqual([]);
      expect(d.proposed).toEqual(d.actual);
    }
    expect(row(res, 'SH001', '2030-10').frozen).toBe(true);
    const live = await request(app).get('/api/reports/scorecard?month=2030-11&dealerCode=SH001').set('authorization', coordinator).expect(200);
    expect(row(res, 'SH001').actual).toEqual(live.body.dealers[0]);
  });

  it('a 36-hour reply clock: the 27-hour replies become on time, the money does not move (reply is no incentive condition)', async () => {
    const res = await run({ from: '2030-11', to: '2030-11', policy: { reply: { hours: 36 } } }).expect(201);
    expect(res.body.summary).toMatchObject({ complaintsChanged: 3, factsChanged: { repliedOnTime: 3 }, eligibilityFlips: 0, amountChange: 0 });
    expect(row(res, 'SH001').differences).toEqual([{ kpi: 'replyOnTime', actual: 0, proposed: 1 }]);
    expect(res.body.complaints).toContainEqual(expect.objectContaining({ number: 'C20301112-0001', fact: 'repliedOnTime', actual: false, proposed: true, why: expect.stringMatching(/reply at 27 h.*late.*on time/) }));
  });

  it('a 2-day closure deadline: no first-time closure, so no incentive, counted per dealer, region and network', async () => {
    const res = await run({ from: '2030-11', to: '2030-11', policy: { closure: { days: { service_process: 2 } } } }).expect(201);
    expect(res.body.summary).toMatchObject({ complaintsChanged: 1, factsChanged: { closedWithinDeadline: 1, firstTimeClosure: 1 }, eligibilityFlips: 1, amountChange: -2000 });
    expect(row(res, 'SH001')).toMatchObject({ eligibilityFlips: true, amountChange: -2000 });
    expect(row(res, 'SH002')).toMatchObject({ eligibilityFlips: false, amountChange: 0 });
    expect(res.body.dealers[0].dealerCode).toBe('SH001'); // the flips first
    expect(res.body.network).toEqual([expect.objectContaining({ month: '2030-11', amountChange: -2000 })]);
  });

  it('a quota ratio of 0.5 %: two quota complaints are over SH002’s quota of 1, nothing else changes', async () => {
    const res = await run({ from: '2030-11', to: '2030-11', policy: { quota: { ratio: 0.005 } } }).expect(201);
    expect(res.body.summary).toMatchObject({ complaintsChanged: 0, eligibilityFlips: 1, amountChange: -2000 });
    expect(row(res, 'SH002').differences).toEqual([
      { kpi: 'quota', actual: 2, proposed: 1 },
      { kpi: 'eligible', actual: true, proposed: false },
      { kpi: 'amountDue', actual: 2000, proposed: 0 },
    ]);
  });

  it('an incentive amount of 3000: each eligible dealer gets 1000 more', async () => {
    const res = await run({ from: '2030-11', to: '2030-11', policy: { incentive: { amount: 3000 } } }).expect(201);
    const eligible = res.body.dealers.filter((d: { actual: { incentive: { eligible: boolean } } }) => d.actual.incentive.eligible);
    expect(eligible.length).toBeGreaterThan(1);
    for (const d of eligible) expect(d).toMatchObject({ amountChange: 1000, differences: [{ kpi: 'amountDue', actual: 2000, proposed: 3000 }] });
    expect(res.body.summary).toMatchObject({ eligibilityFlips: 0, amountChange: 1000 * eligible.length });
  });

  it('refuses a proposal a policy load would refuse, naming the fields; and more than 12 months', async () => {
    const res = await run({ from: '2030-11', to: '2030-11', policy: { reply: { hours: 0 }, cutoff: '4pm', bonus: 1 } }).expect(400);
    expect(res.body.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'policy.reply.hours' }), { path: 'policy.cutoff', message: 'must be HH:MM (24-hour)' }, { path: 'policy.bonus', message: 'is not a field of a policy' }]),
    );
    await run({ from: '2029-01', to: '2030-11', policy: {} }).expect(400);
    // A month before any policy was in force: nothing to score, said as a field error rather than a crash.
    const ancient = await run({ from: '0000-01', to: '0000-01', policy: {} });
    expect(ancient.status).toBe(400);
    expect(ancient.body.details.map((d: { path: string }) => d.path)).toContain('from');
    const calendar = await run({ from: '2030-11', to: '2030-11', calendars: { 2030: { year: 2030, version: 'x', holidays: [], makeUpWorkdays: [{ name: 'x', date: '2030-11-13' }] } } }).expect(400);
    expect(calendar.body.details).toEqual([expect.objectContaining({ path: 'calendars.2030.makeUpWorkdays.0.date' })]);
  });

  it('writes nothing but the run: no scorecard, policy or aggregate changes; the run is served again, as JSON and CSV', async () => {
    const db = models().Complaint.db;
    const snapshot = async () => ({
      frozen: await models().FrozenScorecard.find({}).lean(),
      policies: await models().Policy.find({}).lean(),
      complaints: await models().Complaint.find({}).lean(),
      aggregates: await Promise.all((await db.listCollections()).map((c) => c.name).filter((n) => n.startsWith('scorecard')).sort().map((n) => db.collection(n).find({}).toArray())),
    });
    const before = await snapshot();
    const res = await run({ from: '2030-10', to: '2030-11', policy: { closure: { days: { service_process: 2 } } } }).expect(201);
    expect(await snapshot()).toEqual(before);

    const again = await request(app).get(`/api/reports/what-if/${res.body.id}`).set('authorization', coordinator).expect(200);
    expect(again.body).toMatchObject({ id: res.body.id, by: 'c', proposal: { from: '2030-10', to: '2030-11', policy: { closure: { days: { service_process: 2 } } } }, summary: res.body.summary });
    const csv = await request(app).get(`/api/reports/what-if/${res.body.id}?format=csv`).set('authorization', coordinator).expect(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text.startsWith('\ufeff')).toBe(true);
    expect(csv.text).toContain('C20301012-0001');
    await request(app).get(`/api/reports/what-if/${res.body.id}`).set('authorization', dealer).expect(403);
    await request(app).post('/api/reports/what-if').set('authorization', dealer).set('idempotency-key', 'd1').send({ from: '2030-11', to: '2030-11' }).expect(403);
  });

  it('runs from the CLI: the summary table printed, the full result written; a bad field named with its file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'what-if-'));
    writeFileSync(path.join(dir, 'proposed.json'), JSON.stringify({ closure: { days: { service_process: 2 } } }));
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ reply: { hours: -3 } }));
    const out = path.join(dir, 'result.json');
    const ok = await cli(['what-if', '--policy', path.join(dir, 'proposed.json'), '--from', '2030-11', '--to', '2030-11', '--out', out], { MONGO_URL: config.MONGO_URL });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/1 eligibility flips; incentive .* \(-2,000\)/);
    expect(ok.stdout).toMatch(/2030-11\tSH001\t.*eligible → not\t-2000/);
    expect(JSON.parse(readFileSync(out, 'utf8')).summary).toMatchObject({ eligibilityFlips: 1, amountChange: -2000 });
    const bad = await cli(['what-if', '--policy', path.join(dir, 'bad.json'), '--from', '2030-11', '--to', '2030-11'], { MONGO_URL: config.MONGO_URL });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(`--policy ${path.join(dir, 'bad.json')}: policy.reply.hours`);
    const noFrom = await cli(['what-if', '--policy', path.join(dir, 'proposed.json'), '--to', '2030-11'], { MONGO_URL: config.MONGO_URL });
    expect(noFrom.stderr).toContain('--from is required');
  }, 60_000);
});

describe('a what-if too large to store whole', () => {
  it('keeps the dealer-months that change and the reasons that fit, and says so', () => {
    const card = { all: {}, incentive: { eligible: true } };
    const dealers = Array.from({ length: 4000 }, (_, i) => ({ dealerCode: `D${i}`, month: '2030-11', region: 'east', frozen: false, actual: { ...card, pad: 'x'.repeat(3000) }, proposed: card, differences: i < 10 ? [{ kpi: 'eligible', actual: true, proposed: false }] : [], eligibilityFlips: i < 10, amountChange: 0 }));
    const result = { from: '2030-11', to: '2030-11', months: ['2030-11'], asOf: '', summary: {}, dealers, regions: [], network: [], complaints: [] } as unknown as WhatIfResult;
    const stored = forStorage(result);
    expect(stored.dealers).toHaveLength(10);
    expect(stored.stored).toEqual({ dealers: 10, complaints: 0, of: { dealers: 4000, complaints: 0 } });
    const small = { ...result, dealers: result.dealers.slice(0, 5) };
    expect(forStorage(small)).toEqual(small);
  });
});

describe('reporting’s OpenAPI document', () => {
  it('documents the what-if, with the schema that validates its requests', () => {
    const doc = buildReportingOpenApi('http://127.0.0.1:3002') as unknown as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> }; responses: Record<string, { content?: Record<string, unknown> }> }>> };
    expect(doc.paths['/api/reports/what-if']!.post!.requestBody!.content['application/json']!.schema).toEqual({ $ref: '#/components/schemas/WhatIfRequest' });
    expect(Object.keys(doc.paths['/api/reports/what-if/{id}']!.get!.responses['200']!.content!)).toEqual(['application/json', 'text/csv']);
  });
});
