import request from 'supertest';
import { signToken } from '@complaints/runtime';
import { eventually, validComplaint } from '../../../test/support';
import { useIntakeApp } from './harness';

// The API around the complaint: who may submit what, idempotency, the list with its filters and
// paging within each role's scope, personal data by role, and the OpenAPI document.
describe('intake API', () => {
  // The day after the complaints it records: staff receipt times lie within the policy's window back.
  const intake = useIntakeApp('api', { now: () => new Date('2030-02-07T12:00:00+08:00'), config: { PUBLIC_RATE_LIMIT: '3' } });
  const { config } = intake;
  const app = () => intake.app();
  const token = (claims: Parameters<typeof signToken>[1]) => signToken(config.AUTH_SECRET, claims);
  let coordinator: string;
  let sh001: string;
  let bj002: string;
  let east: string;
  let hq: string;
  const numbers: Record<string, string> = {};

  const submit = (body: object, auth?: string) => {
    const req = request(app()).post('/api/complaints');
    return (auth ? req.set('authorization', `Bearer ${auth}`) : req).send(body);
  };

  beforeAll(async () => {
    coordinator = await token({ sub: 'c1', role: 'coordinator' });
    sh001 = await token({ sub: 'd1', role: 'dealer', dealerCode: 'SH001' });
    bj002 = await token({ sub: 'd2', role: 'dealer', dealerCode: 'BJ002' });
    east = await token({ sub: 'rm1', role: 'regional_manager', region: 'east' });
    hq = await token({ sub: 'hq1', role: 'hq' });
    // Three complaints on three days, for the list's filters: staff record them (no rate limit).
    const cases = {
      east1: { dealerCode: 'SH001', category: 'product_quality', receivedAt: '2030-02-04T10:00:00+08:00', channel: 'hotline' },
      east2: { dealerCode: 'SH002', category: 'service_process', receivedAt: '2030-02-05T10:00:00+08:00', channel: 'email' },
      north: { dealerCode: 'BJ002', category: 'parts_supply', receivedAt: '2030-02-06T10:00:00+08:00', channel: 'walk_in' },
    };
    for (const [name, fields] of Object.entries(cases)) {
      numbers[name] = (await submit({ ...validComplaint(), ...fields }, coordinator).expect(201)).body.number;
    }
    const models = intake.models();
    await eventually(() => models.Complaint.countDocuments({ status: 'awaiting_acknowledgement' }), (n) => n === 3);
  });

  describe('submitting', () => {
    it('lets staff record any channel, and the public only the web form', async () => {
      const res = await submit({ ...validComplaint(), channel: 'email' }).expect(400);
      expect(res.body).toEqual({ error: 'validation_failed', message: expect.any(String), details: [{ path: 'channel', message: 'without a staff token only web_form is accepted' }] });
      // A dealer's token is not a staff token for submitting complaints.
      await submit({ ...validComplaint(), channel: 'email' }, sh001).expect(403);
      await submit({ ...validComplaint(), channel: 'email' }, 'not-a-token').expect(401);
    });

    it('makes a repeat with the same Idempotency-Key the same complaint, per caller', async () => {
      const body = { ...validComplaint(), channel: 'written', receivedAt: '2030-02-07T09:00:00+08:00' };
      const first = await submit(body, coordinator).set('idempotency-key', 'letter-2030-0042').expect(201);
      const again = await submit(body, coordinator).set('idempotency-key', 'letter-2030-0042').expect(200);
      expect(again.body).toEqual(first.body);
      const callCenter = await token({ sub: 'cc1', role: 'call_center' });
      const other = await submit(body, callCenter).set('idempotency-key', 'letter-2030-0042').expect(201);
      expect(other.body.number).not.toBe(first.body.number);
      const bad = await submit(body, coordinator).set('idempotency-key', 'no spaces allowed').expect(400);
      expect(bad.body.details).toEqual([{ path: 'Idempotency-Key', message: expect.stringContaining('letters, digits') }]);
    });

    it('refuses a receipt time before any policy, which would leave the complaint without clocks', async () => {
      const res = await submit({ ...validComplaint(), channel: 'written', receivedAt: '2000-01-01T08:00:00+08:00' }, coordinator).expect(400);
      expect(res.body).toEqual({ error: 'validation_failed', message: expect.any(String), details: [{ path: 'receivedAt', message: expect.stringContaining('before any policy in force') }] });
      expect(await intake.models().Complaint.countDocuments({ receivedAt: { $lt: new Date('2001-01-01') } })).toBe(0);
    });

    it('limits anonymous submissions per address, with the error shape, and never staff', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await submit({ kind: 'complaint' })).status);
      // Bad bodies count too: a flood is a flood. The limit is 3 a minute in this file's config.
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
      const res = await submit({ kind: 'complaint' }).expect(429);
      expect(res.body).toEqual({ error: 'rate_limited', message: expect.any(String), details: [] });
      expect(res.headers['ratelimit-policy']).toBeDefined();
      await submit({ ...validComplaint(), channel: 'email', receivedAt: '2030-02-07T11:00:00+08:00' }, coordinator).expect(201);
    });
  });

  describe('the list', () => {
    const list = (auth: string, query = '') => request(app()).get(`/api/complaints${query}`).set('authorization', `Bearer ${auth}`);

    it('filters by status, dealer, region, category, channel and receipt dates, newest first', async () => {
      const all = await list(coordinator, '?receivedFrom=2030-02-04&receivedTo=2030-02-06').expect(200);
      expect(all.body.items.map((c: { number: string }) => c.number)).toEqual([numbers.north, numbers.east2, numbers.east1]);
      expect(all.body.items[0]).toEqual({
        number: numbers.north,
        status: 'awaiting_acknowledgement',
        kind: 'complaint',
        category: 'parts_supply',
        severity: 'minor',
        channel: 'walk_in',
        dealerCode: 'BJ002',
        namedDealerCode: null,
        region: 'north',
        receivedAt: '2030-02-06T02:00:00.000Z',
        replyDue: expect.any(String),
        closureDeadline: expect.any(String),
        overdue: false,
        escalated: false,
      });
      const only = async (query: string) => (await list(coordinator, query).expect(200)).body.items.map((c: { number: string }) => c.number);
      expect(await only('?region=east&receivedTo=2030-02-06')).toEqual([numbers.east2, numbers.east1]);
      expect(await only('?dealerCode=SH001&receivedTo=2030-02-06')).toEqual([numbers.east1]);
      expect(await only('?category=service_process&receivedTo=2030-02-06')).toEqual([numbers.east2]);
      expect(await only('?channel=walk_in')).toEqual([numbers.north]);
      expect(await only('?receivedFrom=2030-02-05T00:00:00%2B08:00&receivedTo=2030-02-05')).toEqual([numbers.east2]);
      expect(await only('?status=open&overdue=true')).toEqual([]);
      expect(await only('?status=closed,force_closed')).toEqual([]);
      expect(await only('?status=awaiting_acknowledgement&receivedTo=2030-02-06')).toHaveLength(3);
    });

    it('pages, with the total', async () => {
      const first = await list(coordinator, '?receivedTo=2030-02-06&pageSize=2').expect(200);
      const second = await list(coordinator, '?receivedTo=2030-02-06&pageSize=2&page=2').expect(200);
      expect(first.body).toMatchObject({ page: 1, pageSize: 2, total: 3 });
      expect(first.body.items).toHaveLength(2);
      expect(second.body.items.map((c: { number: string }) => c.number)).toEqual([numbers.east1]);
    });

    it('sorts by a field either way, the number breaking ties, so that pages never overlap', async () => {
      const order = async (sort: string) => (await list(coordinator, `?receivedTo=2030-02-06&sort=${sort}`).expect(200)).body.items.map((c: { number: string }) => c.number);
      expect(await order('receivedAt')).toEqual([numbers.east1, numbers.east2, numbers.north]);
      expect(await order('-receivedAt')).toEqual([numbers.north, numbers.east2, numbers.east1]);
      expect(await order('dealerCode')).toEqual([numbers.north, numbers.east1, numbers.east2]); // BJ002, SH001, SH002
      expect(await order('-number')).toEqual([...(await order('number'))].reverse());
    });

    it('gives the call center, and only the call center, the customers to call back', async () => {
      const callCenter = await token({ sub: 'cc1', role: 'call_center' });
      const rows = (await list(callCenter, '?receivedTo=2030-02-06&followUp=true&sort=receivedAt').expect(200)).body.items;
      expect(rows[0]).toMatchObject({ number: numbers.east1, customer: { name: validComplaint().customer.name, phone: validComplaint().customer.phone } });
      expect(rows[0].followUp).toBeUndefined(); // not awaiting its follow-up
      expect((await list(callCenter, '?receivedTo=2030-02-06').expect(200)).body.items[0].customer).toBeUndefined();
      for (const other of [coordinator, sh001, east, hq]) expect((await list(other, '?followUp=true').expect(403)).body.error).toBe('forbidden');
    });

    it('shows a dealer its own work orders and a regional manager its region, whatever the filter asks', async () => {
      const mine = await list(sh001, '?receivedTo=2030-02-06').expect(200);
      expect(mine.body.items.map((c: { number: string }) => c.number)).toEqual([numbers.east1]);
      expect((await list(sh001, '?dealerCode=BJ002').expect(200)).body).toMatchObject({ items: [], total: 0 });
      const region = await list(east, '?receivedTo=2030-02-06').expect(200);
      expect(region.body.items.map((c: { number: string }) => c.number)).toEqual([numbers.east2, numbers.east1]);
      expect((await list(east, '?region=north').expect(200)).body.total).toBe(0);
      expect((await list(bj002, '?receivedTo=2030-02-06').expect(200)).body.items.map((c: { number: string }) => c.number)).toEqual([numbers.north]);
    });

    it('refuses bad filters field by field, and callers without a staff token', async () => {
      const res = await list(coordinator, '?status=lost&overdue=maybe&pageSize=1000&receivedFrom=yesterday&sort=x&colour=red').expect(400);
      expect(res.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['', 'overdue', 'pageSize', 'receivedFrom', 'sort', 'status']);
      await request(app()).get('/api/complaints').expect(401);
      const hotline = await token({ sub: 'pbx', role: 'hotline' });
      await list(hotline).expect(403);
    });
  });

  describe('one complaint', () => {
    const get = (auth: string, number: string) => request(app()).get(`/api/complaints/${number}`).set('authorization', `Bearer ${auth}`);

    it('shows the customer to those who deal with the customer, not to regional managers or headquarters', async () => {
      const dealer = await get(sh001, numbers.east1!).expect(200);
      expect(dealer.body).toMatchObject({ number: numbers.east1, customer: { name: '张三', phone: '13800138000' }, vehicle: { plate: '沪A12345' }, description: expect.any(String), attachments: [] });
      expect(dealer.body.history.map((e: { type: string }) => e.type)).toEqual(['received', 'dispatched']);
      for (const auth of [east, hq]) {
        const res = await get(auth, numbers.east1!).expect(200);
        expect(res.body.description).toBe('发动机异响，维修三次未解决');
        expect(JSON.stringify(res.body)).not.toMatch(/13800138000|张三|沪A12345|LSVAU2180N2183294/);
      }
      await get(east, numbers.north!).expect(404);
      await get(bj002, numbers.east1!).expect(404);
    });
  });

  describe('the directory', () => {
    const put = (auth: string, body: object) => request(app()).put('/api/directory').set('authorization', `Bearer ${auth}`).send(body);

    it('is read and loaded whole by the coordinator, validated entry by entry, and unchanged when refused', async () => {
      const { body: current } = await request(app()).get('/api/directory').set('authorization', `Bearer ${coordinator}`).expect(200);
      expect(current.dealers.map((d: { code: string }) => d.code)).toEqual(['BJ002', 'SH001', 'SH002']);
      expect(current.roles.coordinator[0].email).toContain('coordinator-');

      const newDealer = { code: 'GZ001', name: '广州天河 4S 店', region: 'south', contacts: [{ email: 'gz001@dealers.test', language: 'zh' }] };
      const refused = await put(coordinator, { ...current, dealers: [...current.dealers, newDealer, { ...newDealer, region: 'east' }] }).expect(400);
      expect(refused.body.details).toEqual([
        { path: 'dealers.3.region', message: 'region south is not in regions' },
        { path: 'dealers.4.code', message: 'dealer GZ001 is listed twice' },
      ]);
      expect(await intake.models().Dealer.findById('GZ001').lean()).toBeNull();

      const withSouth = { ...current, regions: [...current.regions, { code: 'south', name: '华南大区', managers: [{ email: 'rm-south@test.local' }] }], dealers: [...current.dealers, newDealer] };
      expect((await put(coordinator, withSouth).expect(200)).body).toEqual({ regions: 3, dealers: 4 });
      const { body } = await request(app()).get('/api/dealers').set('authorization', `Bearer ${coordinator}`).expect(200);
      expect(body.dealers).toContainEqual({ code: 'GZ001', name: '广州天河 4S 店', region: 'south', active: true });
      await put(sh001, withSouth).expect(403);
      await request(app()).get('/api/directory').set('authorization', `Bearer ${east}`).expect(403);
    });
  });

  describe('the OpenAPI document', () => {
    it('describes every route the app serves, with the error shape, and the docs page shows it', async () => {
      const { body: doc } = await request(app()).get('/openapi.json').expect(200);
      expect(doc.openapi).toBe('3.0.3');
      const paths = Object.keys(doc.paths);
      for (const path of ['/api/complaints', '/api/complaints/{number}', '/api/complaints/{number}/reply', '/api/complaints/{number}/follow-up', '/api/complaints/{number}/attachments', '/api/hotline/calls', '/api/internet-complaints', '/api/dealers', '/health']) {
        expect(paths).toContain(path);
      }
      expect(doc.components.schemas.Error.required).toEqual(['error', 'message', 'details']);
      // Only what intake serves: reporting documents its own routes (reporting's /openapi.json).
      expect(paths.filter((p) => p.startsWith('/api/reports'))).toEqual([]);
      expect(doc.components.schemas.NewComplaint.properties.vehicle.properties.vin.pattern).toBe('^[A-HJ-NPR-Z0-9]{17}$');
      expect(doc.paths['/api/complaints/{number}/reply'].post.responses['409'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
      expect(doc.paths['/api/complaints'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['status', 'dealerCode', 'region', 'category', 'overdue', 'receivedFrom', 'receivedTo', 'page', 'pageSize']));
      const evidence = doc.paths['/api/complaints/{number}/attachments'].post;
      expect(Object.keys(evidence.requestBody.content)).toEqual(['multipart/form-data']);
      expect(doc.components.schemas.NewEvidence.properties.files.items.format).toBe('binary');
      expect(doc.components.schemas.NewComplaint.properties.language.enum).toEqual(['zh', 'en']);
      // SPEC §4: the numbers are the policy's; the document names the policy's field, never a number of its own.
      expect(JSON.stringify(doc)).not.toMatch(/\b(24 ?h|24 hours|7 days|3 months|3 working days)\b/);
      const docs = await request(app()).get('/docs/').expect(200);
      expect(docs.text).toContain('swagger-ui');
    });

    it('answers unknown routes and oversized bodies in the documented error shape, without internals', async () => {
      const missing = await request(app()).get('/api/nothing-here').expect(404);
      expect(missing.body).toEqual({ error: 'not_found', message: 'route not found', details: [] });
      const big = await submit({ ...validComplaint(), description: 'x'.repeat(200_000) }, coordinator).expect(413);
      expect(big.body).toMatchObject({ error: expect.any(String), details: [] });
      expect(JSON.stringify(big.body)).not.toContain('node_modules');
    });
  });
});
