import request from 'supertest';
import { getStateQuery } from '@complaints/workflows';
import { createPersistenceActivities, eraseComplaint, OnLegalHold, runRetention } from '@complaints/activities';
import { createLogger, signToken, type Principal } from '@complaints/runtime';
import { useIntakeApp } from '@complaints/intake/test/harness';
import { createApp } from '../src/app';
import { eventually, validComplaint } from '../../../test/support';
import { everythingAbout, savePoliciesOfThePast, storePastComplaint } from '../../../test/retentionFixtures';

// SPEC §7 on the real servers: complaints closed longer ago than their own policy's retention lose
// the customer's personal data and the free text typed about them; every fact, statistic and
// scorecard stays; held complaints are kept; the coordinator erases one on request. Audited.
describe('retention, legal hold and erasure on request', () => {
  const intake = useIntakeApp('retain');
  const { config } = intake;
  const auth = async (claims: Principal) => `Bearer ${await signToken(config.AUTH_SECRET, claims)}`;
  let reporting: ReturnType<typeof createApp>;
  let coordinator: string;
  let dealer: string;
  let callCenter: string;

  // Closed 2024-03 under a policy keeping them 1 year (A, B, F past it as of 2026-06-01; C held;
  // G closed a year ago to the day: kept until the end of 2026-06-01), one still open (D), and one
  // under the 2-year default (E, 2025-02).
  const A = 'C20240304-0001';
  const B = 'C20240305-0001';
  const C = 'C20240306-0001';
  const D = 'C20240307-0001';
  const E = 'C20250203-0001';
  const F = 'C20240308-0001';
  const G = 'C20240309-0001';
  const AS_OF = '2026-06-01';

  beforeAll(async () => {
    coordinator = await auth({ sub: 'c', role: 'coordinator' });
    dealer = await auth({ sub: 'sh', role: 'dealer', dealerCode: 'SH001' });
    callCenter = await auth({ sub: 'cc', role: 'call_center' });
    reporting = createApp({ mongo: intake.models().Complaint.db, temporal: intake.temporal(), logger: createLogger('reporting-test', 'silent'), models: intake.models(), secret: config.AUTH_SECRET });
    const models = intake.models();
    await savePoliciesOfThePast(models);
    await storePastComplaint(models, { number: A, receivedAt: '2024-03-04T10:00:00+08:00', closedAt: '2024-03-08T02:00:00.000Z' });
    await storePastComplaint(models, { number: B, receivedAt: '2024-03-05T10:00:00+08:00', closedAt: '2024-03-09T02:00:00.000Z', status: 'force_closed', channel: 'internet' });
    await storePastComplaint(models, { number: C, receivedAt: '2024-03-06T10:00:00+08:00', closedAt: '2024-03-10T02:00:00.000Z', dealerCode: 'SH002' });
    await storePastComplaint(models, { number: D, receivedAt: '2024-03-07T10:00:00+08:00', status: 'awaiting_reply' });
    await storePastComplaint(models, { number: E, receivedAt: '2025-02-03T10:00:00+08:00', closedAt: '2025-02-05T02:00:00.000Z', policyVersion: '2025.1' });
    await storePastComplaint(models, { number: F, receivedAt: '2024-03-08T10:00:00+08:00', closedAt: '2025-05-31T02:00:00.000Z', status: 'closed_unreachable' });
    await storePastComplaint(models, { number: G, receivedAt: '2024-03-09T10:00:00+08:00', closedAt: '2025-06-01T02:00:00.000Z' });
  });

  const scorecard = async (format: 'json' | 'csv') => (await request(reporting).get(`/api/reports/scorecard?month=2024-03&format=${format}`).set('authorization', coordinator).expect(200)).text;
  const analysis = async () => (await request(reporting).get('/api/reports/analysis?from=2024-03&to=2024-03').set('authorization', coordinator).expect(200)).text;

  it('erases, as of a later date, complaints closed longer ago than their policy’s retention, skips held and open ones, and keeps every statistic', async () => {
    const models = intake.models();
    await request(intake.app()).put(`/api/complaints/${C}/hold`).set('authorization', coordinator).send({ reason: '诉讼中，保留证据' }).expect(200);
    // A case-library entry copies the complaint's facts, the forced closure's reason among them.
    await request(reporting).put(`/api/reports/cases/${B}`).set('authorization', coordinator).send({ title: '网络舆情处理', lesson: '及时联系发帖人' }).expect(200);
    expect(await everythingAbout(models, B)).toMatch(/"cases":\{.*PII-reason/);
    const before = { json: await scorecard('json'), csv: await scorecard('csv'), analysis: await analysis() };
    expect(JSON.parse(before.json).dealers.find((d: { dealerCode: string }) => d.dealerCode === 'SH001').all.complaints).toBe(5);

    // A dry run says what would go, and erases nothing.
    const dry = await runRetention(models, { asOf: AS_OF, dryRun: true, by: 'test' });
    expect(dry).toMatchObject({ asOf: AS_OF, dryRun: true, closed: 6, erased: 3, held: 1, notYetDue: 2, alreadyErased: 0 });
    expect(await everythingAbout(models, A)).toContain('PII');

    const run = await runRetention(models, { asOf: AS_OF, by: 'test' });
    expect(run).toEqual({
      asOf: AS_OF,
      dryRun: false,
      closed: 6,
      erased: 3,
      held: 1,
      alreadyErased: 0,
      notYetDue: 2,
      unknownPolicy: 0,
      failed: [],
      byPolicy: { '2024.short': { closedComplaintYears: 1, erased: 3, held: 1, notYetDue: 1 }, '2025.1': { closedComplaintYears: 2, erased: 0, held: 0, notYetDue: 1 } },
    });
    for (const number of [A, B, F]) expect(await everythingAbout(models, number)).not.toContain('PII');
    expect((await models.CaseEntry.findById(B).lean())!).toMatchObject({ title: '网络舆情处理', complaint: { number: B, status: 'force_closed' } });
    for (const number of [C, D, E, G]) expect(await everythingAbout(models, number)).toContain('PII');

    // The facts stay: states, dealer, dates, KPI facts, who did what and when.
    const a = (await models.Complaint.findById(A).lean())!;
    expect(a).toMatchObject({ status: 'closed', dealerCode: 'SH001', category: 'product_quality', channel: 'hotline', closedAt: '2024-03-08T02:00:00.000Z', erasedUnder: '2024.short', erasedBecause: 'retention', eventCount: 8 });
    expect(a.kpi).toMatchObject({ firstTimeClosure: true, ratings: { overall: 5 } });
    const marker = { erased: true, at: a.erasedAt!.toISOString(), policyVersion: '2024.short' };
    expect(a.history.map((e) => [e.type, e.by])).toEqual([
      ['received', 'coordinator:c'],
      ['dispatched', 'coordinator:c'],
      ['acknowledged', 'dealer:SH001'],
      ['customer_contacted', 'dealer:SH001'],
      ['evidence_added', 'dealer:SH001'],
      ['replied', 'dealer:SH001'],
      ['closure_requested', 'coordinator:c'],
      ['closed', 'call_center:cc'],
    ]);
    expect(a.history[3]!.data).toEqual({ note: marker });
    expect(a.history[5]!.data).toEqual({ final: true, cause: marker, qualityDefect: true, partsReplaced: ['水泵总成'], text: marker });
    expect(a.history[7]!.data).toEqual({ outcome: 'satisfied', method: 'phone', ratings: { serviceQuality: 5, attitude: 4, priceCheck: 5, overall: 5, shortcomings: marker, suggestions: marker }, note: marker });
    const b = (await models.Complaint.findById(B).lean())!;
    expect(b.history.slice(-2)).toMatchObject([
      { summary: '升级为重大抱怨: （已删除）', data: { reason: { erased: true } } },
      { summary: '强制闭环: （已删除）', data: { reason: { erased: true } } },
    ]);
    expect(b).not.toHaveProperty('closeReason');
    expect(b.major).toMatchObject({ reason: { erased: true }, firstReportDue: expect.any(String) });
    // The submission stays, emptied, so that a repeat of its source key never stores it again.
    expect(await models.Submission.findById(A).lean()).toMatchObject({ _id: A, attachments: [], erasedAt: a.erasedAt });
    expect(await models.Attachment.countDocuments({ number: A })).toBe(0);
    expect(await models.Attachment.countDocuments({ number: C })).toBe(2);

    // Every statistic computed before is the same after, byte for byte.
    expect(await scorecard('json')).toBe(before.json);
    expect(await scorecard('csv')).toBe(before.csv);
    expect(await analysis()).toBe(before.analysis);

    // Run again: nothing more changes.
    const erasedA = await everythingAbout(models, A);
    const again = await runRetention(models, { asOf: AS_OF, by: 'test' });
    expect(again).toMatchObject({ erased: 0, held: 1, alreadyErased: 3, notYetDue: 2 });
    expect(await everythingAbout(models, A)).toBe(erasedA);

    // Who erased, when and why; never what.
    const audit = await request(intake.app()).get(`/api/complaints/${A}/privacy-audit`).set('authorization', coordinator).expect(200);
    expect(audit.body.items).toEqual([{ action: 'erase', by: 'test', at: marker.at, reason: 'retention: closed 2024-03-08, kept 1 year under policy 2024.short (as of 2026-06-01)', policyVersion: '2024.short' }]);
  });

  it('keeps an erased complaint erased when its workflow records an event afterwards (a late undeliverable email)', async () => {
    const models = intake.models();
    const doc = (await models.Complaint.findById(A, { eventCount: 1 }).lean())!;
    const late = { id: `${A}:${doc.eventCount + 1}`, sequence: doc.eventCount + 1, type: 'notification_undeliverable', at: new Date().toISOString(), by: 'system', summary: '邮件无法投递: customer_closure', status: 'closed' as const, data: { note: 'PII-late-note' } };
    await createPersistenceActivities({ models }).recordEvent(A, late, { status: 'closed', closeReason: 'PII-late-reason', major: { since: '2024-03-01T02:00:00Z', reason: 'PII-late-major' } });
    const about = await everythingAbout(models, A);
    expect(about).toContain('notification_undeliverable');
    expect(about).not.toContain('PII');
  });

  it('never erases under a hold placed while an erasure was being decided, nor holds what an erasure has claimed', async () => {
    const models = intake.models();
    const held = 'C20240302-0901';
    const claimed = 'C20240302-0902';
    for (const number of [held, claimed]) {
      await models.Complaint.collection.insertOne({ _id: number, workflowId: `complaint-${number}`, kind: 'complaint', category: 'service_process', severity: 'minor', channel: 'hotline', status: 'closed', receivedAt: new Date('2024-03-02T02:00:00Z'), closedAt: '2024-03-09T02:00:00.000Z', policyVersion: '2024.short', history: [], eventCount: 0 } as never);
    }
    // The caller found no hold; one came before the erasure began: nothing erased, no erasure on record.
    await models.LegalHold.create({ _id: held, reason: '诉讼中', by: 'c', at: new Date() });
    await expect(eraseComplaint(models, held, { at: new Date(), by: 'test', reason: 'customer asked', because: 'request' })).rejects.toBeInstanceOf(OnLegalHold);
    expect(await models.PrivacyAudit.exists({ _id: `${held}:erase` })).toBeNull();
    expect((await models.Complaint.findById(held).lean())!.erasedAt).toBeUndefined();
    // An erasure has claimed the complaint: a hold now would keep nothing, and is refused over HTTP.
    await models.PrivacyAudit.create({ _id: `${claimed}:erase`, number: claimed, action: 'erase', by: 'test', at: new Date(), reason: 'retention', policyVersion: '2024.short' });
    await request(intake.app()).put(`/api/complaints/${claimed}/hold`).set('authorization', coordinator).send({ reason: '诉讼中' }).expect(409);
    expect(await models.LegalHold.exists({ _id: claimed })).toBeNull();
    await models.Complaint.deleteMany({ _id: { $in: [held, claimed] } });
    await models.LegalHold.deleteOne({ _id: held });
  });

  it('erases the others when one complaint cannot be erased, and names it', async () => {
    const models = intake.models();
    // A closed complaint whose stored history is not a list (a document damaged by hand).
    await models.Complaint.collection.insertOne({ _id: 'C20240301-0999', workflowId: 'complaint-C20240301-0999', kind: 'complaint', category: 'service_process', severity: 'minor', channel: 'hotline', status: 'closed', receivedAt: new Date('2024-03-01T02:00:00Z'), closedAt: '2024-03-08T02:00:00.000Z', policyVersion: '2024.short', history: 'damaged' } as never);
    const run = await runRetention(models, { asOf: AS_OF, by: 'test' });
    expect(run.failed).toEqual([{ number: 'C20240301-0999', error: expect.any(String) }]);
    expect(run.erased).toBe(0);
    await models.Complaint.deleteOne({ _id: 'C20240301-0999' });
  });

  it('shows staff an erased complaint with the marker, not the data', async () => {
    const { body } = await request(intake.app()).get(`/api/complaints/${A}`).set('authorization', coordinator).expect(200);
    expect(JSON.stringify(body)).not.toContain('PII');
    expect(body.erased).toEqual({ erased: true, at: expect.any(String), policyVersion: '2024.short' });
    expect(body).not.toHaveProperty('customer');
    expect(body).not.toHaveProperty('description');
    expect(body.attachments).toEqual([]);
    expect(body.history[5].data.text).toEqual(body.erased);
    expect(body).toMatchObject({ number: A, status: 'closed', dealerCode: 'SH001' });
    await request(intake.app()).get(`/api/complaints/${A}/attachments/1`).set('authorization', coordinator).expect(404);
    // A complaint not erased shows its data as before.
    const held = await request(intake.app()).get(`/api/complaints/${C}`).set('authorization', coordinator).expect(200);
    expect(held.body).not.toHaveProperty('erased');
    expect(held.body.customer.name).toBe('PII-张三');
  });

  it('keeps a held complaint until the coordinator releases the hold, and audits both', async () => {
    const holds = await request(intake.app()).get('/api/legal-holds').set('authorization', coordinator).expect(200);
    expect(holds.body.items).toEqual([{ number: C, reason: '诉讼中，保留证据', by: 'coordinator:c', at: expect.any(String), status: 'closed', dealerCode: 'SH002', closedAt: '2024-03-10T02:00:00.000Z' }]);
    // The coordinator's alone: staff who handle the complaint may not hold, release or list.
    await request(intake.app()).put(`/api/complaints/${C}/hold`).set('authorization', dealer).send({ reason: 'x' }).expect(403);
    await request(intake.app()).get('/api/legal-holds').set('authorization', callCenter).expect(403);
    await request(intake.app()).delete(`/api/complaints/${C}/hold`).set('authorization', coordinator).send({}).expect(400);
    const unknown = await request(intake.app()).put('/api/complaints/C20240301-0999/hold').set('authorization', coordinator).send({ reason: '典型案例' }).expect(404);
    expect(unknown.body.error).toBe('not_found');
    const refused = await request(intake.app()).put(`/api/complaints/${A}/hold`).set('authorization', coordinator).send({ reason: '典型案例' }).expect(409);
    expect(refused.body.message).toMatch(/erased/);

    const released = await request(intake.app()).delete(`/api/complaints/${C}/hold`).set('authorization', coordinator).send({ reason: '诉讼结束' }).expect(200);
    expect(released.body).toMatchObject({ number: C, released: { reason: '诉讼结束', by: 'coordinator:c' } });
    await request(intake.app()).delete(`/api/complaints/${C}/hold`).set('authorization', coordinator).send({ reason: '诉讼结束' }).expect(404);
    expect((await request(intake.app()).get('/api/legal-holds').set('authorization', coordinator).expect(200)).body.items).toEqual([]);
    const audit = await request(intake.app()).get(`/api/complaints/${C}/privacy-audit`).set('authorization', coordinator).expect(200);
    expect(audit.body.items.map((e: { action: string; by: string; reason: string }) => [e.action, e.by, e.reason])).toEqual([
      ['hold', 'coordinator:c', '诉讼中，保留证据'],
      ['release', 'coordinator:c', '诉讼结束'],
    ]);

    const run = await runRetention(intake.models(), { asOf: AS_OF, by: 'test' });
    expect(run).toMatchObject({ erased: 1, held: 0, alreadyErased: 3 });
    expect(await everythingAbout(intake.models(), C)).not.toContain('PII');
  });

  it('erases one closed complaint’s personal data on the customer’s request, refuses an open or held one, and audits who, when and why', async () => {
    const act = (number: string, action: string, who: string, body: object = {}, key?: string) => {
      const req = request(intake.app()).post(`/api/complaints/${number}/${action}`).set('authorization', who);
      if (key) req.set('idempotency-key', key);
      return req.send(body).expect(200);
    };
    intake.setNow('2033-05-09T11:00:00+08:00');
    const submission = { ...validComplaint(), customer: { name: 'PII-李四', phone: '13900139000', email: 'pii-li@example.com' }, description: 'PII-desc', request: 'PII-req', channel: 'hotline', receivedAt: '2033-05-09T10:00:00+08:00' };
    const submit = () => request(intake.app()).post('/api/complaints').set('authorization', coordinator).set('idempotency-key', 'letter-2033-0509').send(submission);
    const { body: created } = await submit().expect(201);
    const number = created.number as string;
    await eventually(() => intake.temporal().workflow.getHandle(created.workflowId).query(getStateQuery), (s) => s.idle === true);
    await act(number, 'acknowledge', dealer);
    await act(number, 'contact', dealer, { note: 'PII-contact 李四' });
    await act(number, 'reply', dealer, { text: 'PII-reply 已处理', final: true, cause: 'PII-cause', qualityDefect: false, partsReplaced: [] }, 'reply-key-0001');

    // Open: its data is still needed.
    const open = await request(intake.app()).post(`/api/complaints/${number}/erase`).set('authorization', coordinator).send({ reason: '客户要求删除个人信息' }).expect(409);
    expect(open.body.message).toMatch(/awaiting_closure_request/);

    await act(number, 'request-closure', coordinator, { note: 'PII-closure' });
    await act(number, 'follow-up', callCenter, { outcome: 'satisfied', ratings: { serviceQuality: 5, attitude: 5, priceCheck: 5, overall: 5, shortcomings: 'PII-short', suggestions: 'PII-sugg' } });
    await eventually(() => intake.models().Complaint.findById(number).lean(), (d) => d?.status === 'closed');
    await eventually(() => intake.temporal().workflow.getHandle(created.workflowId).describe(), (d) => d.status.name === 'COMPLETED');
    expect(await everythingAbout(intake.models(), number)).toContain('PII');

    // A held complaint is kept, even on request: the hold is released first.
    await request(intake.app()).put(`/api/complaints/${number}/hold`).set('authorization', coordinator).send({ reason: '客户投诉至消协' }).expect(200);
    const held = await request(intake.app()).post(`/api/complaints/${number}/erase`).set('authorization', coordinator).send({ reason: '客户要求删除个人信息' }).expect(409);
    expect(held.body.message).toMatch(/legal hold/);
    await request(intake.app()).delete(`/api/complaints/${number}/hold`).set('authorization', coordinator).send({ reason: '消协已结案' }).expect(200);

    await request(intake.app()).post(`/api/complaints/${number}/erase`).set('authorization', dealer).send({ reason: 'x' }).expect(403);
    await request(intake.app()).post(`/api/complaints/${number}/erase`).set('authorization', coordinator).send({}).expect(400);
    const erased = await request(intake.app()).post(`/api/complaints/${number}/erase`).set('authorization', coordinator).send({ reason: '客户要求删除个人信息' }).expect(200);
    expect(erased.body).toMatchObject({ number, erasedBecause: 'request', erasedUnder: '2025.1', alreadyErased: false });
    expect(await everythingAbout(intake.models(), number)).not.toContain('PII');
    const { body } = await request(intake.app()).get(`/api/complaints/${number}`).set('authorization', coordinator).expect(200);
    expect(JSON.stringify(body)).not.toContain('PII');
    expect(body.erased).toMatchObject({ erased: true, policyVersion: '2025.1' });
    // The reply's kept answer is forgotten; its key still is the same request, never run again.
    const replayed = await request(intake.app()).post(`/api/complaints/${number}/reply`).set('authorization', dealer).set('idempotency-key', 'reply-key-0001').send({ text: 'PII-reply 已处理', final: true, cause: 'PII-cause', qualityDefect: false, partsReplaced: [] });
    expect(replayed.status).toBe(200);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.text).toBe('');

    // The letter entered again under its key is the same complaint, and brings nothing back.
    const repeated = await submit().expect(200);
    expect(repeated.body.number).toBe(number);
    expect(await everythingAbout(intake.models(), number)).not.toContain('PII');

    const again = await request(intake.app()).post(`/api/complaints/${number}/erase`).set('authorization', coordinator).send({ reason: '再次要求' }).expect(200);
    expect(again.body).toMatchObject({ number, erasedAt: erased.body.erasedAt, alreadyErased: true });
    const audit = await request(intake.app()).get(`/api/complaints/${number}/privacy-audit`).set('authorization', coordinator).expect(200);
    expect(audit.body.items.map((e: { action: string; by: string; reason: string }) => [e.action, e.by, e.reason])).toEqual([
      ['hold', 'coordinator:c', '客户投诉至消协'],
      ['release', 'coordinator:c', '消协已结案'],
      ['erase', 'coordinator:c', '客户要求删除个人信息'],
    ]);
  });

  it('documents the hold, release, erasure and audit routes in intake’s OpenAPI document', async () => {
    const { body: doc } = await request(intake.app()).get('/openapi.json').expect(200);
    expect(Object.keys(doc.paths['/api/complaints/{number}/hold'])).toEqual(['put', 'delete']);
    expect(doc.paths['/api/complaints/{number}/erase'].post.responses['409'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    expect(doc.paths['/api/legal-holds'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/LegalHolds' });
    expect(doc.paths['/api/complaints/{number}/privacy-audit'].get).toBeDefined();
    expect(doc.components.schemas.PrivacyReason.required).toEqual(['reason']);
  });
});
