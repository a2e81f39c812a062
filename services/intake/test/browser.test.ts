import { statSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { listen } from '@complaints/runtime';
import { launchBrowser, screenshot } from '../../../test/browser';
import { useIntakeApp } from './harness';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);

// A customer files a complaint in the browser.
describe('in headless Chromium', () => {
  const intake = useIntakeApp('browser', { now: () => new Date('2030-04-01T10:15:00+08:00') });
  let server: Server;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    server = await listen(intake.app(), 0, '127.0.0.1');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('a customer files a complaint from the form, fixing what the server refused, and gets its number', async () => {
    const page = await browser.newPage({ locale: 'zh-CN' });
    await page.goto(`${base}/`);
    await page.selectOption('#f-kind', 'complaint');
    await page.fill('#f-customer\\.name', '王五');
    await page.fill('#f-customer\\.phone', '13700137000');
    await page.fill('#f-vehicle\\.plate', '沪C88888');
    await page.fill('#f-vehicle\\.vin', 'LSVAU2180N218329O'); // an O where a 0 belongs
    await page.selectOption('#f-dealerCode', 'SH001');
    await page.selectOption('#f-category', 'service_process');
    await page.fill('#f-description', '保养后车内有油污，服务顾问不予处理');
    await page.fill('#f-request', '清洁并道歉');
    await page.setInputFiles('#f-attachments', { name: '油污.png', mimeType: 'image/png', buffer: PNG });
    await page.click('button[type=submit]');

    await page.waitForSelector('#e-vehicle\\.vin');
    expect(await page.textContent('#e-vehicle\\.vin')).toBe('VIN 应为17位，不含字母 I、O、Q');
    expect(await page.inputValue('#f-customer\\.name')).toBe('王五'); // what was typed is kept
    statSync(await screenshot(page, 'intake-form-field-error'));

    await page.fill('#f-vehicle\\.vin', 'LSVAU2180N2183290');
    await page.setInputFiles('#f-attachments', { name: '油污.png', mimeType: 'image/png', buffer: PNG });
    await page.click('button[type=submit]');
    await page.waitForSelector('#complaint-number');
    const number = (await page.textContent('#complaint-number'))!.trim();
    expect(number).toMatch(/^C20300401-\d{4}$/);
    expect(await page.textContent('.banner')).toContain('您的抱怨已受理');
    statSync(await screenshot(page, 'intake-form-confirmation'));
    await page.close();
  });
  // The dealer's handling of it, and every other role's, is console.test.ts's.
});
