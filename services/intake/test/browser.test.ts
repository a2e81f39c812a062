import { statSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { getStateQuery } from '@complaints/workflows';
import { listen, signToken } from '@complaints/runtime';
import { launchBrowser, screenshot } from '../../../test/browser';
import { eventually } from '../../../test/support';
import { useIntakeApp } from './harness';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);

// A customer files a complaint in the browser; the dealer handles it from the work-order page.
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

  let number: string;

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
    number = (await page.textContent('#complaint-number'))!.trim();
    expect(number).toMatch(/^C20300401-\d{4}$/);
    expect(await page.textContent('.banner')).toContain('您的抱怨已受理');
    statSync(await screenshot(page, 'intake-form-confirmation'));
    await page.close();
  });

  it('the dealer signs in, sees the work order with its deadlines, confirms it, records the contact and replies', async () => {
    const handle = intake.temporal().workflow.getHandle(`complaint-${number}`);
    await eventually(() => handle.query(getStateQuery), (s) => s.idle === true && s.status === 'awaiting_acknowledgement');
    await eventually(() => intake.models().Complaint.findById(number).lean(), (doc) => doc?.status === 'awaiting_acknowledgement');

    const token = await signToken(intake.config.AUTH_SECRET, { sub: 'sh001-service', role: 'dealer', dealerCode: 'SH001' });
    const page = await browser.newPage({ locale: 'zh-CN' });
    await page.goto(`${base}/complaints`);
    await page.fill('#token', token);
    await page.click('#signin-form button');
    const row = page.locator(`tr[data-number="${number}"]`);
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe('待服务商确认');
    expect(await row.locator('td').nth(4).textContent()).toMatch(/\d{2}\/\d{2} \d{2}:\d{2}/); // reply due, Beijing time
    statSync(await screenshot(page, 'intake-dealer-work-orders'));

    await row.locator('a').click();
    await page.waitForSelector('#detail-title');
    expect(await page.textContent('#detail-facts')).toContain('王五 · 13700137000'); // the dealer needs the phone
    expect(await page.textContent('#detail-facts')).toContain('油污.png');
    await page.click('form[data-action=acknowledge] button');
    await page.waitForSelector('form[data-action=reply]');
    await page.fill('form[data-action=contact] textarea[name=note]', '已电话联系客户，约定周三到店');
    await page.click('form[data-action=contact] button');
    await page.locator('#history').getByText('服务商联系客户').waitFor();
    await page.fill('form[data-action=reply] textarea[name=text]', '已为客户清洁车辆内饰，服务经理当面致歉，客户接受');
    await page.check('form[data-action=reply] input[name=final]');
    await page.click('form[data-action=reply] button');
    await page.locator('#detail-facts').getByText('待申请关闭').waitFor();
    expect(await page.textContent('#message')).toContain('已完成');
    expect(await page.textContent('#actions')).toContain('当前状态下无需您操作');
    statSync(await screenshot(page, 'intake-dealer-replied'));

    // A photo of the result, added while the complaint is open: listed with who added it.
    await page.setInputFiles('form[data-action=attachments] input[name=files]', { name: '清洁后.png', mimeType: 'image/png', buffer: PNG });
    await page.fill('form[data-action=attachments] textarea[name=note]', '清洁后的内饰照片');
    await page.click('form[data-action=attachments] button');
    await page.locator('#detail-facts').getByText('清洁后.png (dealer:sh001-service)').waitFor();
    expect(await page.textContent('#history')).toContain('补充附件');
    statSync(await screenshot(page, 'intake-dealer-evidence'));

    const state = await handle.query(getStateQuery);
    expect(state.status).toBe('awaiting_closure_request');
    expect(state.events.map((e) => e.type)).toEqual(expect.arrayContaining(['acknowledged', 'customer_contacted', 'replied']));
    expect(state.kpi).toMatchObject({ repliedOnTime: true, contactedOnTime: true });
    await page.close();
  });

  it('a refused action shows the workflow’s reason on the page', async () => {
    const token = await signToken(intake.config.AUTH_SECRET, { sub: 'sh001-service', role: 'dealer', dealerCode: 'SH001' });
    const page = await browser.newPage({ locale: 'en-GB' });
    await page.goto(`${base}/complaints/${number}?lang=en`);
    await page.fill('#token', token);
    await page.click('#signin-form button');
    await page.waitForSelector('#detail-title');
    expect(await page.textContent('#detail-facts')).toContain('awaiting a closure request');
    // The page offers nothing here; a stale page that still tried would get the 409's reason.
    const answer = (await page.evaluate(`(async () => {
      const res = await fetch('/api/complaints/${number}/acknowledge', { method: 'POST', headers: { authorization: 'Bearer ' + sessionStorage.getItem('complaints.token'), 'content-type': 'application/json' }, body: '{}' });
      return { status: res.status, body: await res.json() };
    })()`)) as { status: number; body: unknown };
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ error: 'refused', message: expect.any(String) });
    await page.close();
  });
});
