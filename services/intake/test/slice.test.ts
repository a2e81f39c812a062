import request from 'supertest';
import { Worker } from '@temporalio/worker';
import type { Connection as MongoConnection } from 'mongoose';
import { createModels, seedRules, type Models } from '@complaints/activities';
import { connectMongo, connectTemporal, createLogger, type TemporalConnections } from '@complaints/shared/runtime';
import { CategoryKey, ChannelKey, ClosureDeadlineKey, ComplaintStatusKey, DealerCodeKey, OverdueKey, SeverityKey, getStateQuery } from '@complaints/workflows';
import { createNotifierWorker, createTransport } from '@complaints/notifier/src/worker';
import { createApp } from '../src/app';
import { createComplaintWorker } from '../src/worker';
import { signToken } from '../src/auth';
import { eventually, mailbox, testConfig, validComplaint } from '../../../test/support';

// The first slice, end to end on real servers: HTTP → workflow → MongoDB document → email.
describe('a complaint submitted over HTTP', () => {
  const config = testConfig();
  let mongo: MongoConnection;
  let models: Models;
  let temporal: TemporalConnections;
  let workers: Worker[];
  let running: Promise<void>[];
  let transport: ReturnType<typeof createTransport>;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    mongo = await connectMongo(config);
    models = createModels(mongo);
    await Promise.all(Object.values(models).map((model) => model.init()));
    await seedRules(models);
    temporal = await connectTemporal(config);
    transport = createTransport(config);
    workers = [
      await createComplaintWorker({ config, connection: temporal.workerConnection, models, logger: createLogger('worker-test', 'silent') }),
      await createNotifierWorker({ config, connection: temporal.workerConnection, mongo, transport }),
    ];
    running = workers.map((w) => w.run());
    app = createApp({ config, logger: createLogger('intake-test', 'silent'), mongo, models, temporal: temporal.client });
  });

  afterAll(async () => {
    workers?.forEach((w) => w.shutdown());
    await Promise.all(running ?? []);
    transport?.close();
    await mongo?.dropDatabase();
    await mongo?.close();
    await temporal?.close();
  });

  it('becomes a workflow with its search attributes, a read-model document and an email without the phone number', async () => {
    const res = await request(app).post('/api/complaints').send(validComplaint()).expect(201);
    expect(res.body.number).toMatch(/^C\d{8}-\d{4}$/);
    expect(res.body.workflowId).toBe(`complaint-${res.body.number}`);

    const handle = temporal.client.workflow.getHandle(res.body.workflowId);
    const description = await handle.describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.typedSearchAttributes.get(ComplaintStatusKey)).toBe('received');
    expect(description.typedSearchAttributes.get(CategoryKey)).toBe('product_quality');
    expect(description.typedSearchAttributes.get(SeverityKey)).toBe('minor');
    expect(description.typedSearchAttributes.get(ChannelKey)).toBe('web_form');
    expect(description.typedSearchAttributes.get(DealerCodeKey)).toBe('SH001');
    expect(description.typedSearchAttributes.get(OverdueKey)).toBe(false);

    const emails = await mailbox.waitFor(config.COORDINATOR_EMAIL);
    expect(emails).toHaveLength(1);
    expect(emails[0]!.subject).toContain(res.body.number);
    expect(emails[0]!.text).toContain('产品质量');
    for (const personal of ['13800138000', '张三', 'LSVAU2180N2183294', '沪A12345']) {
      expect(emails[0]!.text).not.toContain(personal);
      expect(emails[0]!.html).not.toContain(personal);
      expect(emails[0]!.subject).not.toContain(personal);
    }

    const state = await handle.query(getStateQuery);
    expect(state.events.map((e) => e.type)).toEqual(['received']);
    // SPEC §4: deadlines fixed at receipt, with the versions used, visible to operators.
    expect(state.deadlines).toMatchObject({ policyVersion: '2025.1', closureDeadline: expect.stringMatching(/T16:30:00\+08:00$/) });
    expect((await handle.describe()).typedSearchAttributes.get(ClosureDeadlineKey)).toEqual(new Date(state.deadlines!.closureDeadline!));
    const doc = await models.Complaint.findById(res.body.number).lean();
    expect(doc).toMatchObject({ status: 'received', category: 'product_quality', eventCount: 1 });
    expect(JSON.stringify(doc)).not.toContain('13800138000');
    expect(await models.Submission.findById(res.body.number).lean()).toMatchObject({ customer: { name: '张三', phone: '13800138000' }, vehicle: { vin: 'LSVAU2180N2183294' } });

    // Operations staff see workflow inputs in the Temporal UI: no personal data there (SPEC §7).
    const history = JSON.stringify(await handle.fetchHistory());
    for (const personal of ['13800138000', 'LSVAU2180N2183294', '沪A12345']) expect(history).not.toContain(personal);
    // Payloads are base64 in the history; decode them too.
    const decoded = [...history.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8')).join('\n');
    expect(decoded).toContain(res.body.number);
    for (const personal of ['13800138000', '张三', 'LSVAU2180N2183294', '沪A12345', '发动机异响']) expect(decoded).not.toContain(personal);
    expect(doc!.history.map((e) => e.id)).toEqual([`${res.body.number}:1`]);
  });

  it('gives consecutive numbers to complaints received the same day', async () => {
    const receivedAt = '2026-03-02T09:00:00+08:00'; // a Monday: product quality closes Monday next week
    const a = await request(app).post('/api/complaints').send({ ...validComplaint(), receivedAt }).expect(201);
    const b = await request(app).post('/api/complaints').send({ ...validComplaint(), receivedAt }).expect(201);
    expect([a.body.number, b.body.number]).toEqual(['C20260302-0001', 'C20260302-0002']);
    const doc = await eventually(() => models.Complaint.findById(a.body.number).lean(), (d) => Boolean(d?.closureDeadline));
    expect(doc).toMatchObject({ closureDeadline: new Date('2026-03-09T16:30:00+08:00'), policyVersion: '2025.1' });
  });

  it('answers bad input with 400 and a message per field', async () => {
    const res = await request(app)
      .post('/api/complaints')
      .send({ kind: 'grumble', customer: { name: '', phone: 'abc' }, vehicle: { vin: 'LSVAU2180N218329O' } })
      .expect(400);
    expect(res.body.error).toBe('validation_failed');
    const paths = res.body.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['kind', 'category', 'customer.name', 'customer.phone', 'vehicle.vin', 'description']));
  });

  it('answers malformed JSON with 400, not 500', async () => {
    const res = await request(app).post('/api/complaints').set('content-type', 'application/json').send('{"kind":').expect(400);
    expect(res.body.error).toBeDefined();
  });

  it('shows the complaint with its history to staff, and hides it from another dealer', async () => {
    const { body } = await request(app).post('/api/complaints').send(validComplaint()).expect(201);
    await request(app).get(`/api/complaints/${body.number}`).expect(401);

    const coordinator = await signToken(config.AUTH_SECRET, { sub: 'c1', role: 'coordinator' });
    const view = await eventually(
      () => request(app).get(`/api/complaints/${body.number}`).set('authorization', `Bearer ${coordinator}`),
      (res) => res.status === 200 && res.body.history.length > 0,
    );
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      number: body.number,
      status: 'received',
      customer: { name: '张三', phone: '13800138000' },
      description: '发动机异响，维修三次未解决',
      history: [{ type: 'received', by: 'web_form' }],
    });

    const ownDealer = await signToken(config.AUTH_SECRET, { sub: 'd1', role: 'dealer', dealerCode: 'SH001' });
    await request(app).get(`/api/complaints/${body.number}`).set('authorization', `Bearer ${ownDealer}`).expect(200);
    const otherDealer = await signToken(config.AUTH_SECRET, { sub: 'd2', role: 'dealer', dealerCode: 'BJ002' });
    await request(app).get(`/api/complaints/${body.number}`).set('authorization', `Bearer ${otherDealer}`).expect(404);
    const forged = await signToken('another-secret-0123456789', { sub: 'x', role: 'coordinator' });
    await request(app).get(`/api/complaints/${body.number}`).set('authorization', `Bearer ${forged}`).expect(401);
  });

  it('reports healthy when Temporal and the database answer', async () => {
    const res = await request(app).get('/health').expect(200);
    expect(res.body).toEqual({ status: 'ok', temporal: 'ok', database: 'ok' });
  });
});
