import request from 'supertest';
import { getStateQuery } from '@complaints/workflows';
import { createLogger, signToken, type Principal } from '@complaints/runtime';
import { useIntakeApp } from '@complaints/intake/test/harness';
import { createApp } from '../src/app';
import { eventually, validComplaint } from '../../../test/support';

// SPEC §3.2 end to end: anyone can fill in the public form, so its complaints wait for the
// coordinator and count against no dealer until dispatched; the coordinator may mark one invalid,
// and then it counts nowhere but the list of invalid complaints.
describe('triage before any dealer is charged', () => {
  // Web-form complaints are received "now": this file's now is a date of its own (see the harness).
  const intake = useIntakeApp('triage', { now: () => new Date('2034-09-12T10:00:00+08:00') });
  const auth = async (claims: Principal) => `Bearer ${await signToken(intake.config.AUTH_SECRET, claims)}`;
  let reporting: ReturnType<typeof createApp>;
  let coordinator: string;
  const month = '2034-09';

  beforeAll(async () => {
    coordinator = await auth({ sub: 'li', role: 'coordinator' });
    reporting = createApp({ mongo: intake.models().Complaint.db, temporal: intake.temporal(), logger: createLogger('reporting-test', 'silent'), models: intake.models(), secret: intake.config.AUTH_SECRET });
  });

  const settled = async (number: string) => eventually(() => intake.temporal().workflow.getHandle(`complaint-${number}`).query(getStateQuery), (s) => s.idle === true);
  const sh001 = async () => {
    const { body } = await request(reporting).get(`/api/reports/scorecard?month=${month}&dealerCode=SH001`).set('authorization', coordinator).expect(200);
    return body.dealers[0] as { all: { complaints: number }; countedAgainstQuota: number };
  };
  const stranger = async (description: string) => {
    const { body } = await request(intake.app()).post('/api/complaints').send({ ...validComplaint(), description }).expect(201);
    await settled(body.number);
    return body.number as string;
  };

  it('a stranger’s web-form complaints naming a dealer wait for the coordinator and cost the dealer nothing', async () => {
    const numbers = await Promise.all(['一', '二', '三'].map((n) => stranger(`第${n}条：该店服务太差`)));
    for (const number of numbers) {
      const state = await intake.temporal().workflow.getHandle(`complaint-${number}`).query(getStateQuery);
      expect(state).toMatchObject({ status: 'awaiting_dispatch', facts: { namedDealerCode: 'SH001' } });
      expect(state.dealerCode).toBeUndefined();
      expect(state.events.map((e) => e.type)).toEqual(['received']);
    }
    const { body } = await request(intake.app()).get(`/api/complaints/${numbers[0]}`).set('authorization', coordinator).expect(200);
    expect(body).toMatchObject({ status: 'awaiting_dispatch', namedDealerCode: 'SH001', dealerCode: null });
    // The dealer sees none of them: no work order was sent.
    const dealer = await auth({ sub: 'chen', role: 'dealer', dealerCode: 'SH001' });
    await request(intake.app()).get(`/api/complaints/${numbers[0]}`).set('authorization', dealer).expect(404);
    expect(await sh001()).toMatchObject({ all: { complaints: 0 }, countedAgainstQuota: 0 });
  });

  it('a hotline complaint recorded by staff still goes to the customer’s dealer at once (the policy routes the channel)', async () => {
    const { body } = await request(intake.app()).post('/api/complaints').set('authorization', coordinator).send({ ...validComplaint(), channel: 'hotline' }).expect(201);
    expect(await settled(body.number)).toMatchObject({ status: 'awaiting_acknowledgement', dealerCode: 'SH001' });
    expect((await sh001()).all.complaints).toBe(1);
  });

  it('the coordinator dispatches one to the dealer named, and marks another invalid: it counts only in the invalid list', async () => {
    const [kept, spam] = [await stranger('保养后异响'), await stranger('广告：低价配件')];
    await request(intake.app()).post(`/api/complaints/${kept}/dispatch`).set('authorization', coordinator).send({ dealerCode: 'SH001' }).expect(200);
    expect((await settled(kept)).kpi.dispatchedOnTime).toBe(true);
    expect((await sh001()).all.complaints).toBe(2);
    // Invalid is a triage decision: a complaint with its dealer already is not taken off its scorecard so.
    const late = await request(intake.app()).post(`/api/complaints/${kept}/invalidate`).set('authorization', coordinator).send({ reason: '重复抱怨' }).expect(409);
    expect(late.body.message).toBe('invalidate is not possible while the complaint is awaiting_acknowledgement');

    const dealer = await auth({ sub: 'chen', role: 'dealer', dealerCode: 'SH001' });
    // Whom the customer named is the coordinator's triage, not the dealer's business.
    const seen = await eventually(() => request(intake.app()).get(`/api/complaints/${kept}`).set('authorization', dealer), (r) => r.status === 200);
    expect(seen.body).toMatchObject({ dealerCode: 'SH001', namedDealerCode: null });
    const acknowledged = await request(intake.app()).post(`/api/complaints/${kept}/acknowledge`).set('authorization', dealer).send({}).expect(200);
    expect(acknowledged.body.facts.namedDealerCode).toBeUndefined();
    await request(intake.app()).post(`/api/complaints/${spam}/invalidate`).set('authorization', dealer).send({ reason: 'spam' }).expect(403);
    const missing = await request(intake.app()).post(`/api/complaints/${spam}/invalidate`).set('authorization', coordinator).send({}).expect(400);
    expect(missing.body.details).toEqual([{ path: 'reason', message: expect.any(String) }]);
    const done = await request(intake.app()).post(`/api/complaints/${spam}/invalidate`).set('authorization', coordinator).send({ reason: '垃圾信息：广告' }).expect(200);
    expect(done.body.status).toBe('invalid');
    const again = await request(intake.app()).post(`/api/complaints/${spam}/invalidate`).set('authorization', coordinator).send({ reason: '垃圾信息：广告' });
    expect([404, 409]).toContain(again.status); // the complaint's loop has ended: nothing is recorded twice
    await eventually(() => intake.models().Complaint.findById(spam).lean(), (d) => d?.status === 'invalid');

    const list = await request(reporting).get(`/api/reports/invalid?month=${month}`).set('authorization', coordinator).expect(200);
    expect(list.body.complaints).toEqual([expect.objectContaining({ number: spam, status: 'invalid', namedDealerCode: 'SH001', closeReason: '垃圾信息：广告' })]);
    const csv = await request(reporting).get(`/api/reports/invalid?month=${month}&format=csv`).set('authorization', coordinator).expect(200);
    expect(csv.text).toContain(spam);
    expect((await sh001()).all.complaints).toBe(2);
    const { body: analysis } = await request(reporting).get(`/api/reports/analysis?from=${month}&to=${month}`).set('authorization', coordinator).expect(200);
    expect(analysis.rows.reduce((sum: number, r: { complaints: number }) => sum + r.complaints, 0)).toBe(2 + 3); // the 3 strangers’ complaints still waiting count in no dealer’s card, but in the analysis
  });
});
