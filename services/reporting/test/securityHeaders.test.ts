import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { createLogger, listen, signToken } from '@complaints/runtime';
import { createApp } from '../src/app';
import { launchBrowser } from '../../../test/browser';
import { cspOf, watchViolations } from '../../../test/csp';
import { useTestDatabase } from '../../../test/database';

// Reporting answers with the security headers too (helmet), and its dashboard, which shows every
// dealer's scores and money, runs only its own script files: Chart.js from its npm package,
// served by reporting itself, and the dashboard's own script; no inline script, no CDN.
describe('reporting’s security headers', () => {
  const { config, mongo, models } = useTestDatabase({ directory: 'rheaders' });
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    app = createApp({ mongo: mongo(), temporal: undefined as never, logger: createLogger('rheaders', 'silent'), models: models(), secret: config.AUTH_SECRET });
    await models().Complaint.create({
      _id: 'C20310610-0001',
      workflowId: 'complaint-C20310610-0001',
      kind: 'complaint',
      category: 'product_quality',
      severity: 'minor',
      channel: 'hotline',
      status: 'closed',
      dealerCode: 'SH001',
      attributedDealerCode: 'SH001',
      region: 'east',
      receivedAt: new Date('2031-06-10T10:00:00+08:00'),
      closedAt: '2031-06-12T10:00:00+08:00',
      kpi: { repliedOnTime: true, contactedOnTime: true, firstTimeClosure: true, followUps: 1, falseReplies: 0, unreachable: false, ratings: { overall: 5 } },
    });
  });

  it.each(['/dashboard', '/api/reports/scorecard?month=2031-06', '/assets/chart.umd.js', '/no-such-route'])('sends the security headers on %s', async (path) => {
    const res = await request(app).get(path);
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'strict-transport-security': expect.stringMatching(/max-age=\d+/),
      'cross-origin-opener-policy': 'same-origin',
    });
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(cspOf(res.headers['content-security-policy'])).toMatchObject({ 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] });
  });

  it('serves the dashboard with no inline script or style for its policy to allow', async () => {
    const res = await request(app).get('/dashboard').expect(200);
    const csp = cspOf(res.headers['content-security-policy']);
    expect(csp['script-src']).not.toContain("'unsafe-inline'");
    expect(csp['style-src']).toEqual(["'self'"]);
    expect(csp['connect-src']).toEqual(["'self'"]);
    // Scripts are files (a JSON data block is not run); no style element or attribute.
    for (const [tag] of res.text.matchAll(/<script\b[^>]*>/g)) expect(tag).toMatch(/\bsrc="\/assets\/|type="application\/json"/);
    expect(res.text).not.toMatch(/<style\b|\sstyle="/);
  });

  it('draws the dashboard in Chromium without a policy violation', async () => {
    const server: Server = await listen(app, 0, '127.0.0.1');
    const browser: Browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const violations = await watchViolations(page);
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/dashboard`);
      await page.fill('#token', await signToken(config.AUTH_SECRET, { sub: 'c', role: 'coordinator' }));
      await page.click('#signin-form button');
      await page.fill('#month', '2031-06');
      await page.dispatchEvent('#month', 'change');
      await page.waitForSelector('body[data-loaded="2031-06"]');
      expect(await page.locator('#scorecards tbody tr[data-dealer="SH001"] td').nth(4).textContent()).toBe('1');
      // Chart.js ran: each chart's canvas has its drawing size.
      expect(await page.evaluate("(() => { const c = document.getElementById('trend'); return c.width > 0 && c.height > 0 && Chart.getChart(c) !== undefined; })()")).toBe(true);
      expect(await page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")).toBe('rgb(18, 58, 99)');
      expect(await violations()).toEqual([]);
    } finally {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
