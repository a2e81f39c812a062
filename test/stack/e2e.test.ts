// The whole loop as its users see it, on the whole stack as `npm start` runs it (Temporal dev server
// with its Web UI, FerretDB, maildev, the three services as processes): a customer files a complaint
// from the web form; operations find its workflow in the Temporal UI by ComplaintStatus; the dealer
// confirms, contacts and replies on the work-order page; the coordinator asks for closure; the call
// center's follow-up finds the customer satisfied, and the complaint is closed. Screenshots of each
// step go to test-output/screenshots/e2e-*.png.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { signToken, type Principal } from '@complaints/runtime';
import { DEMO_DIRECTORY_FILE } from '@complaints/runtime/src/directory';
import { LocalStack } from '../../scripts/lib/stack';
import { launchBrowser, screenshot } from '../browser';
import { eventually } from '../support';

jest.setTimeout(180_000);

const AUTH_SECRET = 'e2e-auth-secret-0123456789';

describe('end to end, in headless Chromium and the Temporal UI', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'complaints-e2e-'));
  let stack: LocalStack;
  let browser: Browser;
  let number: string;

  beforeAll(async () => {
    stack = new LocalStack({
      dataDir,
      ports: await LocalStack.freePorts(),
      env: { ...process.env, AUTH_SECRET, HOTLINE_SECRET: 'e2e-hotline-secret-0123456789', DIRECTORY_FILE: DEMO_DIRECTORY_FILE, LOG_LEVEL: 'warn' },
    });
    await stack.startServers();
    await stack.startServices();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  type Claims = DistributiveOmit<Principal, 'sub'>;
  type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
  const token = (claims: Claims) => signToken(AUTH_SECRET, { sub: `e2e-${claims.role}`, ...claims } as Principal);

  async function signIn(page: Page, pathname: string, claims: Claims) {
    await page.goto(stack.url('intake', pathname));
    await page.fill('#token', await token(claims));
    await page.click('#signin-form button');
    await page.waitForSelector('#detail-title');
  }

  /** Opens the Temporal UI's workflow list filtered by a visibility query and checks that it lists the workflow, or lists none. */
  async function temporalUiList(page: Page, query: string, workflowId: string, expected: boolean): Promise<void> {
    await page.goto(stack.url('temporalUi', `/namespaces/default/workflows?query=${encodeURIComponent(query)}`));
    const link = page.getByRole('link', { name: workflowId });
    if (expected) {
      await link.first().waitFor({ timeout: 30_000 });
    } else {
      // The list has loaded and counts none (the heading reads "0 Workflows").
      await page.locator('h1').filter({ hasText: /^\s*0 Workflows/ }).waitFor({ timeout: 30_000 });
      expect(await link.count()).toBe(0);
    }
  }

  it('a customer files a complaint from the web form and gets its number', async () => {
    const page = await browser.newPage({ locale: 'zh-CN' });
    await page.goto(stack.url('intake', '/'));
    await page.selectOption('#f-kind', 'complaint');
    await page.fill('#f-customer\\.name', '赵六');
    await page.fill('#f-customer\\.phone', '13600136000');
    await page.fill('#f-vehicle\\.plate', '沪D66666');
    await page.fill('#f-vehicle\\.vin', 'LSVAU2180N2183294');
    await page.selectOption('#f-dealerCode', 'SH001');
    await page.selectOption('#f-category', 'product_quality');
    await page.fill('#f-description', '天窗漏水，已两次维修');
    await page.fill('#f-request', '彻底修复天窗');
    await page.click('button[type=submit]');
    await page.waitForSelector('#complaint-number');
    number = (await page.textContent('#complaint-number'))!.trim();
    expect(number).toMatch(/^C\d{8}-\d{4}$/);
    statSync(await screenshot(page, 'e2e-1-form-submitted'));
    await page.close();
  });

  it('operations find the workflow in the Temporal UI by its ComplaintStatus, and not under another', async () => {
    const page = await browser.newPage();
    const workflowId = `complaint-${number}`;
    await temporalUiList(page, 'ComplaintStatus="awaiting_acknowledgement"', workflowId, true);
    statSync(await screenshot(page, 'e2e-2-temporal-ui-filter'));
    await temporalUiList(page, 'ComplaintStatus="closed"', workflowId, false);
    await temporalUiList(page, 'DealerCode="SH001" AND ComplaintStatus="awaiting_acknowledgement"', workflowId, true);

    await page.getByRole('link', { name: workflowId }).first().click();
    await page.getByText(/Running/).first().waitFor();
    statSync(await screenshot(page, 'e2e-3-temporal-ui-workflow'));
    await page.close();
  });

  it('the dealer confirms, records the contact and replies with the cause and parts on the work-order page', async () => {
    const page = await browser.newPage({ locale: 'zh-CN' });
    await signIn(page, `/complaints/${number}`, { role: 'dealer', dealerCode: 'SH001' });
    await page.click('form[data-action=acknowledge] button');
    await page.waitForSelector('form[data-action=reply]');
    await page.fill('form[data-action=contact] textarea[name=note]', '已致电客户，约定明日到店检查天窗');
    await page.click('form[data-action=contact] button');
    await page.locator('#history').getByText('服务商联系客户').waitFor();
    await page.fill('form[data-action=reply] textarea[name=text]', '更换天窗排水管与密封条，淋水试验无渗漏，客户认可');
    await page.check('form[data-action=reply] input[name=final]');
    await page.fill('form[data-action=reply] textarea[name=cause]', '天窗排水管脱落');
    await page.selectOption('form[data-action=reply] select[name=qualityDefect]', 'true');
    await page.fill('form[data-action=reply] input[name=partsReplaced]', '天窗排水管, 天窗密封条');
    await page.click('form[data-action=reply] button');
    await page.locator('#detail-facts').getByText('待申请关闭').waitFor();
    statSync(await screenshot(page, 'e2e-4-dealer-replied'));
    await page.close();
  });

  it('the coordinator asks for closure, the call center finds the customer satisfied, and the complaint is closed', async () => {
    const coordinator = await browser.newPage({ locale: 'zh-CN' });
    await signIn(coordinator, `/complaints/${number}`, { role: 'coordinator' });
    await coordinator.fill('form[data-action=request-closure] textarea[name=note]', '服务商已完成整改');
    await coordinator.click('form[data-action=request-closure] button');
    await coordinator.waitForSelector('form[data-action=request-closure]', { state: 'detached' });
    await coordinator.close();

    const callCenter = await browser.newPage({ locale: 'zh-CN' });
    await signIn(callCenter, `/complaints/${number}`, { role: 'call_center' });
    await callCenter.selectOption('form[data-action=follow-up] select[name=outcome]', 'satisfied');
    await callCenter.fill('form[data-action=follow-up] textarea[name=note]', '回访：客户表示满意');
    await callCenter.click('form[data-action=follow-up] button');
    await callCenter.locator('#detail-facts').getByText('已闭环').waitFor();
    statSync(await screenshot(callCenter, 'e2e-5-closed'));
    await callCenter.close();

    // The read model and the Temporal UI agree that it is closed.
    const coordinatorToken = await token({ role: 'coordinator' });
    const detail = await eventually(
      async () => (await fetch(stack.url('intake', `/api/complaints/${number}`), { headers: { authorization: `Bearer ${coordinatorToken}` } })).json() as Promise<{ status: string }>,
      (body) => body.status === 'closed',
    );
    expect(detail.status).toBe('closed');
    const page = await browser.newPage();
    await temporalUiList(page, 'ComplaintStatus="closed"', `complaint-${number}`, true);
    statSync(await screenshot(page, 'e2e-6-temporal-ui-closed'));
    await temporalUiList(page, 'ComplaintStatus="awaiting_acknowledgement"', `complaint-${number}`, false);
    await page.close();
  });
});
