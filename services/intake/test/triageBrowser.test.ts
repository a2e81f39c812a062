import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import mongoose from 'mongoose';
import request from 'supertest';
import { getStateQuery } from '@complaints/workflows';
import { addUser, createAccountModels, listen } from '@complaints/runtime';
import { launchBrowser, signedInPage } from '../../../test/browser';
import { eventually, validComplaint } from '../../../test/support';
import { useIntakeApp } from './harness';

// SPEC §3.2 in the coordinator's console: the web form's complaints wait in the 待派工 queue with the
// dealer the customer named; the coordinator dispatches one there (the named dealer chosen for them)
// and marks another invalid with a reason.
const SHOTS = path.resolve(__dirname, '../../../test-output/triage');
const shot = async (page: Page, name: string) => {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
};

describe('the coordinator’s triage, in headless Chromium', () => {
  // Web-form complaints are received "now": this file's now is a date of its own (see the harness).
  const intake = useIntakeApp('triagebrowser', { now: () => new Date('2034-10-17T10:00:00+08:00') });
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  const PASSWORD = 'amber-otter-3917';
  const numbers: string[] = [];

  const settled = (number: string) => eventually(() => intake.temporal().workflow.getHandle(`complaint-${number}`).query(getStateQuery), (s) => s.idle === true);
  async function act(action: string, fill: (form: ReturnType<Page['locator']>) => Promise<void>) {
    const box = page.locator(`details[data-action="${action}"]`);
    if (!(await box.evaluate((el) => el.hasAttribute('open')))) await box.locator('summary').click();
    const form = box.locator('form');
    await fill(form);
    await form.locator('button[type=submit]').click();
  }

  beforeAll(async () => {
    const accounts = createAccountModels(intake.models().Complaint.db as unknown as mongoose.Connection);
    await addUser(accounts, { username: 'li', displayName: '李协调', role: 'coordinator', password: PASSWORD });
    for (const [dealerCode, description] of [['SH002', '保养后车内有油污'], ['SH001', '广告：低价配件，加微信']]) {
      const { body } = await request(intake.app()).post('/api/complaints').send({ ...validComplaint(), dealerCode, description }).expect(201);
      await settled(body.number);
      numbers.push(body.number);
    }
    server = await listen(intake.app(), 0, '127.0.0.1');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    page = await signedInPage(browser, base, 'li', PASSWORD);
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('shows the web form’s complaints in the 待派工 queue with the dealer each customer named, not yet charged to it', async () => {
    await page.click('a[data-queue=qDispatch]');
    for (const number of numbers) await page.locator(`a[href="/complaints/${number}"]`).waitFor();
    const named = await page.locator('[data-named-dealer]').allInnerTexts();
    expect(named.sort()).toEqual(['客户指定 SH001', '客户指定 SH002']);
    await shot(page, 'triage-queue');
  });

  it('dispatches one to the dealer the customer named, chosen for the coordinator', async () => {
    await page.goto(`${base}/complaints/${numbers[0]}`);
    await page.locator('[data-facts]').getByText('客户指定服务商').waitFor();
    expect(await page.locator('[data-dispatch-due]').innerText()).toMatch(/\d{2}:\d{2}/);
    await page.locator('details[data-action="dispatch"] summary').click();
    expect(await page.locator('details[data-action="dispatch"] select[name=dealerCode]').inputValue()).toBe('SH002');
    await shot(page, 'triage-dispatch');
    await act('dispatch', (form) => form.locator('textarea[name=suggestion]').fill('先联系客户致歉并安排清洁'));
    await page.locator('[data-history] tr[data-event=dispatched]').waitFor();
    expect(await settled(numbers[0]!)).toMatchObject({ status: 'awaiting_acknowledgement', dealerCode: 'SH002', kpi: { dispatchedOnTime: true } });
  });

  it('marks the other invalid with its reason: the history keeps who and why', async () => {
    await page.goto(`${base}/complaints/${numbers[1]}`);
    await act('invalidate', async (form) => {
      await form.locator('select[name=why]').selectOption('spam');
      await form.locator('textarea[name=detail]').fill('广告');
    });
    await page.locator('[data-history] tr[data-event=invalidated]').waitFor();
    await page.locator('[data-facts]').getByText('无效').first().waitFor();
    expect(await page.locator('[data-history] tr[data-event=invalidated]').innerText()).toContain('垃圾信息: 广告');
    await shot(page, 'triage-invalidated');
    expect(await intake.temporal().workflow.getHandle(`complaint-${numbers[1]}`).query(getStateQuery)).toMatchObject({ status: 'invalid', closeReason: '垃圾信息: 广告' });
  });

  it('reclassifies the dispatched one: the form shows what the customer picked, and only the change is sent', async () => {
    await page.goto(`${base}/complaints/${numbers[0]}`);
    await page.locator('details[data-action="classify"] summary').click();
    const form = page.locator('details[data-action="classify"] form');
    expect(await form.locator('select[name=category]').inputValue()).toBe('product_quality');
    await form.locator('select[name=category]').selectOption('service_process');
    await form.locator('textarea[name=reason]').fill('油污来自保养操作，属服务流程问题');
    await shot(page, 'classify-form');
    await form.locator('button[type=submit]').click();
    await page.locator('[data-history] tr[data-event=classified]').waitFor();
    expect(await page.locator('[data-history] tr[data-event=classified]').innerText()).toContain('服务流程');
    await shot(page, 'classified');
    const state = await settled(numbers[0]!);
    expect(state.facts).toMatchObject({ kind: 'complaint', category: 'service_process' });
    expect(state.events.at(-1)).toMatchObject({ type: 'classified', data: { to: { kind: 'complaint', category: 'service_process', severity: 'minor' } } });
  });
});
