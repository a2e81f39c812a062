import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import mongoose from 'mongoose';
import { addUser, createAccountModels, listen } from '@complaints/runtime';
import { launchBrowser } from '../../../test/browser';
import { cspOf, watchViolations } from '../../../test/csp';
import { eventually } from '../../../test/support';
import { useIntakeApp } from './harness';

// Every answer of intake carries the usual security headers (helmet); its pages carry a Content
// Security Policy that allows the page's own scripts, styles and API only: an injected script, a
// style or a form posting elsewhere is refused by the browser.
describe('intake’s security headers', () => {
  const intake = useIntakeApp('headers', { now: () => new Date('2032-05-11T10:00:00+08:00') });
  const app = () => intake.app();
  // A real 1×1 image, so that the browser shows it.
  const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

  it.each(['/', '/complaints', '/submitted/C20320511-0001', '/api/complaints', '/health', '/openapi.json', '/no-such-route'])('sends the security headers on %s', async (path) => {
    const res = await request(app()).get(path);
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'strict-transport-security': expect.stringMatching(/max-age=\d+/),
      'referrer-policy': expect.any(String),
      'cross-origin-opener-policy': 'same-origin',
      'content-security-policy': expect.any(String),
    });
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(cspOf(res.headers['content-security-policy'])).toMatchObject({ 'default-src': ["'none'"], 'frame-ancestors': ["'none'"], 'base-uri': ["'none'"] });
  });

  it.each(['/', '/complaints', '/submitted/C20320511-0001'])('lets %s run only its own scripts and styles: files of its own, or an inline script with this answer’s nonce', async (path) => {
    const first = await request(app()).get(path).expect(200);
    const again = await request(app()).get(path).expect(200);
    const csp = cspOf(first.headers['content-security-policy']);
    const nonce = /'nonce-([^']+)'/.exec(csp['script-src']!.join(' '))?.[1];
    expect(nonce).toBeDefined();
    expect(cspOf(again.headers['content-security-policy'])['script-src']).not.toContain(`'nonce-${nonce}'`); // a nonce per answer
    expect(csp['script-src']).not.toContain("'unsafe-inline'");
    expect(csp['style-src']).toEqual(["'self'"]);
    expect(csp['form-action']).toEqual(["'self'"]);
    // Every script is a file of its own or carries the nonce; no inline style to allow.
    for (const [tag] of first.text.matchAll(/<script\b[^>]*>/g)) expect(tag).toMatch(new RegExp(`\\bsrc=|nonce="${nonce!.replace(/[+/=]/g, '\\$&')}"`));
    expect(first.text).not.toMatch(/<style\b|\sstyle="/);
  });

  describe('in headless Chromium', () => {
    let server: Server;
    let base: string;
    let browser: Browser;

    beforeAll(async () => {
      server = await listen(app(), 0, '127.0.0.1');
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => server?.close(resolve));
    });

    it('shows the form styled and files a complaint without a policy violation', async () => {
      const page = await browser.newPage({ locale: 'zh-CN' });
      const violations = await watchViolations(page);
      await page.goto(`${base}/`);
      // The stylesheet applied: the header's colours come from it.
      expect(await page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")).toBe('rgb(18, 58, 99)');
      await page.fill('#f-customer\\.name', '孙八');
      await page.fill('#f-customer\\.phone', '13300133000');
      await page.selectOption('#f-dealerCode', 'SH001');
      await page.selectOption('#f-category', 'product_quality');
      await page.fill('#f-description', '空调异味');
      await page.setInputFiles('#f-attachments', { name: '空调.png', mimeType: 'image/png', buffer: PNG });
      await page.click('button[type=submit]');
      await page.waitForSelector('#complaint-number');
      expect(await violations()).toEqual([]);
      // What the policy is for: a script slipped into the page does not run.
      await page.evaluate(`{
        const injected = document.createElement('script');
        injected.textContent = 'window.injected = true';
        document.body.append(injected);
      }`);
      expect(await page.evaluate('window.injected')).toBeUndefined();
      expect(await violations()).toEqual(['script-src-elem inline']);
      await page.close();
    });

    it('runs the console’s modules, shows a complaint and opens its photo, without a policy violation', async () => {
      const number = (await intake.models().Submission.findOne({ 'customer.name': '孙八' }).lean())!._id as string;
      await eventually(() => intake.models().Complaint.countDocuments({ _id: number }), (n) => n === 1);
      await intake.dispatch(number, 'SH001'); // the dealer the customer named sees it once dispatched to it
      const accounts = createAccountModels(intake.models().Complaint.db as unknown as mongoose.Connection);
      await addUser(accounts, { username: 'sh001', role: 'dealer', dealerCode: 'SH001', password: 'plum-otter-5531' });
      const context = await browser.newContext({ locale: 'zh-CN' });
      const page = await context.newPage();
      const violations = await watchViolations(page);
      await page.goto(`${base}/login`);
      await page.fill('input[name=username]', 'sh001');
      await page.fill('input[name=password]', 'plum-otter-5531');
      await page.click('button[type=submit]');
      await page.waitForURL(/\/complaints/);
      await page.goto(`${base}/complaints/${number}`);
      await page.locator('[data-files]').getByText('空调.png').waitFor();
      // The stylesheet applied: the header's colours come from it.
      expect(await page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")).toBe('rgb(18, 58, 99)');
      const [photo] = await Promise.all([page.waitForEvent('popup'), page.locator('[data-files] a', { hasText: '空调.png' }).click()]);
      await photo.waitForLoadState();
      // The photo shows, in a window that keeps the page's policy.
      expect(await photo.evaluate("document.querySelector('img').complete && document.querySelector('img').naturalWidth")).toBe(1);
      expect(await violations()).toEqual([]);
      await context.close();
    });

    it('keeps the API documentation working under a policy of its own', async () => {
      const page = await browser.newPage();
      const violations = await watchViolations(page);
      await page.goto(`${base}/docs/`);
      await page.locator('.swagger-ui .info .title').waitFor();
      expect(await page.locator('.opblock').count()).toBeGreaterThan(5);
      expect(await violations()).toEqual([]);
      await page.close();
    });
  });
});
