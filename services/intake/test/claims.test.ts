import request from 'supertest';
import { getStateQuery } from '@complaints/workflows';
import { signToken, type Principal } from '@complaints/runtime';
import { eventually, mailbox, validComplaint } from '../../../test/support';
import { useIntakeApp } from './harness';

// SPEC §3.10 特殊索赔 through the API: the dealer of a major complaint files a claim with its
// documents; the coordinator approves (never above the claim, only with every listed document) or
// rejects it; each side hears by email once; every bad input is a clear 4xx and nothing is stored twice.

const PDF = (what: string) => Buffer.from(`%PDF-1.4\n% ${what}\n`);
const SPECIAL_DOCUMENTS = ['vehicle_licence', 'owner_id', 'purchase_invoice', 'agreement'];

describe('special claims', () => {
  const intake = useIntakeApp('claims', { now: () => new Date('2034-12-05T10:00:00+08:00') });
  const token = async (claims: Principal) => `Bearer ${await signToken(intake.config.AUTH_SECRET, claims)}`;
  let coordinator: string;
  let sh001: string;
  let sh002: string;

  beforeAll(async () => {
    coordinator = await token({ sub: 'li', role: 'coordinator' });
    sh001 = await token({ sub: 'chen', role: 'dealer', dealerCode: 'SH001' });
    sh002 = await token({ sub: 'wang', role: 'dealer', dealerCode: 'SH002' });
  });

  const settled = (number: string) => eventually(() => intake.temporal().workflow.getHandle(`complaint-${number}`).query(getStateQuery), (s) => s.idle === true);
  /** A hotline complaint recorded by staff: routed to SH001 at once. */
  async function complaint(severity: 'major' | 'minor' = 'major') {
    const { body } = await request(intake.app()).post('/api/complaints').set('authorization', coordinator).send({ ...validComplaint(), channel: 'hotline', severity }).expect(201);
    await settled(body.number);
    return body.number as string;
  }
  function file(who: string, number: string, fields: Record<string, string>, documents: { kind: string; name: string }[] = []) {
    let req = request(intake.app()).post(`/api/complaints/${number}/claims`).set('authorization', who);
    for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
    if (documents.length) req = req.field('documentKinds', documents.map((d) => d.kind).join(','));
    for (const d of documents) req = req.attach('documents', PDF(d.name), { filename: d.name });
    return req;
  }
  const allSpecial = SPECIAL_DOCUMENTS.map((kind) => ({ kind, name: `${kind}.pdf` }));
  const approve = (id: string, body: object) => request(intake.app()).post(`/api/claims/${id}/approve`).set('authorization', coordinator).send(body);
  const reject = (id: string, body: object) => request(intake.app()).post(`/api/claims/${id}/reject`).set('authorization', coordinator).send(body);

  it('filed with every listed document, approved for less than claimed: the coordinator and the dealer are each told once', async () => {
    const number = await complaint();
    const filed = await file(sh001, number, { type: 'special', amount: '3000', description: '与客户协商补偿代步车费用' }, allSpecial).expect(201);
    expect(filed.body).toMatchObject({ id: expect.stringMatching(/^K[0-9a-f]{16}$/), number, dealerCode: 'SH001', type: 'special', amount: 3000, status: 'pending', missingDocuments: [], filedBy: 'dealer:chen' });
    expect(filed.body.documents.map((d: { kind: string }) => d.kind)).toEqual(SPECIAL_DOCUMENTS);
    const id = filed.body.id as string;

    await approve(id, { amount: 3500 }).expect(400);
    const approved = await approve(id, { amount: 2500 }).expect(200);
    expect(approved.body).toMatchObject({ status: 'approved', approvedAmount: 2500, decidedBy: 'coordinator:li' });
    expect((await approve(id, { amount: 2500 }).expect(409)).body.message).toMatch(/already approved/);
    await reject(id, { reason: '改主意了' }).expect(409);

    await eventually(() => mailbox.about(number), (mails) => mails.filter((m) => /特殊索赔|Claim/.test(m.subject)).length >= 2);
    const mails = (await mailbox.about(number)).filter((m) => /特殊索赔|Claim/.test(m.subject));
    expect(mails.map((m) => m.subject).sort()).toEqual([`【特殊索赔已批准】${number} 索赔单 ${id}`, `【特殊索赔待审核】${number} 特殊索赔（与客户协议的补偿） 3000 元`]);
    // The dealer sees its claim; the queue lists it as decided.
    const { body: mine } = await request(intake.app()).get(`/api/complaints/${number}/claims`).set('authorization', sh001).expect(200);
    expect(mine.claims.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([[id, 'approved']]);
  });

  it('a claim missing a listed document cannot be approved until the dealer adds it; a rejection says why', async () => {
    const number = await complaint();
    const { body } = await file(sh001, number, { type: 'travel', amount: '860.5', description: '按售后服务部要求赴现场的交通住宿' }).expect(201);
    expect(body.missingDocuments).toEqual(['receipts']);
    const missing = await approve(body.id, { amount: 860.5 }).expect(409);
    expect(missing.body.message).toMatch(/lacks receipts/);
    await request(intake.app()).post(`/api/claims/${body.id}/documents`).set('authorization', sh001).field('documentKinds', 'receipts').attach('documents', PDF('hotel'), { filename: 'hotel.pdf' }).expect(201);
    const { body: other } = await file(sh001, number, { type: 'special', amount: '100', description: '重复申请' }, allSpecial).expect(201);
    const rejected = await reject(other.id, { reason: '与索赔单重复' }).expect(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', rejectReason: '与索赔单重复' });
    expect((await approve(body.id, { amount: 860.5 }).expect(200)).body.status).toBe('approved');
  });

  it('refused, each naming its reason, nothing stored: a minor complaint, another dealer’s, bad amounts, documents without kinds, the same claim twice', async () => {
    const minor = await complaint('minor');
    expect((await file(sh001, minor, { type: 'travel', amount: '100', description: '差旅' }).expect(409)).body.error).toBe('not_major');
    const number = await complaint();
    await file(sh002, number, { type: 'travel', amount: '100', description: '差旅' }).expect(404);
    await file(coordinator, number, { type: 'travel', amount: '100', description: '差旅' }).expect(403);
    const bad = await file(sh001, number, { type: 'gift', amount: '-5', description: '' }).expect(400);
    expect(bad.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['amount', 'description', 'type']);
    const ceiling = await file(sh001, number, { type: 'travel', amount: '1000000', description: '多打了几个零' }).expect(400);
    expect(ceiling.body.details).toEqual([{ path: 'amount', message: expect.stringMatching(/at most 10000 yuan/) }]);
    const kinds = await request(intake.app()).post(`/api/complaints/${number}/claims`).set('authorization', sh001).field('type', 'travel').field('amount', '100').field('description', '差旅').attach('documents', PDF('x'), { filename: 'x.pdf' }).expect(400);
    expect(kinds.body.details.map((d: { path: string }) => d.path)).toEqual(['documentKinds']);
    await file(sh001, number, { type: 'travel', amount: '120', description: '出租车' }).expect(201);
    expect((await file(sh001, number, { type: 'travel', amount: '120', description: '出租车' }).expect(409)).body.error).toBe('already_filed');
    // With an Idempotency-Key, the repeat is answered as the first time.
    const first = await file(sh001, number, { type: 'travel', amount: '80', description: '停车费' }).set('idempotency-key', 'claim-0001').expect(201);
    const again = await file(sh001, number, { type: 'travel', amount: '80', description: '停车费' }).set('idempotency-key', 'claim-0001').expect(201);
    expect(again.body.id).toBe(first.body.id);
    expect(await intake.models().Claim.countDocuments({ number })).toBe(2);
  });

  it('ten decisions at once on one claim: exactly one is taken, the others are refused', async () => {
    const number = await complaint();
    const { body } = await file(sh001, number, { type: 'special', amount: '1000', description: '补偿' }, allSpecial).expect(201);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? approve(body.id, { amount: 900 + i }) : reject(body.id, { reason: `驳回 ${i}` }))));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    const decided = await intake.models().Claim.findById(body.id).lean();
    const winner = answers.find((a) => a.status === 200)!.body;
    expect(decided).toMatchObject({ status: winner.status, decidedBy: 'coordinator:li' });
  });

  it('ten copies of one claim at once, with keys and without: one claim, its documents stored once', async () => {
    const number = await complaint();
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => {
        const req = file(sh001, number, { type: 'special', amount: '450', description: '同一笔补偿' }, allSpecial);
        return i % 2 ? req.set('idempotency-key', `claim-copy-${i}`) : req;
      }),
    );
    expect(answers.filter((a) => ![201, 409].includes(a.status)).map((a) => a.body)).toEqual([]);
    expect(new Set(answers.filter((a) => a.status === 201).map((a) => a.body.id)).size).toBe(1);
    expect(await intake.models().Claim.countDocuments({ number })).toBe(1);
    expect(await intake.models().ClaimDocument.countDocuments({ number })).toBe(4);
  });

  it('a decision taken but not yet shown on the claim (a crash in between) is shown at the next attempt, and the dealer told', async () => {
    const number = await complaint();
    const { body } = await file(sh001, number, { type: 'travel', amount: '300', description: '出差' }, [{ kind: 'receipts', name: 'r.pdf' }]).expect(201);
    await intake.models().ClaimDecision.create({ _id: body.id, status: 'approved', approvedAmount: 250, decidedBy: 'coordinator:wu', decidedAt: new Date() });
    expect((await approve(body.id, { amount: 300 }).expect(409)).body.message).toMatch(/already approved by coordinator:wu/);
    expect(await intake.models().Claim.findById(body.id).lean()).toMatchObject({ status: 'approved', approvedAmount: 250 });
    await eventually(() => mailbox.about(number), (mails) => mails.some((m) => m.subject.startsWith('【特殊索赔已批准】')));
  });

  it('after the 30-day window from closure a claim is refused', async () => {
    const number = await complaint();
    await request(intake.app()).post(`/api/complaints/${number}/force-close`).set('authorization', coordinator).send({ reason: '客户期望无法满足' }).expect(200);
    await eventually(() => intake.models().Complaint.findById(number).lean(), (d) => Boolean(d?.closedAt));
    const closedAt = new Date((await intake.models().Complaint.findById(number).lean())!.closedAt!);
    intake.setNow(new Date(closedAt.getTime() + 29 * 86_400_000));
    await file(sh001, number, { type: 'travel', amount: '50', description: '第29天' }).expect(201);
    intake.setNow(new Date(closedAt.getTime() + 31 * 86_400_000));
    expect((await file(sh001, number, { type: 'travel', amount: '50', description: '第31天' }).expect(409)).body.error).toBe('window_closed');
    intake.setNow();
  });

  it('erasure takes the documents and the description, keeps the amounts; a legal hold keeps everything', async () => {
    const [held, erased] = [await complaint(), await complaint()];
    for (const number of [held, erased]) {
      await file(sh001, number, { type: 'special', amount: '700', description: '张三要求补偿' }, allSpecial).expect(201);
      await request(intake.app()).post(`/api/complaints/${number}/force-close`).set('authorization', coordinator).send({ reason: '客户期望无法满足' }).expect(200);
      await eventually(() => intake.models().Complaint.findById(number).lean(), (d) => d?.status === 'force_closed');
    }
    await request(intake.app()).put(`/api/complaints/${held}/hold`).set('authorization', coordinator).send({ reason: '诉讼' }).expect(200);
    await request(intake.app()).post(`/api/complaints/${held}/erase`).set('authorization', coordinator).send({ reason: '客户要求' }).expect(409);
    await request(intake.app()).post(`/api/complaints/${erased}/erase`).set('authorization', coordinator).send({ reason: '客户要求' }).expect(200);
    expect(await intake.models().ClaimDocument.countDocuments({ number: held })).toBe(4);
    expect(await intake.models().ClaimDocument.countDocuments({ number: erased })).toBe(0);
    const [claim] = await intake.models().Claim.find({ number: erased }).lean();
    expect(claim).toMatchObject({ amount: 700, status: 'pending', description: '(erased)' });
    expect(JSON.stringify(claim)).not.toMatch(/张三|\.pdf/);
    // Nothing about the customer is taken any more.
    expect((await file(sh001, erased, { type: 'travel', amount: '10', description: '再次提交' }).expect(409)).body.error).toBe('erased');
    expect((await approve(claim!._id, { amount: 700 }).expect(409)).body.error).toBe('erased');
    await request(intake.app()).get(`/api/claims/${claim!._id}/documents/${claim!.documents[0]!.id}`).set('authorization', coordinator).expect(404);
  });

  it('claim documents are the coordinator’s and the owning dealer’s only', async () => {
    const number = await complaint();
    const { body } = await file(sh001, number, { type: 'special', amount: '200', description: '补偿' }, allSpecial).expect(201);
    const doc = body.documents[0].id as string;
    const path = `/api/claims/${body.id}/documents/${doc}`;
    expect(Buffer.from((await request(intake.app()).get(path).set('authorization', coordinator).buffer(true).expect(200)).body).toString()).toContain('%PDF');
    await request(intake.app()).get(path).set('authorization', sh001).expect(200);
    await request(intake.app()).get(path).set('authorization', sh002).expect(404);
    await request(intake.app()).get(path).set('authorization', await token({ sub: 'cc', role: 'call_center' })).expect(403);
    await request(intake.app()).get(path).set('authorization', await token({ sub: 'rm', role: 'regional_manager', region: 'east' })).expect(403);
    await request(intake.app()).get(path).expect(401);
  });
});
