import request from 'supertest';
import { signToken } from '@complaints/runtime';
import { loadPolicies, savePolicy } from '@complaints/activities';
import { policyInForce } from '@complaints/shared';
import { address, eventually, mailbox } from '../../../test/support';
import { useIntakeApp } from './harness';

// The public web form over HTTP, as a browser without JavaScript would use it.
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);
const PDF = Buffer.from('%PDF-1.4\n% a tiny test document\n');

describe('the public web form', () => {
  // Form complaints are received "now": this file's now is a date of its own (see the harness).
  const intake = useIntakeApp('pages', { now: () => new Date('2030-03-04T09:30:00+08:00'), config: { PUBLIC_RATE_LIMIT: '100' } });
  const app = () => intake.app();

  const fields = {
    kind: 'complaint',
    'customer.name': '李四',
    'customer.phone': '13900139000',
    'vehicle.plate': '京B54321',
    'vehicle.vin': 'lsvau2180n2183294',
    dealerCode: 'BJ002',
    category: 'service_process',
    description: '接待人员态度恶劣',
    request: '道歉',
  };
  const post = (values: Record<string, string>, lang = 'zh') => {
    let req = request(app()).post(`/?lang=${lang}`);
    for (const [name, value] of Object.entries(values)) req = req.field(name, value);
    return req;
  };
  const tokenOf = (html: string) => /name="formToken" value="([0-9a-f-]{36}\.[0-9a-f]{32})"/.exec(html)![1]!;

  it('offers the directory’s dealers, the categories and a fresh form token, in Chinese or English', async () => {
    const zh = await request(app()).get('/').expect(200).expect('content-type', /html/);
    expect(zh.text).toContain('<html lang="zh-CN">');
    expect(zh.text).toContain('<option value="BJ002">北京海淀 3S 店（BJ002）</option>');
    expect(zh.text).toContain('产品质量');
    const en = await request(app()).get('/?lang=en').expect(200);
    expect(en.text).toContain('Tell us about a problem');
    expect(en.text).toContain('product quality');
    expect(tokenOf(zh.text)).not.toBe(tokenOf(en.text));
  });

  it('shows each field’s message beside the field and keeps what was typed', async () => {
    const res = await post({ ...fields, 'customer.phone': '', 'vehicle.vin': 'IOQ123', description: '' }).expect(400);
    expect(res.text).toMatch(/data-field="customer.phone">[\s\S]*?<div class="error" id="e-customer.phone">必填<\/div>/);
    expect(res.text).toMatch(/<div class="error" id="e-vehicle.vin">VIN 应为17位，不含字母 I、O、Q<\/div>/);
    expect(res.text).toContain('id="e-description"');
    expect(res.text).not.toContain('id="e-customer.name"');
    expect(res.text).toContain('value="李四"');
    const en = await post({ ...fields, 'customer.phone': 'call me' }, 'en').expect(400);
    expect(en.text).toContain('must be a phone number');
  });

  it('records a complaint with its attachments and confirms its number; the same form token is the same complaint', async () => {
    const { text } = await request(app()).get('/');
    const formToken = tokenOf(text);
    const first = await post({ ...fields, formToken })
      .attach('attachments', PNG, { filename: '照片.png', contentType: 'image/png' })
      .attach('attachments', PDF, { filename: 'invoice.pdf', contentType: 'application/pdf' })
      .expect(303);
    const number = /^\/submitted\/(C20300304-\d{4})\?lang=zh$/.exec(first.headers.location!)![1]!;
    const again = await post({ ...fields, formToken }).attach('attachments', PNG, { filename: '照片.png', contentType: 'image/png' }).expect(303);
    expect(again.headers.location).toBe(first.headers.location);
    const page = await request(app()).get(first.headers.location!).expect(200);
    expect(page.text).toContain(`<p class="number" id="complaint-number">${number}</p>`);

    const coordinator = await signToken(intake.config.AUTH_SECRET, { sub: 'c', role: 'coordinator' });
    const complaint = await eventually(() => request(app()).get(`/api/complaints/${number}`).set('authorization', `Bearer ${coordinator}`), (res) => res.status === 200);
    expect(complaint.body).toMatchObject({
      channel: 'web_form',
      // The dealer the customer chose, for the coordinator's dispatch (SPEC §3.2): no work order yet.
      dealerCode: null,
      namedDealerCode: 'BJ002',
      vehicle: { vin: 'LSVAU2180N2183294', plate: '京B54321' },
      attachments: [
        { id: '1', filename: '照片.png', contentType: 'image/png', size: PNG.length },
        { id: '2', filename: 'invoice.pdf', contentType: 'application/pdf', size: PDF.length },
      ],
    });
    const file = await request(app()).get(`/api/complaints/${number}/attachments/2`).set('authorization', `Bearer ${coordinator}`).buffer(true).expect(200);
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(Buffer.from(file.body).equals(PDF)).toBe(true);
    const otherDealer = await signToken(intake.config.AUTH_SECRET, { sub: 'd', role: 'dealer', dealerCode: 'SH001' });
    await request(app()).get(`/api/complaints/${number}/attachments/2`).set('authorization', `Bearer ${otherDealer}`).expect(404);
    await request(app()).get(`/api/complaints/${number}/attachments/2`).expect(401);
    expect(await intake.models().Submission.countDocuments({})).toBe(1);
  });

  it('refuses files of other types and files too large, naming the attachments field', async () => {
    const exe = await post(fields).attach('attachments', Buffer.from('MZ\x90\x00 not a photo'), { filename: 'photo.jpg', contentType: 'image/jpeg' }).expect(400);
    expect(exe.text).toContain('id="e-attachments">photo.jpg：只接受 JPEG、PNG、WebP 照片和 PDF 文档</div>');
    const big = await post(fields).attach('attachments', Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]), { filename: 'big.png', contentType: 'image/png' });
    expect(big.status).toBe(400);
    expect(big.text).toContain('<div class="error" id="e-attachments">每个文件不能超过 5 MB</div>');
    expect(big.text).toContain('value="李四"');
    expect(await intake.models().Submission.countDocuments({})).toBe(1);
  });

  it('stores the page\'s language with the submission, and the customer is told in it', async () => {
    const email = address('lisi', intake.tag);
    const en = await post({ ...fields, 'customer.email': email }, 'en').expect(303);
    const number = /^\/submitted\/(C20300304-\d{4})\?lang=en$/.exec(en.headers.location!)![1]!;
    expect(await intake.models().Submission.findById(number).lean()).toMatchObject({ customer: { email }, language: 'en' });
    // Seeds 000, 001, 003: the customer's receipt is confirmed by email, with its number (the workflow asks, the notifier reads the address).
    const [told] = await mailbox.waitFor(email);
    expect(told!.subject).toBe(`Your complaint has been received: number ${number}`);
    // Anyone may type any name on the public form: the maker's email greets "customer", never the typed words.
    expect(told!.text).toMatch(/^Dear customer,/);
    expect(told!.text).not.toContain('李四');
    expect(told!.text).not.toMatch(/13900139000|京B54321|接待人员态度恶劣/);
    const zh = await post(fields).expect(303);
    const other = /^\/submitted\/(C20300304-\d{4})\?lang=zh$/.exec(zh.headers.location!)![1]!;
    expect(await intake.models().Submission.findById(other).lean()).toMatchObject({ language: 'zh' });
  });

  it('promises contact within the hours of the policy in force, not a number of its own', async () => {
    const policies = await loadPolicies(intake.models());
    const current = policyInForce(policies, new Date('2030-03-04T09:30:00+08:00'));
    await savePolicy(intake.models(), { ...current, version: 'pages-2030', effectiveFrom: '2030-03-01T00:00:00+08:00', contact: { hours: 30 } });
    expect((await request(app()).get('/').expect(200)).text).toContain('我们将在30小时内安排服务商与您联系');
    expect((await request(app()).get('/?lang=en').expect(200)).text).toContain('a dealer will contact you within 30 hours');
  });

  it('leaves delisted dealers off the list, and refuses a form that names one, beside the field', async () => {
    // Delisted (撤站, seed 002 重大抱怨 §5.1) by an earlier month's penalty: no longer in the network.
    await intake.models().Dealer.create({ _id: 'GONE01', name: '已撤站服务商', region: 'north', contacts: [{ email: 'gone01@test.local' }] });
    await intake.models().Dealer.collection.updateOne({ _id: 'GONE01' as never }, { $set: { delistedFrom: '2025-02' } });
    const form = await request(app()).get('/').expect(200);
    expect(form.text).not.toContain('GONE01');
    expect(form.text).toContain('BJ002');
    const submissions = await intake.models().Submission.countDocuments({});
    const zh = await post({ ...fields, dealerCode: 'GONE01' }).expect(400);
    expect(zh.text).toContain('<div class="error" id="e-dealerCode">该服务商已不在服务网络中，请选择其他服务商</div>');
    expect(zh.text).toContain('value="李四"');
    const en = await post({ ...fields, dealerCode: 'GONE01' }, 'en').expect(400);
    expect(en.text).toContain('<div class="error" id="e-dealerCode">is no longer in the service network: choose another dealer</div>');
    // The public API answers the same, naming the field.
    const api = await request(app())
      .post('/api/complaints')
      .send({ kind: 'complaint', category: 'service_process', customer: { name: '李四', phone: '13900139000' }, description: '态度差', dealerCode: 'GONE01' })
      .expect(400);
    expect(api.body).toEqual({ error: 'validation_failed', message: expect.any(String), details: [{ path: 'dealerCode', message: 'is no longer in the service network: choose another dealer' }] });
    expect(await intake.models().Submission.countDocuments({})).toBe(submissions);
  });

  it('serves the console for the links in emails: a shell that loads its modules, which hold no data', async () => {
    for (const path of ['/complaints/C20300304-0001', '/complaints', '/complaints/new', '/follow-ups']) {
      const res = await request(app()).get(path).expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.text).toContain('<div id="root" data-service="intake"');
      expect(res.text).toMatch(/<script type="module" src="\/assets\/console\/main.js" nonce="[^"]+"><\/script>/);
      expect(res.text).toContain('<link rel="stylesheet" href="/assets/console/console.css">');
    }
    expect((await request(app()).get('/complaints?lang=en').expect(200)).text).toContain('<html lang="en">');
    const preact = await request(app()).get('/assets/console/vendor/preact.js').expect(200);
    expect(preact.headers['content-type']).toMatch(/javascript/);
    expect(preact.text).toMatch(/export\{[^}]*as html/);
    const labels = await request(app()).get('/assets/console/labels.js').expect(200);
    expect(labels.text).toMatch(/^export default \{/);
    expect(labels.text).toContain('待派工');
    expect((await request(app()).get('/assets/console/lib.js').expect(200)).headers['content-type']).toMatch(/javascript/);
  });
});
