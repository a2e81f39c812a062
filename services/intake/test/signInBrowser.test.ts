import { statSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import mongoose from 'mongoose';
import { addUser, createAccountModels, listen } from '@complaints/runtime';
import { launchBrowser, screenshot } from '../../../test/browser';
import { useIntakeApp } from './harness';

// Staff sign in with their own password and the work-order page works with the session: no token to paste.
describe('signing in, in headless Chromium', () => {
  const intake = useIntakeApp('signin-browser');
  let server: Server;
  let base: string;
  let browser: Browser;
  const PASSWORD = 'amber-kestrel-93';

  beforeAll(async () => {
    const accounts = createAccountModels(intake.models().Complaint.db as unknown as mongoose.Connection);
    await addUser(accounts, { username: 'chen', displayName: '陈经理', role: 'dealer', dealerCode: 'SH001', password: PASSWORD });
    server = await listen(intake.app(), 0, '127.0.0.1');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('signs in with a password at /login, lands on the work-order list of the console, signs out, and is refused afterwards', async () => {
    const page = await browser.newPage({ locale: 'zh-CN' });
    await page.goto(`${base}/login`);
    await page.fill('input[name=username]', 'chen');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/complaints/);
    await page.locator('[data-list=complaints]').waitFor();
    expect(await page.textContent('[data-who]')).toContain('chen');
    expect(await page.textContent('[data-who]')).toContain('SH001');
    statSync(await screenshot(page, 'intake-signed-in-work-orders'));

    await page.click('[data-sign-out]');
    await page.waitForURL(/\/login/);
    const refused = await page.evaluate(async () => (await fetch('/api/complaints')).status);
    expect(refused).toBe(401);
    await page.goto(`${base}/complaints/C20300101-0001`);
    await page.waitForURL(/\/login\?next=%2Fcomplaints%2FC20300101-0001/); // signed out: the page sends the user to sign in again
    await page.close();
  });
});
