import request from 'supertest';
import { CategoryKey, ChannelKey, ClosureDeadlineKey, ComplaintStatusKey, DealerCodeKey, OverdueKey, SeverityKey, getStateQuery } from '@complaints/workflows';
import type { Payload } from '@temporalio/common';
import { payloadCodec, signToken } from '@complaints/runtime';
import { address, eventually, mailbox, validComplaint } from '../../../test/support';
import { useIntakeApp } from './harness';

// The first slice, end to end on real servers: HTTP → workflow → MongoDB document → email.
describe('a complaint submitted over HTTP', () => {
  const intake = useIntakeApp('slice');
  const { config, tag } = intake;
  const app = () => intake.app();

  it('becomes a workflow with its search attributes, a read-model document and emails without personal data', async () => {
    const res = await request(app()).post('/api/complaints').send(validComplaint()).expect(201);
    expect(res.body.number).toMatch(/^C\d{8}-\d{4}$/);
    expect(res.body.workflowId).toBe(`complaint-${res.body.number}`);

    const handle = intake.temporal().workflow.getHandle(res.body.workflowId);
    const description = await handle.describe();
    expect(description.status.name).toBe('RUNNING');
    // Anyone can fill in the public form: it waits for the coordinator, who sees the dealer the customer named (SPEC §3.2).
    const waiting = await eventually(() => handle.query(getStateQuery), (s) => s.idle === true);
    expect(waiting).toMatchObject({ status: 'awaiting_dispatch', facts: { namedDealerCode: 'SH001' } });
    const coordinator = await signToken(config.AUTH_SECRET, { sub: 'c1', role: 'coordinator' });
    await request(app()).post(`/api/complaints/${res.body.number}/dispatch`).set('authorization', `Bearer ${coordinator}`).send({ dealerCode: 'SH001' }).expect(200);
    const settled = await eventually(() => handle.query(getStateQuery), (s) => s.idle === true);
    expect(settled).toMatchObject({ status: 'awaiting_acknowledgement', dealerCode: 'SH001', region: 'east' });
    expect((await handle.describe()).typedSearchAttributes.get(ComplaintStatusKey)).toBe('awaiting_acknowledgement');
    expect(description.typedSearchAttributes.get(CategoryKey)).toBe('product_quality');
    expect(description.typedSearchAttributes.get(SeverityKey)).toBe('minor');
    expect(description.typedSearchAttributes.get(ChannelKey)).toBe('web_form');
    expect((await handle.describe()).typedSearchAttributes.get(DealerCodeKey)).toBe('SH001');
    expect(description.typedSearchAttributes.get(OverdueKey)).toBe(false);

    const [notice] = await mailbox.waitFor(address('coordinator', tag));
    const [workOrder] = await mailbox.waitFor(address('sh001', tag));
    expect(notice!.subject).toContain(res.body.number);
    expect(notice!.text).toContain('产品质量');
    expect(workOrder!.subject).toContain(`【服务派工单】${res.body.number}`);
    for (const email of [notice!, workOrder!]) {
      for (const personal of ['13800138000', '张三', 'LSVAU2180N2183294', '沪A12345']) {
        expect(`${email.subject}\n${email.text}\n${email.html}`).not.toContain(personal);
      }
    }

    const state = await handle.query(getStateQuery);
    expect(state.events.map((e) => e.type)).toEqual(['received', 'dispatched']);
    // SPEC §4: deadlines fixed at receipt, with the versions used, visible to operators.
    expect(state.deadlines).toMatchObject({ policyVersion: '2025.1', closureDeadline: expect.stringMatching(/T16:30:00\+08:00$/) });
    expect((await handle.describe()).typedSearchAttributes.get(ClosureDeadlineKey)).toEqual(new Date(state.deadlines!.closureDeadline!));
    const doc = await intake.models().Complaint.findById(res.body.number).lean();
    expect(doc).toMatchObject({ status: 'awaiting_acknowledgement', category: 'product_quality', dealerCode: 'SH001', eventCount: 2 });
    expect(JSON.stringify(doc)).not.toContain('13800138000');
    expect(await intake.models().Submission.findById(res.body.number).lean()).toMatchObject({ customer: { name: '张三', phone: '13800138000' }, vehicle: { vin: 'LSVAU2180N2183294' } });

    // Operations staff see workflow inputs in the Temporal UI: no personal data there (SPEC §7).
    const history = JSON.stringify(await handle.fetchHistory());
    for (const personal of ['13800138000', 'LSVAU2180N2183294', '沪A12345']) expect(history).not.toContain(personal);
    // Payloads are encrypted in the history; what a coordinator's codec shows of them holds none either.
    const payloads: Payload[] = [];
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
        if ('metadata' in value && (value as Payload).metadata?.encoding) payloads.push(value as Payload);
        else Object.values(value).forEach(collect);
      }
    };
    collect(await handle.fetchHistory());
    const decoded = (await payloadCodec(intake.config).decode(payloads)).map((p) => Buffer.from(p.data ?? []).toString('utf8')).join('\n');
    expect(decoded).toContain(res.body.number);
    for (const personal of ['13800138000', '张三', 'LSVAU2180N2183294', '沪A12345', '发动机异响']) expect(decoded).not.toContain(personal);
    expect(doc!.history.map((e) => e.id)).toEqual([`${res.body.number}:1`, `${res.body.number}:2`]);
  });

  it('gives consecutive numbers to complaints received the same day', async () => {
    const receivedAt = '2026-03-02T09:00:00+08:00'; // a Monday: product quality closes Monday next week
    intake.setNow('2026-03-02T10:00:00+08:00');
    const staff = `Bearer ${await signToken(intake.config.AUTH_SECRET, { sub: 'c', role: 'coordinator' })}`;
    const a = await request(app()).post('/api/complaints').set('authorization', staff).send({ ...validComplaint(), channel: 'email', receivedAt }).expect(201);
    const b = await request(app()).post('/api/complaints').set('authorization', staff).send({ ...validComplaint(), channel: 'email', receivedAt }).expect(201);
    intake.setNow();
    expect([a.body.number, b.body.number]).toEqual(['C20260302-0001', 'C20260302-0002']);
    const doc = await eventually(() => intake.models().Complaint.findById(a.body.number).lean(), (d) => Boolean(d?.closureDeadline));
    expect(doc).toMatchObject({ closureDeadline: new Date('2026-03-09T16:30:00+08:00'), policyVersion: '2025.1' });
  });

  it('answers bad input with 400 and a message per field', async () => {
    const res = await request(app())
      .post('/api/complaints')
      .send({ kind: 'grumble', customer: { name: '', phone: 'abc' }, vehicle: { vin: 'LSVAU2180N218329O' } })
      .expect(400);
    expect(res.body.error).toBe('validation_failed');
    const paths = res.body.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['kind', 'category', 'customer.name', 'customer.phone', 'vehicle.vin', 'description']));
  });

  it('answers malformed JSON with 400, not 500', async () => {
    const res = await request(app()).post('/api/complaints').set('content-type', 'application/json').send('{"kind":').expect(400);
    expect(res.body.error).toBeDefined();
  });

  it('shows the complaint with its history to staff, and hides it from another dealer', async () => {
    const { body } = await request(app()).post('/api/complaints').send(validComplaint()).expect(201);
    await request(app()).get(`/api/complaints/${body.number}`).expect(401);

    const coordinator = await signToken(config.AUTH_SECRET, { sub: 'c1', role: 'coordinator' });
    const view = await eventually(
      () => request(app()).get(`/api/complaints/${body.number}`).set('authorization', `Bearer ${coordinator}`),
      (res) => res.status === 200 && res.body.history.length > 0,
    );
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      number: body.number,
      customer: { name: '张三', phone: '13800138000' },
      description: '发动机异响，维修三次未解决',
      history: expect.arrayContaining([expect.objectContaining({ type: 'received', by: 'web_form' })]),
    });

    // The dealer the customer named sees it once the coordinator dispatched it to them.
    const ownDealer = await signToken(config.AUTH_SECRET, { sub: 'd1', role: 'dealer', dealerCode: 'SH001' });
    await request(app()).get(`/api/complaints/${body.number}`).set('authorization', `Bearer ${ownDealer}`).expect(404);
    await request(app()).post(`/api/complaints/${body.number}/dispatch`).set('authorization', `Bearer ${coordinator}`).send({ dealerCode: 'SH001' }).expect(200);
    await eventually(() => request(app()).get(`/api/complaints/${body.number}`).set('authorization', `Bearer ${ownDealer}`), (r) => r.status === 200);
    await request(app()).get(`/api/complaints/${body.number}`).set('authorization', `Bearer ${ownDealer}`).expect(200);
    const otherDealer = await signToken(config.AUTH_SECRET, { sub: 'd2', role: 'dealer', dealerCode: 'BJ002' });
    await request(app()).get(`/api/complaints/${body.number}`).set('authorization', `Bearer ${otherDealer}`).expect(404);
    const forged = await signToken('another-secret-0123456789', { sub: 'x', role: 'coordinator' });
    await request(app()).get(`/api/complaints/${body.number}`).set('authorization', `Bearer ${forged}`).expect(401);
  });

  it('reports healthy when Temporal and the database answer', async () => {
    const res = await request(app()).get('/health').expect(200);
    expect(res.body).toEqual({ status: 'ok', temporal: 'ok', database: 'ok' });
  });

  describe('actions over HTTP (SPEC §8)', () => {
    const as = async (claims: Parameters<typeof signToken>[1]) => `Bearer ${await signToken(config.AUTH_SECRET, claims)}`;
    const post = (number: string, action: string, auth: string, body: object = {}) => request(app()).post(`/api/complaints/${number}/${action}`).set('authorization', auth).send(body);
    let dealerSH: string;
    let dealerBJ: string;
    let coordinatorAuth: string;
    let callCenter: string;

    beforeAll(async () => {
      dealerSH = await as({ sub: 'sh', role: 'dealer', dealerCode: 'SH001' });
      dealerBJ = await as({ sub: 'bj', role: 'dealer', dealerCode: 'BJ002' });
      coordinatorAuth = await as({ sub: 'c', role: 'coordinator' });
      callCenter = await as({ sub: 'cc', role: 'call_center' });
    });

    // Recorded by staff from a hotline call: routed at once to the customer's dealer (the policy's routing).
    async function submitted() {
      const { body } = await request(app()).post('/api/complaints').set('authorization', coordinatorAuth).send({ ...validComplaint(), channel: 'hotline' }).expect(201);
      const handle = intake.temporal().workflow.getHandle(body.workflowId);
      await eventually(() => handle.query(getStateQuery), (s) => s.idle === true && s.status === 'awaiting_acknowledgement');
      return body.number as string;
    }

    it('drives a complaint through its loop to closure', async () => {
      const number = await submitted();
      expect((await post(number, 'acknowledge', dealerSH).expect(200)).body.status).toBe('awaiting_reply');
      await post(number, 'contact', dealerSH, { note: '电话联系' }).expect(200);
      const reply = { text: '已更换发动机支架', final: true, cause: '支架断裂', qualityDefect: true, partsReplaced: ['发动机支架'] };
      expect((await post(number, 'reply', dealerSH, reply).expect(200)).body.status).toBe('awaiting_closure_request');
      expect((await post(number, 'request-closure', coordinatorAuth).expect(200)).body.status).toBe('awaiting_follow_up');
      const closed = await post(number, 'follow-up', callCenter, { outcome: 'satisfied', ratings: { overall: 5 } }).expect(200);
      expect(closed.body).toMatchObject({ status: 'closed', kpi: { firstTimeClosure: true } });
      expect(closed.body.events).toBeUndefined(); // the answer is the state, not the whole history
      const view = await eventually(
        () => request(app()).get(`/api/complaints/${number}`).set('authorization', coordinatorAuth),
        (res) => res.body.status === 'closed',
      );
      expect(view.body.history.map((e: { type: string }) => e.type)).toEqual(['received', 'dispatched', 'acknowledged', 'customer_contacted', 'replied', 'closure_requested', 'closed']);
    });

    it('answers what the state does not allow with 409 and the reason, an incomplete reply with 422', async () => {
      const number = await submitted();
      const early = await post(number, 'reply', dealerSH, { text: '处理中' }).expect(409);
      expect(early.body).toMatchObject({ error: 'refused', message: 'reply is not possible while the complaint is awaiting_acknowledgement' });
      await post(number, 'acknowledge', dealerSH).expect(200);
      const incomplete = await post(number, 'reply', dealerSH, { text: '已修好', final: true }).expect(422);
      expect(incomplete.body.message).toBe('a product_quality reply must give cause, qualityDefect, partsReplaced');
      await post(number, 'follow-up', callCenter, { outcome: 'satisfied' }).expect(409);
    });

    it('refuses bad bodies field by field, unknown dealers, other dealers, and roles without the right', async () => {
      const number = await submitted();
      const bad = await post(number, 'follow-up', callCenter, { outcome: 'delighted', ratings: { overall: 9 } }).expect(400);
      expect(bad.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['outcome', 'ratings.overall']);
      const unknown = await post(number, 'reassign', coordinatorAuth, { dealerCode: 'XX999', reason: '客户要求' }).expect(422);
      expect(unknown.body.details).toEqual([{ path: 'dealerCode', message: 'is not a known dealer' }]);
      await post(number, 'acknowledge', dealerBJ).expect(404); // another dealer's work order does not exist for it
      await post(number, 'dispatch', dealerSH, { dealerCode: 'BJ002' }).expect(403);
      // The call center dispatches repair requests only (seed 002 400抱怨 §6.2): the workflow says why.
      await post(number, 'dispatch', callCenter, { dealerCode: 'BJ002' }).expect(409);
      await post(number, 'acknowledge', '').expect(401);
      await post('C20990101-9999', 'force-close', coordinatorAuth, { reason: 'x' }).expect(404);
    });

    it('reassigns to a dealer of another region through the directory', async () => {
      const number = await submitted();
      const moved = await post(number, 'reassign', coordinatorAuth, { dealerCode: 'BJ002', reason: '客户改去北京的服务商' }).expect(200);
      expect(moved.body).toMatchObject({ status: 'awaiting_acknowledgement', dealerCode: 'BJ002', region: 'north', attributedDealerCode: 'SH001' });
      await post(number, 'acknowledge', dealerBJ).expect(200);
    });

    it('lists the dealer directory for staff, not for dealers', async () => {
      const res = await request(app()).get('/api/dealers').set('authorization', coordinatorAuth).expect(200);
      expect(res.body.dealers).toEqual(expect.arrayContaining([{ code: 'SH001', name: '上海浦东 4S 店', region: 'east', active: true }]));
      await request(app()).get('/api/dealers').set('authorization', dealerSH).expect(403);
    });
  });
});
