import request from 'supertest';
import { createLogger, signToken } from '@complaints/runtime';
import { createApp } from '../src/app';
import { useTestDatabase } from '../../../test/database';

// The coordinator's console pages on reporting (penalties, service visits) and what they read:
// the penalties recorded, with the policy's amounts for the month.
describe('reporting console pages', () => {
  const { config, mongo, models } = useTestDatabase({ rules: true, directory: 'console' });
  let app: ReturnType<typeof createApp>;
  let coordinator: string;

  beforeAll(async () => {
    app = createApp({ mongo: mongo(), temporal: undefined as never, logger: createLogger('console', 'silent'), models: models(), secret: config.AUTH_SECRET });
    coordinator = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'c', role: 'coordinator' })}`;
    await models().Complaint.create({ _id: 'C20301110-0007', workflowId: 'w', kind: 'complaint', category: 'service_process', severity: 'major', channel: 'hotline', status: 'closed', dealerCode: 'SH001', attributedDealerCode: 'SH001', receivedAt: new Date('2030-11-10T10:00:00+08:00') });
  });

  it('serves the console shell for /penalties and /service-visits, with the console’s assets, and the dashboard links to the console', async () => {
    for (const path of ['/penalties', '/service-visits']) {
      const page = await request(app).get(path).expect(200);
      expect(page.text).toContain('<div id="root"');
      expect(page.text).toContain('data-service="reporting"');
      expect(page.text).toContain('/assets/console/main.js');
    }
    await request(app).get('/assets/console/main.js').expect(200);
    await request(app).get('/assets/console/pages/penalties.js').expect(200);
    const dashboard = await request(app).get('/dashboard').expect(200);
    expect(dashboard.text).toMatch(/href="[^"]*\/complaints"/);
  });

  it('lists penalties, newest first, filtered by dealer and month, with the policy’s amount range', async () => {
    await request(app).post('/api/reports/penalties').set('authorization', coordinator).send({ dealerCode: 'SH001', month: '2030-11', kind: 'amount', amount: 3000, reason: '虚假回复', complaintNumber: 'C20301110-0007' }).expect(201);
    await request(app).post('/api/reports/penalties').set('authorization', coordinator).send({ dealerCode: 'SH001', month: '2030-11', kind: 'media_exposure', reason: '媒体曝光', complaintNumber: 'C20301110-0007' }).expect(201);
    const list = await request(app).get('/api/reports/penalties?dealerCode=SH001&month=2030-11').set('authorization', coordinator).expect(200);
    expect(list.body).toMatchObject({ total: 2, page: 1, amountRange: { min: 1000, max: 10000 } });
    expect(list.body.items[0]).toMatchObject({ dealerCode: 'SH001', month: '2030-11', kind: 'media_exposure', reason: '媒体曝光', complaintNumber: 'C20301110-0007', by: 'c' });
    expect(list.body.items[1]).toMatchObject({ kind: 'amount', amount: 3000 });
    const byAmount = await request(app).get('/api/reports/penalties?sort=amount').set('authorization', coordinator).expect(200);
    expect(byAmount.body.items.map((p: { kind: string }) => p.kind)).toEqual(['media_exposure', 'amount']);
    const other = await request(app).get('/api/reports/penalties?month=2030-10').set('authorization', coordinator).expect(200);
    expect(other.body.total).toBe(0);
    const dealer = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'd', role: 'dealer', dealerCode: 'SH001' })}`;
    await request(app).get('/api/reports/penalties').set('authorization', dealer).expect(403);
  });
});
