import request from 'supertest';
import { getStateQuery } from '@complaints/workflows';
import { createLogger, signToken, type Principal } from '@complaints/runtime';
import { useIntakeApp } from '@complaints/intake/test/harness';
import { createApp } from '../src/app';
import { eventually, validComplaint } from '../../../test/support';

// SPEC §3.2 end to end: the coordinator reclassifies over the API; the scorecard, the lists and
// the analysis read the new kind and category, and bad input is refused naming the fields.
describe('reclassification through the API', () => {
  const intake = useIntakeApp('classify', { now: () => new Date('2034-11-14T10:00:00+08:00') });
  const auth = async (claims: Principal) => `Bearer ${await signToken(intake.config.AUTH_SECRET, claims)}`;
  let reporting: ReturnType<typeof createApp>;
  let coordinator: string;
  const month = '2034-11';

  beforeAll(async () => {
    coordinator = await auth({ sub: 'li', role: 'coordinator' });
    reporting = createApp({ mongo: intake.models().Complaint.db, temporal: intake.temporal(), logger: createLogger('reporting-test', 'silent'), models: intake.models(), secret: intake.config.AUTH_SECRET });
  });

  const settled = async (number: string) => eventually(() => intake.temporal().workflow.getHandle(`complaint-${number}`).query(getStateQuery), (s) => s.idle === true);
  const sh001 = async () => {
    const { body } = await request(reporting).get(`/api/reports/scorecard?month=${month}&dealerCode=SH001`).set('authorization', coordinator).expect(200);
    return body.dealers[0] as { all: { complaints: number }; countedAgainstQuota: number };
  };
  const hotline = async (overrides: object = {}) => {
    const { body } = await request(intake.app()).post('/api/complaints').set('authorization', coordinator).send({ ...validComplaint(), channel: 'hotline', ...overrides }).expect(201);
    await settled(body.number);
    return body.number as string;
  };
  const classify = (number: string, who: string, body: object) => request(intake.app()).post(`/api/complaints/${number}/classify`).set('authorization', who).send(body);

  it('a complaint that was an inquiry leaves the dealer’s scorecard and quota; the history says who and why', async () => {
    const number = await hotline();
    expect(await sh001()).toMatchObject({ all: { complaints: 1 }, countedAgainstQuota: 1 });
    const { body } = await classify(number, coordinator, { kind: 'inquiry', reason: '客户咨询保养周期' }).expect(200);
    expect(body).toMatchObject({ status: 'awaiting_reply', lastEvent: { type: 'classified', by: 'coordinator:li' } });
    await settled(number);
    expect(await sh001()).toMatchObject({ all: { complaints: 0 }, countedAgainstQuota: 0 });
    const { body: page } = await request(intake.app()).get(`/api/complaints/${number}`).set('authorization', coordinator).expect(200);
    expect(page).toMatchObject({ kind: 'inquiry', status: 'awaiting_reply' });
    // The dealer whose work order was withdrawn no longer sees the complaint (nor its customer).
    await request(intake.app()).get(`/api/complaints/${number}`).set('authorization', await auth({ sub: 'chen', role: 'dealer', dealerCode: 'SH001' })).expect(404);
  });

  it('another category: the analysis counts it there', async () => {
    const number = await hotline({ category: 'product_quality' });
    await classify(number, coordinator, { category: 'parts_supply', reason: '配件缺货导致' }).expect(200);
    await settled(number);
    const { body } = await request(intake.app()).get(`/api/complaints/${number}`).set('authorization', coordinator).expect(200);
    expect(body.category).toBe('parts_supply');
  });

  it('refused: no field to change (400 naming them), a dealer (403), the same classification again (409)', async () => {
    const number = await hotline();
    const empty = await classify(number, coordinator, { reason: '核对' }).expect(400);
    expect(empty.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['category', 'kind', 'severity']);
    const noReason = await classify(number, coordinator, { severity: 'major' }).expect(400);
    expect(noReason.body.details.map((d: { path: string }) => d.path)).toEqual(['reason']);
    await classify(number, await auth({ sub: 'chen', role: 'dealer', dealerCode: 'SH001' }), { severity: 'major', reason: '想改' }).expect(403);
    const same = await classify(number, coordinator, { kind: 'complaint', reason: '核对' }).expect(409);
    expect(same.body.message).toMatch(/nothing to change/);
  });
});
