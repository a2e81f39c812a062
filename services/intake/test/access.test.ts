import request from 'supertest';
import { signToken } from '@complaints/runtime';
import { eventually } from '../../../test/support';
import { useIntakeApp } from './harness';

// SPEC §7: the customer's own files (an ID card, a licence, an invoice, photos of the car and its
// plate) are personal data like the customer's name and phone: the coordinator, the call center
// and the owning dealer see them; a regional manager or headquarters sees that the complaint
// exists, never the files, listed or downloaded.
describe('who sees a complaint’s attachments', () => {
  // Web-form complaints are received "now": this file's now is a date of its own (see the harness).
  const intake = useIntakeApp('access', { now: () => new Date('2032-04-14T10:00:00+08:00') });
  const app = () => intake.app();
  const as = async (claims: Parameters<typeof signToken>[1]) => `Bearer ${await signToken(intake.config.AUTH_SECRET, claims)}`;
  const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 3)]);
  let number: string;

  beforeAll(async () => {
    const res = await request(app())
      .post('/?lang=zh')
      .field('kind', 'complaint')
      .field('customer.name', '钱七')
      .field('customer.phone', '13500135000')
      .field('dealerCode', 'SH001')
      .field('category', 'product_quality')
      .field('description', '行驶证与维修发票见附件')
      .attach('attachments', PNG, { filename: '行驶证.png', contentType: 'image/png' })
      .expect(303);
    number = /\/submitted\/(C\d{8}-\d{4})/.exec(res.headers.location!)![1]!;
    await eventually(() => intake.models().Complaint.countDocuments({ _id: number }), (n) => n === 1);
    await intake.dispatch(number, 'SH001'); // the web form's complaint, dispatched to the dealer the customer named
  });

  const detail = (auth: string) => request(app()).get(`/api/complaints/${number}`).set('authorization', auth);
  const download = (auth: string, id: string) => request(app()).get(`/api/complaints/${number}/attachments/${id}`).set('authorization', auth).buffer(true);

  it('lists and serves the customer’s files to the coordinator, the call center and the owning dealer', async () => {
    for (const auth of [await as({ sub: 'c', role: 'coordinator' }), await as({ sub: 'cc', role: 'call_center' }), await as({ sub: 'd', role: 'dealer', dealerCode: 'SH001' })]) {
      const res = await detail(auth).expect(200);
      expect(res.body.attachments).toEqual([expect.objectContaining({ filename: '行驶证.png', contentType: 'image/png' })]);
      const file = await download(auth, res.body.attachments[0].id).expect(200);
      expect(Buffer.from(file.body).equals(PNG)).toBe(true);
      // Personal data is kept by no cache, the browser's included.
      for (const answer of [res, file]) expect(answer.headers['cache-control']).toBe('private, no-store');
    }
  });

  it('shows a regional manager and headquarters the complaint without its files, and answers a download as not found', async () => {
    const coordinator = await as({ sub: 'c', role: 'coordinator' });
    const { id } = (await detail(coordinator).expect(200)).body.attachments[0];
    for (const auth of [await as({ sub: 'rm', role: 'regional_manager', region: 'east' }), await as({ sub: 'hq', role: 'hq' })]) {
      const { body } = await detail(auth).expect(200);
      expect(body).toMatchObject({ number, attachments: [] });
      expect(JSON.stringify(body)).not.toContain('行驶证.png');
      const refused = await download(auth, id).expect(404);
      expect(refused.body).toEqual({ error: 'not_found', message: 'attachment not found', details: [] });
    }
  });

  // Seed 003 §3.1: a major complaint's follow-up is the regional manager's visit to the customer.
  it('shows a major complaint’s customer and files to the regional manager of its region, to no other', async () => {
    const coordinator = await as({ sub: 'c', role: 'coordinator' });
    await request(app()).post(`/api/complaints/${number}/upgrade`).set('authorization', coordinator).send({ reason: '客户多次投诉' }).expect(200);
    await eventually(() => intake.models().Complaint.findById(number).lean(), (d) => d?.severity === 'major');
    const east = await as({ sub: 'rm', role: 'regional_manager', region: 'east' });
    const { body } = await detail(east).expect(200);
    expect(body).toMatchObject({ customer: { name: '钱七', phone: '13500135000' }, attachments: [expect.objectContaining({ filename: '行驶证.png' })] });
    await download(east, body.attachments[0].id).expect(200);
    const hq = await detail(await as({ sub: 'hq', role: 'hq' })).expect(200);
    expect(hq.body.customer).toBeUndefined();
    await detail(await as({ sub: 'rm2', role: 'regional_manager', region: 'north' })).expect(404);
  });

  it('answers another dealer as if the complaint did not exist', async () => {
    const other = await as({ sub: 'd2', role: 'dealer', dealerCode: 'BJ002' });
    await detail(other).expect(404);
    await download(other, '1').expect(404);
  });
});
