import mongoose from 'mongoose';
import request from 'supertest';
import { Client, Connection } from '@temporalio/client';
import { createLogger, signToken } from '@complaints/runtime';
import { getStateQuery } from '@complaints/workflows';
import { createModels } from '@complaints/activities';
import { createApp } from '../src/app';
import { hotlineSignature } from '../src/integrations';
import { issueFormToken } from '../src/formTokens';
import { reconcilePending } from '../src/reconciler';
import { createDirectNotifier } from '@complaints/notifier/src/direct';
import { address, eventually, mailbox, validComplaint } from '../../../test/support';
import { useIntakeApp } from './harness';

// The facts that decide a dealer's money cannot be forged by an anonymous caller, replayed by a
// repeated source key, or lost when Temporal does not answer.
describe('trustworthy intake', () => {
  // A day of this file's own: its complaint numbers (and workflow ids) never meet another file's.
  const NOW = new Date('2031-03-10T10:00:00+08:00');
  const intake = useIntakeApp('integrity', { now: () => NOW, config: { PUBLIC_RATE_LIMIT: '1000' } });
  const { config, tag } = intake;
  const app = () => intake.app();
  const bearer = async (claims: Parameters<typeof signToken>[1]) => `Bearer ${await signToken(config.AUTH_SECRET, claims)}`;
  const idle = (number: string) => eventually(() => intake.temporal().workflow.getHandle(`complaint-${number}`).query(getStateQuery), (s) => s.idle === true);

  describe('what an anonymous caller may decide', () => {
    it.each([
      ['receivedAt', { receivedAt: '2030-03-10T10:00:00+08:00' }],
      ['severity', { severity: 'major' }],
      ['source', { source: '汽车之家论坛' }],
      ['url', { url: 'https://bbs.example.com/t/1' }],
      ['postedAt', { postedAt: '2031-03-09T10:00:00+08:00' }],
    ])('refuses a public submission that sets %s, naming it, and stores nothing', async (field, extra) => {
      const before = await intake.models().Submission.countDocuments();
      const res = await request(app()).post('/api/complaints').send({ ...validComplaint(), ...extra }).expect(400);
      expect(res.body.details).toEqual([{ path: field, message: 'only staff may set this field' }]);
      expect(await intake.models().Submission.countDocuments()).toBe(before);
    });

    it('records a public submission as a minor web-form complaint received at the time of arrival', async () => {
      const res = await request(app()).post('/api/complaints').send(validComplaint()).expect(201);
      const doc = await eventually(() => intake.models().Complaint.findById(res.body.number).lean(), Boolean);
      expect(doc).toMatchObject({ severity: 'minor', channel: 'web_form', receivedAt: NOW });
    });

    it('lets staff record a past receipt within the policy window, never in the future, and keeps who recorded it', async () => {
      const coordinator = await bearer({ sub: 'li.coordinator', role: 'coordinator' });
      const letter = { ...validComplaint(), channel: 'written' };
      const tooOld = await request(app()).post('/api/complaints').set('authorization', coordinator).send({ ...letter, receivedAt: '2031-03-02T09:00:00+08:00' }).expect(400);
      expect(tooOld.body.details).toEqual([{ path: 'receivedAt', message: 'must be at most 7 days back' }]);
      const future = await request(app()).post('/api/complaints').set('authorization', coordinator).send({ ...letter, receivedAt: '2031-03-10T11:00:00+08:00' }).expect(400);
      expect(future.body.details).toEqual([{ path: 'receivedAt', message: 'must not be in the future' }]);
      const ok = await request(app()).post('/api/complaints').set('authorization', coordinator).send({ ...letter, receivedAt: '2031-03-04T09:00:00+08:00' }).expect(201);
      const doc = await eventually(() => intake.models().Complaint.findById(ok.body.number).lean(), (d) => (d?.history?.length ?? 0) > 0);
      expect(doc).toMatchObject({ receivedAt: new Date('2031-03-04T01:00:00Z'), recordedBy: 'coordinator:li.coordinator' });
      expect(doc!.history[0]).toMatchObject({ type: 'received', by: 'coordinator:li.coordinator' });
    });

    it('does not let one anonymous caller take over another one’s Idempotency-Key', async () => {
      const first = await request(app()).post('/api/complaints').set('idempotency-key', 'my-key-0001').send(validComplaint()).expect(201);
      const second = await request(app()).post('/api/complaints').set('idempotency-key', 'my-key-0001').send({ ...validComplaint(), description: '另一位客户' }).expect(201);
      expect(second.body.number).not.toBe(first.body.number);
      // A key the server issued (the form's token) is honoured.
      const token = issueFormToken(config.AUTH_SECRET);
      const a = await request(app()).post('/api/complaints').set('idempotency-key', token).send(validComplaint()).expect(201);
      const b = await request(app()).post('/api/complaints').set('idempotency-key', token).send(validComplaint()).expect(200);
      expect(b.body.number).toBe(a.body.number);
    });

    it('never lets a cache keep the form, whose token is one customer’s', async () => {
      const res = await request(app()).get('/').expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('ignores a form token the server did not issue', async () => {
      const forged = '00000000-0000-4000-8000-000000000000';
      const post = () => request(app()).post('/').field('formToken', forged).field('kind', 'complaint').field('category', 'service_process').field('customer.name', '王五').field('customer.phone', '13900139000').field('description', '服务态度差');
      const one = await post().expect(303);
      const two = await post().expect(303);
      expect(two.headers.location).not.toBe(one.headers.location);
    });
  });

  describe('one source key, one complaint, forever', () => {
    it('answers a hotline call repeated after its complaint closed with the same number, and changes nothing', async () => {
      const call = { ...validComplaint(), callId: 'call-closed-0001', receivedAt: '2031-03-09T10:00:00+08:00' };
      const send = () => {
        const raw = JSON.stringify(call);
        return request(app()).post('/api/hotline/calls').set('content-type', 'application/json').set('x-signature', hotlineSignature(config.HOTLINE_SECRET, raw)).send(raw);
      };
      const first = await send().expect(201);
      const number = first.body.number as string;
      await idle(number);
      const coordinator = await bearer({ sub: 'c', role: 'coordinator' });
      await request(app()).post(`/api/complaints/${number}/force-close`).set('authorization', coordinator).send({ reason: '客户诉求无法满足' }).expect(200);
      const handle = intake.temporal().workflow.getHandle(`complaint-${number}`);
      await eventually(() => handle.describe(), (d) => d.status.name === 'COMPLETED');
      const closed = await eventually(() => intake.models().Complaint.findById(number).lean(), (d) => d?.status === 'force_closed');
      const { runId } = await handle.describe();

      // Months later, when its receipt time is long out of the staff window.
      intake.setNow(new Date(NOW.getTime() + 90 * 86_400_000));
      const again = await send().expect(200);
      intake.setNow();
      expect(again.body.number).toBe(number);
      const after = await handle.describe();
      expect(after.runId).toBe(runId);
      expect(after.status.name).toBe('COMPLETED');
      const runs = [];
      for await (const run of intake.temporal().workflow.list({ query: `WorkflowId = "complaint-${number}"` })) runs.push(run);
      expect(runs).toHaveLength(1);
      const doc = await intake.models().Complaint.findById(number).lean();
      expect({ status: doc!.status, kpi: doc!.kpi, eventCount: doc!.eventCount }).toEqual({ status: closed!.status, kpi: closed!.kpi, eventCount: closed!.eventCount });
    });

    it('records an action retried with the same Idempotency-Key once, and answers the repeat as the first', async () => {
      const coordinator = await bearer({ sub: 'c', role: 'coordinator' });
      const dealer = await bearer({ sub: 'sh001', role: 'dealer', dealerCode: 'SH001' });
      const { body } = await request(app()).post('/api/complaints').set('authorization', coordinator).send({ ...validComplaint(), channel: 'email' }).expect(201);
      await idle(body.number);
      await request(app()).post(`/api/complaints/${body.number}/acknowledge`).set('authorization', dealer).send({}).expect(200);
      const contact = () => request(app()).post(`/api/complaints/${body.number}/contact`).set('authorization', dealer).set('idempotency-key', 'contact-call-0001').send({ note: '已电话联系' });
      const first = await contact().expect(200);
      const again = await contact().expect(200);
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      const state = await idle(body.number);
      expect(state.events.filter((e) => e.type === 'customer_contacted')).toHaveLength(1);
    });

    it('makes a post URL one internet complaint whichever route records it', async () => {
      const callCenter = await bearer({ sub: 'monitor', role: 'call_center' });
      const post = { kind: 'complaint', category: 'service_process', customer: { name: '网友' }, description: '4S店乱收费', receivedAt: '2031-03-09T09:00:00+08:00', url: 'https://weibo.example.com/p/77', source: '微博', postedAt: '2031-03-09T08:00:00+08:00' };
      const first = await request(app()).post('/api/internet-complaints').set('authorization', callCenter).send(post).expect(201);
      const viaStaffApi = await request(app()).post('/api/complaints').set('authorization', callCenter).send({ ...post, channel: 'internet' }).expect(200);
      expect(viaStaffApi.body.number).toBe(first.body.number);
    });
  });

  describe('no complaint without its workflow', () => {
    it('stores each complaint of a burst once with its workflow, a key repeated at the same moment included, and leaves no start pending', async () => {
      // Stored together (one database write for many), each caller still learns its own outcome.
      const staff = await bearer({ sub: 'burst', role: 'call_center' });
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => request(app()).post('/api/complaints').set('authorization', staff).set('idempotency-key', `burst-key-${i % 10}-0001`).send(validComplaint())),
      );
      expect(answers.map((a) => a.status).every((status) => status === 201 || status === 200)).toBe(true);
      const numbers = answers.map((a) => a.body.number as string);
      for (let i = 0; i < 10; i++) expect(numbers[i + 10]).toBe(numbers[i]);
      const distinct = [...new Set(numbers)];
      expect(distinct).toHaveLength(10);
      expect(answers.filter((a) => a.status === 201)).toHaveLength(10);
      expect(await intake.models().Submission.countDocuments({ _id: { $in: distinct } })).toBe(10);
      await eventually(() => intake.models().PendingStart.countDocuments({ _id: { $in: distinct } }), (n) => n === 0);
      for (const number of distinct) expect((await intake.temporal().workflow.getHandle(`complaint-${number}`).describe()).status.name).toBe('RUNNING');
    });

    it('accepts a complaint while Temporal does not answer, and the reconciler starts its workflow from the stored receipt time', async () => {
      const deadTemporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }), namespace: config.TEMPORAL_NAMESPACE });
      const down = createApp({ config, logger: createLogger('intake-test', 'silent'), mongo: intake.models().Complaint.db, models: intake.models(), temporal: deadTemporal, now: () => NOW });
      const res = await request(down).post('/').field('kind', 'complaint').field('category', 'service_process').field('customer.name', '赵六').field('customer.phone', '13700137000').field('description', '等待时间太长').expect(303);
      const number = /\/submitted\/(C\d{8}-\d{4,})/.exec(String(res.headers.location))![1]!;
      expect(await intake.models().Submission.countDocuments({ _id: number })).toBe(1);
      expect(await intake.models().PendingStart.countDocuments({ _id: number })).toBe(1);
      // Staff find it meanwhile, as received.
      const meanwhile = await request(app()).get(`/api/complaints/${number}`).set('authorization', await bearer({ sub: 'c', role: 'coordinator' })).expect(200);
      expect(meanwhile.body).toMatchObject({ number, status: 'received', workflowPending: true, customer: { name: '赵六' } });

      const notifier = createDirectNotifier({ config, models: intake.models(), logger: createLogger('reconciler-test', 'silent') });
      const deps = { config, models: intake.models(), logger: createLogger('reconciler-test', 'silent'), now: () => new Date(NOW.getTime() + 60_000), sendNotification: notifier.sendNotification };
      // While Temporal stays down the coordinator is told once, however often the reconciler runs.
      await reconcilePending({ ...deps, temporal: deadTemporal }, { alertAfterMs: 0 });
      await reconcilePending({ ...deps, temporal: deadTemporal }, { alertAfterMs: 0 });
      const alerts = await mailbox.waitFor(address('coordinator', tag), 1);
      expect(alerts.filter((m) => m.subject.includes(number))).toHaveLength(1);

      const outcome = await reconcilePending({ ...deps, temporal: intake.temporal() }, { alertAfterMs: 0 });
      expect(outcome).toMatchObject({ started: 1, pending: 0 });
      expect(await intake.models().PendingStart.countDocuments({ _id: number })).toBe(0);
      const doc = await eventually(() => intake.models().Complaint.findById(number).lean(), Boolean);
      expect(doc!.receivedAt).toEqual(NOW);
      await deadTemporal.connection.close();
      notifier.close();
    });

    it('accepts a complaint whatever Temporal answers its start with, and the coordinator learns the reason Temporal gave', async () => {
      // A Temporal that answers, and refuses: a namespace it does not have (NOT_FOUND, not "down").
      const refusing = new Client({ connection: intake.temporal().connection, namespace: 'no-such-namespace' });
      const refused = createApp({ config, logger: createLogger('intake-test', 'silent'), mongo: intake.models().Complaint.db, models: intake.models(), temporal: refusing, now: () => NOW });
      const staff = await bearer({ sub: 'refused-start', role: 'coordinator' });
      const res = await request(refused).post('/api/complaints').set('authorization', staff).send(validComplaint()).expect(201);
      expect(res.body).toMatchObject({ workflowStarted: false });
      const number = res.body.number as string;
      expect(await intake.models().PendingStart.findById(number).lean()).toMatchObject({ lastError: expect.stringMatching(/namespace/i) });

      const notifier = createDirectNotifier({ config, models: intake.models(), logger: createLogger('reconciler-test', 'silent') });
      const deps = { config, models: intake.models(), logger: createLogger('reconciler-test', 'silent'), now: () => new Date(NOW.getTime() + 60_000), sendNotification: notifier.sendNotification };
      const outcome = await reconcilePending({ ...deps, temporal: refusing }, { alertAfterMs: 0 });
      expect(outcome).toMatchObject({ started: 0 });
      const alerts = await mailbox.waitFor(address('coordinator', tag), 1);
      const alert = alerts.find((m) => m.subject.includes(number));
      expect(alert?.text).toMatch(/namespace/i);
      // Temporal serving it again, the same record starts.
      expect((await reconcilePending({ ...deps, temporal: intake.temporal() }, { alertAfterMs: 0 })).started).toBeGreaterThanOrEqual(1);
      expect(await intake.models().PendingStart.countDocuments({ _id: number })).toBe(0);
      notifier.close();
    });
  });

  it('gives the web form back with what was typed and a request to try again when the database does not answer', async () => {
    const dead = mongoose.createConnection('mongodb://127.0.0.1:1/complaints', { serverSelectionTimeoutMS: 300 });
    dead.on('error', () => undefined);
    await dead.asPromise().catch(() => undefined);
    const down = createApp({ config, logger: createLogger('intake-test', 'silent'), mongo: dead, models: createModels(dead), temporal: intake.temporal(), now: () => NOW });
    const res = await request(down)
      .post('/?lang=en')
      .field('lang', 'en')
      .field('kind', 'complaint')
      .field('category', 'service_process')
      .field('customer.name', 'Zhao Liu')
      .field('customer.phone', '13700137000')
      .field('description', 'Waited three hours for an oil change')
      .expect(503);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.text).toContain('press Submit again');
    expect(res.text).toContain('Waited three hours for an oil change');
    expect(res.text).toContain('value="13700137000"');
    await dead.close();
  });

  describe('abuse', () => {
    it('rate-limits anonymous posts that carry a bogus Authorization header', async () => {
      const limited = useLimitedApp();
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await request(limited()).post('/api/complaints').set('authorization', 'Bearer forged').send(validComplaint())).status);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
    });
  });

  /** The same app with a public limit of 3 a minute (a fresh limiter per app). */
  function useLimitedApp() {
    const limitedConfig = { ...config, PUBLIC_RATE_LIMIT: 3 };
    const limited = createApp({ config: limitedConfig, logger: createLogger('intake-test', 'silent'), mongo: intake.models().Complaint.db, models: intake.models(), temporal: intake.temporal(), now: () => NOW });
    return () => limited;
  }
});
