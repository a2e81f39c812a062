import express from 'express';
import request from 'supertest';
import { createAuth, createLogger, errorHandler, idempotency, jsonBody, signToken } from '@complaints/runtime';
import { createApp } from '../src/app';
import { useTestDatabase } from '../../../test/database';

// Idempotency-Key on reporting's writes: a client that repeats a write it got no answer for (a
// timeout, a dropped connection, a 503) gets the first answer back instead of a second penalty.
describe('Idempotency-Key on retried writes', () => {
  const { config, mongo, models } = useTestDatabase({ rules: true, directory: 'idem' });
  let app: ReturnType<typeof createApp>;
  let coordinator: string;
  const penalty = { dealerCode: 'SH001', month: '2030-12', kind: 'amount', amount: 1500, reason: '回复超时', complaintNumber: 'C20301202-0001' };
  const postPenalty = (key: string | undefined, body: object = penalty, who = coordinator) => {
    const req = request(app).post('/api/reports/penalties').set('authorization', who);
    return (key === undefined ? req : req.set('idempotency-key', key)).send(body);
  };

  beforeAll(async () => {
    app = createApp({ mongo: mongo(), temporal: undefined as never, logger: createLogger('idem', 'silent'), models: models(), secret: config.AUTH_SECRET });
    coordinator = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'c', role: 'coordinator' })}`;
    // The complaint the penalties refer to (seed 002 重大抱怨 §5.1: each penalty names one).
    await models().Complaint.create({ _id: 'C20301202-0001', workflowId: 'w', kind: 'complaint', category: 'service_process', severity: 'major', channel: 'hotline', status: 'closed', dealerCode: 'SH001', receivedAt: new Date('2030-12-02T10:00:00+08:00') });
  });

  const penaltiesFor = (reason: string) => models().Penalty.countDocuments({ reason });

  it('records a penalty posted twice with the same key once, and answers the repeat as the first', async () => {
    const first = await postPenalty('penalty-0001').expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await postPenalty('penalty-0001').expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await penaltiesFor('回复超时')).toBe(1);
  });

  it('records one penalty from ten concurrent copies; the others get that answer or are told it is still running', async () => {
    const body = { ...penalty, reason: '并发重试' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => postPenalty('penalty-concurrent-1', body)));
    expect(await penaltiesFor('并发重试')).toBe(1);
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((a) => a.body.id)).size).toBe(1);
    for (const a of answers.filter((x) => x.status !== 201)) expect(a.status).toBe(409);
    // Once the first has finished, every repeat gets its answer.
    expect((await postPenalty('penalty-concurrent-1', body).expect(201)).body).toEqual(created[0]!.body);
  });

  it('refuses the same key with a different body, and a malformed key, naming the header', async () => {
    await postPenalty('penalty-0002').expect(201);
    const reused = await postPenalty('penalty-0002', { ...penalty, amount: 1900 }).expect(422);
    expect(reused.body.error).toBe('idempotency_key_reused');
    for (const bad of ['short', 'x'.repeat(101), 'has space 123', 'ünïcode-key']) {
      const res = await postPenalty(bad).expect(400);
      expect(res.body).toMatchObject({ error: 'validation_failed', details: [{ path: 'Idempotency-Key' }] });
    }
    expect(await penaltiesFor('回复超时')).toBe(2);
  });

  it('runs requests without the header as before, and keeps each caller’s keys apart', async () => {
    const body = { ...penalty, reason: '无键' };
    await postPenalty(undefined, body).expect(201);
    await postPenalty(undefined, body).expect(201);
    expect(await penaltiesFor('无键')).toBe(2);
    const other = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'c2', role: 'coordinator' })}`;
    await postPenalty('shared-key-1', { ...body, reason: '两人同键' }).expect(201);
    const second = await postPenalty('shared-key-1', { ...body, reason: '两人同键' }, other).expect(201);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(await penaltiesFor('两人同键')).toBe(2);
  });

  it('applies to every write in reporting: the visits import, the recompute and the case library', async () => {
    const csv = 'dealerCode,month,visits\nSH001,2030-09,120\n';
    const importCsv = () => request(app).put('/api/reports/service-visits').set('authorization', coordinator).set('idempotency-key', 'visits-import-1').set('content-type', 'text/csv').send(csv).expect(200);
    await importCsv();
    expect((await importCsv()).headers['idempotent-replayed']).toBe('true');

    const recompute = () => request(app).post('/api/reports/scorecard/recompute').set('authorization', coordinator).set('idempotency-key', 'recompute-2030-12').send({ month: '2030-12', reason: '月度考核冻结' }).expect(200);
    const first = await recompute();
    const again = await recompute();
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await models().FrozenScorecard.findById('2030-12').lean())!.version).toBe(1);

    await models().Complaint.create({ _id: 'C20301201-0001', workflowId: 'w', kind: 'complaint', category: 'product_quality', severity: 'minor', channel: 'hotline', status: 'closed', dealerCode: 'SH001', region: 'east', receivedAt: new Date('2030-12-01T10:00:00+08:00') });
    const mark = () => request(app).put('/api/reports/cases/C20301201-0001').set('authorization', coordinator).set('idempotency-key', 'case-C20301201-0001').send({ title: '典型', lesson: '先联系客户' }).expect(200);
    await mark();
    expect((await mark()).headers['idempotent-replayed']).toBe('true');
  });

  describe('the middleware on its own', () => {
    // A small app of its own: a route whose handler the test controls, on the same real database.
    let calls = 0;
    let gate: Promise<void> = Promise.resolve();
    let failNext = false;
    const own = express();
    beforeAll(() => {
      own.post('/things', createAuth({ secret: config.AUTH_SECRET, audience: 'reporting', connection: mongo() }).requireRole(['coordinator']), jsonBody(), idempotency(mongo()), async (req, res) => {
        calls += 1;
        await gate;
        if (failNext) {
          failNext = false;
          throw new Error('the database went away');
        }
        res.status(201).json({ call: calls, echo: req.body });
      });
      own.use(errorHandler(createLogger('idem-own', 'silent')));
    });
    const post = (key: string, body: object = { n: 1 }) => request(own).post('/things').set('authorization', coordinator).set('idempotency-key', key).send(body);

    it('tells a repeat that arrives while the first is still running to wait, then replays the first answer', async () => {
      let open!: () => void;
      gate = new Promise((resolve) => (open = resolve));
      const first = post('running-key-1').then((r) => r);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const during = await post('running-key-1').expect(409);
      expect(during.body.message).toMatch(/still being processed/);
      open();
      const answer = await first;
      expect(answer.status).toBe(201);
      const after = await post('running-key-1').expect(201);
      expect(after.body).toEqual(answer.body);
      gate = Promise.resolve();
    });

    it('lets a request that failed on the server be repeated with the same key', async () => {
      failNext = true;
      const before = calls;
      await post('failing-key-1').expect(500);
      const retried = await post('failing-key-1').expect(201);
      expect(retried.headers['idempotent-replayed']).toBeUndefined();
      expect(calls).toBe(before + 2);
      expect((await post('failing-key-1').expect(201)).headers['idempotent-replayed']).toBe('true');
      expect(calls).toBe(before + 2);
    });
  });
});
