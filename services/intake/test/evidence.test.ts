import request from 'supertest';
import { signToken } from '@complaints/runtime';
import { getStateQuery } from '@complaints/workflows';
import { eventually, validComplaint } from '../../../test/support';
import { useIntakeApp } from './harness';

// After intake: files added to an open complaint (photos, reports, invoices) by the dealer, the
// coordinator and the call center; a major complaint's written report naming them (seed 002 重大抱怨
// §4); work orders only to dealers still in the network (撤站, seed 002 重大抱怨 §5.1).

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);
const PDF = Buffer.from('%PDF-1.4\n% a repair invoice\n');

describe('evidence and dealers after intake', () => {
  const intake = useIntakeApp('evidence', { now: () => new Date('2030-04-09T12:00:00+08:00') });
  const { config } = intake;
  const app = () => intake.app();
  const token = (claims: Parameters<typeof signToken>[1]) => signToken(config.AUTH_SECRET, claims).then((t) => `Bearer ${t}`);
  let coordinator: string;
  let callCenter: string;
  let sh001: string;
  let sh002: string;
  let east: string;
  let hq: string;
  let receipt = 0;

  /** A complaint recorded by the coordinator, received a few minutes apart, settled in its workflow. */
  async function complaint(fields: object = {}): Promise<string> {
    const receivedAt = new Date(Date.parse('2030-04-09T09:00:00+08:00') + ++receipt * 60_000).toISOString();
    const res = await request(app())
      .post('/api/complaints')
      .set('authorization', coordinator)
      .send({ ...validComplaint(), channel: 'email', receivedAt, ...fields })
      .expect(201);
    const number = res.body.number as string;
    await eventually(() => intake.temporal().workflow.getHandle(`complaint-${number}`).query(getStateQuery), (s) => s.idle === true);
    return number;
  }
  const upload = (auth: string, number: string, files: { data: Buffer; name: string }[], fields: Record<string, string> = {}) => {
    let req = request(app()).post(`/api/complaints/${number}/attachments`).set('authorization', auth);
    for (const [name, value] of Object.entries(fields)) req = req.field(name, value);
    for (const file of files) req = req.attach('files', file.data, { filename: file.name });
    return req;
  };
  const evidenceOf = async (number: string) => (await intake.models().Attachment.find({ number }, { data: 0 }).lean()).filter((a) => a._id.startsWith(`${number}:e`));
  const detail = (auth: string, number: string) => request(app()).get(`/api/complaints/${number}`).set('authorization', auth);

  beforeAll(async () => {
    coordinator = await token({ sub: 'c1', role: 'coordinator' });
    callCenter = await token({ sub: 'cc1', role: 'call_center' });
    sh001 = await token({ sub: 'd1', role: 'dealer', dealerCode: 'SH001' });
    sh002 = await token({ sub: 'd2', role: 'dealer', dealerCode: 'SH002' });
    east = await token({ sub: 'rm1', role: 'regional_manager', region: 'east' });
    hq = await token({ sub: 'hq1', role: 'hq' });
    // Delisted by an earlier month's penalty: no longer in the network.
    await intake.models().Dealer.create({ _id: 'GONE01', name: '已撤站服务商', region: 'east', contacts: [{ email: 'gone01@test.local' }] });
    await intake.models().Dealer.collection.updateOne({ _id: 'GONE01' as never }, { $set: { delistedFrom: '2025-02' } });
  });

  describe('files added to a complaint', () => {
    it('stores the dealer\'s files, tells the workflow, and lists them to those who see the customer', async () => {
      const number = await complaint();
      const res = await upload(sh001, number, [{ data: PNG, name: '故障照片.png' }, { data: PDF, name: 'invoice.pdf' }], { note: '维修发票与照片' }).expect(201);
      expect(res.body.attachments).toEqual([
        { id: expect.stringMatching(/^e[0-9a-f]{16}$/), filename: '故障照片.png', contentType: 'image/png', size: PNG.length, uploadedBy: 'dealer:d1', uploadedAt: expect.any(String) },
        { id: expect.stringMatching(/^e[0-9a-f]{16}$/), filename: 'invoice.pdf', contentType: 'application/pdf', size: PDF.length, uploadedBy: 'dealer:d1', uploadedAt: expect.any(String) },
      ]);
      const ids = res.body.attachments.map((a: { id: string }) => a.id);
      expect(res.body.lastEvent).toMatchObject({ type: 'evidence_added', by: 'dealer:d1', data: { attachmentIds: ids, note: '维修发票与照片' } });

      const seen = await eventually(() => detail(coordinator, number), (r) => r.body.attachments?.length === 2);
      expect(seen.body.attachments.map((a: { id: string }) => a.id)).toEqual(ids);
      const file = await request(app()).get(`/api/complaints/${number}/attachments/${ids[1]}`).set('authorization', sh001).buffer(true).expect(200);
      expect(file.headers['content-type']).toBe('application/pdf');
      expect(Buffer.from(file.body).equals(PDF)).toBe(true);
      // Regional managers and headquarters do not see the customer's data, nor these files.
      for (const auth of [east, hq]) {
        expect((await detail(auth, number).expect(200)).body.attachments).toEqual([]);
        await request(app()).get(`/api/complaints/${number}/attachments/${ids[0]}`).set('authorization', auth).expect(404);
      }
    });

    it('takes a repeat with the same Idempotency-Key once: the same files, the same event', async () => {
      const number = await complaint();
      const first = await upload(callCenter, number, [{ data: PNG, name: 'photo.png' }]).set('idempotency-key', 'evidence-0001').expect(201);
      const again = await upload(callCenter, number, [{ data: PNG, name: 'photo.png' }]).set('idempotency-key', 'evidence-0001').expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(await evidenceOf(number)).toHaveLength(1);
      // Another file under the same key is another request.
      await upload(callCenter, number, [{ data: PDF, name: 'report.pdf' }]).set('idempotency-key', 'evidence-0001').expect(422);
      const state = await intake.temporal().workflow.getHandle(`complaint-${number}`).query(getStateQuery);
      expect(state.events.filter((e) => e.type === 'evidence_added')).toHaveLength(1);
    });

    it('answers another dealer\'s work order as not found, and keeps none of its files', async () => {
      const number = await complaint();
      await upload(sh002, number, [{ data: PNG, name: 'photo.png' }]).expect(404);
      expect(await evidenceOf(number)).toEqual([]);
    });

    it('refuses files for a closed complaint, and keeps none of them', async () => {
      const number = await complaint();
      await request(app()).post(`/api/complaints/${number}/force-close`).set('authorization', coordinator).send({ reason: '客户期望无法满足' }).expect(200);
      const res = await upload(coordinator, number, [{ data: PNG, name: 'photo.png' }]).expect(409);
      expect(res.body).toMatchObject({ error: 'refused', message: expect.any(String) });
      expect(await evidenceOf(number)).toEqual([]);
    });

    it('checks the files as the web form does, naming the files field', async () => {
      const number = await complaint();
      const none = await upload(sh001, number, []).field('note', 'x').expect(400);
      expect(none.body.details).toEqual([{ path: 'files', message: expect.stringContaining('at least one') }]);
      const exe = await upload(sh001, number, [{ data: Buffer.from('MZ\x90\x00 not a photo'), name: 'photo.jpg' }]).expect(400);
      expect(exe.body.details).toEqual([{ path: 'files', message: 'photo.jpg: only JPEG, PNG, WebP photos and PDF documents are accepted' }]);
      const big = await upload(sh001, number, [{ data: Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]), name: 'big.png' }]).expect(400);
      expect(big.body.details).toEqual([{ path: 'files', message: 'each file must be at most 5 MB' }]);
      const note = await upload(sh001, number, [{ data: PNG, name: 'p.png' }], { note: 'x'.repeat(2001) }).expect(400);
      expect(note.body.details.map((d: { path: string }) => d.path)).toEqual(['note']);
      expect(await evidenceOf(number)).toEqual([]);
    });

    it('answers a malformed form with a 400, never a server error, and keeps nothing', async () => {
      const number = await complaint();
      const post = () => request(app()).post(`/api/complaints/${number}/attachments`).set('authorization', sh001);
      await post().set('content-type', 'multipart/form-data').send('').expect(400);
      const boundary = 'b0undary';
      const part = (name: string, value: string, filename?: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n\r\n${value}\r\n`;
      const body = Buffer.from(`${part('h:x\x11±', '{}')}${part('', '{"": []}')}${part('note', 'x')}${part('files', '>\x14\x17f\x15', 'files')}--${boundary}--\r\n`, 'latin1');
      const res = await post().set('content-type', `multipart/form-data; boundary=${boundary}`).send(body);
      expect(res.status).toBe(400);
      expect(await evidenceOf(number)).toEqual([]);
    });

    it('is for the dealer, the coordinator and the call center', async () => {
      const number = await complaint();
      await upload(east, number, [{ data: PNG, name: 'p.png' }]).expect(403);
      await upload(hq, number, [{ data: PNG, name: 'p.png' }]).expect(403);
      await upload('Bearer nonsense', number, [{ data: PNG, name: 'p.png' }]).expect(401);
      await upload(coordinator, 'C20300409-9999', [{ data: PNG, name: 'p.png' }]).expect(404);
      expect(await evidenceOf('C20300409-9999')).toEqual([]);
    });
  });

  describe('a major complaint\'s written report', () => {
    it('names files of this complaint only, field by field', async () => {
      const number = await complaint({ severity: 'major' });
      const other = await complaint();
      const mine = (await upload(sh001, number, [{ data: PDF, name: '书面报告.pdf' }]).expect(201)).body.attachments[0].id as string;
      const theirs = (await upload(coordinator, other, [{ data: PNG, name: 'p.png' }]).expect(201)).body.attachments[0].id as string;
      const report = (attachmentIds: string[]) => request(app()).post(`/api/complaints/${number}/written-report`).set('authorization', sh001).send({ summary: '原因与整改措施', attachmentIds });
      const refused = await report([mine, theirs, 'e0000000000000000']).expect(422);
      expect(refused.body).toMatchObject({ error: 'unknown_attachment' });
      expect(refused.body.details).toEqual([
        { path: 'attachmentIds.1', message: 'is not an attachment of this complaint' },
        { path: 'attachmentIds.2', message: 'is not an attachment of this complaint' },
      ]);
      // The customer's own attachments at intake count as the complaint's too.
      await report([mine]).expect(200);
    });
  });

  describe('work orders go to dealers in the network', () => {
    it('refuses to dispatch or reassign to a delisted or unknown dealer, naming dealerCode', async () => {
      const unrouted = await complaint({ dealerCode: undefined });
      const dispatch = (dealerCode: string) => request(app()).post(`/api/complaints/${unrouted}/dispatch`).set('authorization', coordinator).send({ dealerCode });
      const delisted = await dispatch('GONE01').expect(422);
      expect(delisted.body).toEqual({ error: 'inactive_dealer', message: expect.stringContaining('GONE01'), details: [{ path: 'dealerCode', message: 'is no longer in the service network' }] });
      const unknown = await dispatch('NOPE01').expect(422);
      expect(unknown.body).toEqual({ error: 'unknown_dealer', message: expect.stringContaining('NOPE01'), details: [{ path: 'dealerCode', message: 'is not a known dealer' }] });
      const routed = await complaint();
      const reassign = await request(app()).post(`/api/complaints/${routed}/reassign`).set('authorization', coordinator).send({ dealerCode: 'GONE01', reason: '客户选择其他服务商' });
      expect(reassign.status).toBe(422);
      expect(reassign.body.error).toBe('inactive_dealer');
      await dispatch('SH002').expect(200);
    });

    it('records, but does not route, a staff complaint naming a delisted dealer', async () => {
      const number = await complaint({ dealerCode: 'GONE01' });
      const state = await intake.temporal().workflow.getHandle(`complaint-${number}`).query(getStateQuery);
      expect(state.status).toBe('awaiting_dispatch');
    });
  });

  it('keeps the language the API was given with the submission, for the customer\'s emails', async () => {
    const number = await complaint({ customer: { name: 'Li Lei', phone: '13800138000', email: 'lilei@example.com' }, language: 'en' });
    expect(await intake.models().Submission.findById(number).lean()).toMatchObject({ customer: { email: 'lilei@example.com' }, language: 'en' });
  });
});
