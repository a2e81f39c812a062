// The whole loop as its users see it, on the whole stack as `npm start` runs it (Temporal dev server
// with its Web UI, FerretDB, maildev, the three services as processes): a customer files a complaint
// from the web form; operations find its workflow in the Temporal UI by ComplaintStatus; the dealer
// confirms, contacts and replies in the console, each signed in with a password; the coordinator asks for closure; the call
// center's follow-up finds the customer satisfied, and the complaint is closed. Screenshots of each
// step go to test-output/screenshots/e2e-*.png.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import mongoose from 'mongoose';
import { addUser, createAccountModels, signToken, type Principal } from '@complaints/runtime';
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

  const PASSWORD = 'e2e-saffron-7715';
  /** A person of the role, with a password, in the stack's database (as `npm run cli -- user add` makes one). */
  async function addPerson(username: string, claims: Claims) {
    const connection = await mongoose.createConnection(stack.env.MONGO_URL!).asPromise();
    try {
      await addUser(createAccountModels(connection), { username, ...claims, password: PASSWORD } as Parameters<typeof addUser>[1]);
    } finally {
      await connection.close();
    }
  }

  /** Signs in at /login with a password, then opens the complaint's page in the console. */
  async function signIn(page: Page, pathname: string, username: string) {
    await page.goto(stack.url('intake', '/login'));
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/complaints/);
    await page.goto(stack.url('intake', pathname));
    await page.locator('[data-facts]').waitFor();
  }

  /** Opens an action's form on the complaint's page. */
  async function openAction(page: Page, action: string) {
    const box = page.locator(`details[data-action="${action}"]`);
    if (!(await box.evaluate((el) => el.hasAttribute('open')))) await box.locator('summary').click();
    return `details[data-action="${action}"] form`;
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
    // Anyone can fill in the public form: it waits for the coordinator (SPEC §3.2).
    await temporalUiList(page, 'ComplaintStatus="awaiting_dispatch"', workflowId, true);
    statSync(await screenshot(page, 'e2e-2-temporal-ui-filter'));
    await temporalUiList(page, 'ComplaintStatus="closed"', workflowId, false);

    // The coordinator dispatches it from the console, to the dealer the customer named.
    const coordinator = await browser.newPage({ locale: 'zh-CN' });
    await addPerson('e2e.coordinator', { role: 'coordinator' });
    await signIn(coordinator, `/complaints/${number}`, 'e2e.coordinator');
    const dispatch = await openAction(coordinator, 'dispatch');
    expect(await coordinator.inputValue(`${dispatch} select[name=dealerCode]`)).toBe('SH001');
    await coordinator.click(`${dispatch} button[type=submit]`);
    await coordinator.locator('[data-facts]').getByText('待服务商确认').waitFor();
    await coordinator.close();
    await temporalUiList(page, 'DealerCode="SH001" AND ComplaintStatus="awaiting_acknowledgement"', workflowId, true);

    await page.getByRole('link', { name: workflowId }).first().click();
    await page.getByText(/Running/).first().waitFor();
    statSync(await screenshot(page, 'e2e-3-temporal-ui-workflow'));
    await page.close();
  });

  it('the dealer confirms, records the contact and replies with the cause and parts in the console', async () => {
    const page = await browser.newPage({ locale: 'zh-CN' });
    await addPerson('e2e.sh001', { role: 'dealer', dealerCode: 'SH001' });
    await signIn(page, `/complaints/${number}`, 'e2e.sh001');
    await page.click(`${await openAction(page, 'acknowledge')} button[type=submit]`);
    await page.locator('details[data-action=reply]').waitFor();
    const contact = await openAction(page, 'contact');
    await page.fill(`${contact} textarea[name=note]`, '已致电客户，约定明日到店检查天窗');
    await page.click(`${contact} button[type=submit]`);
    await page.locator('[data-history]').getByText('服务商联系客户').waitFor();
    const reply = await openAction(page, 'reply');
    await page.fill(`${reply} textarea[name=text]`, '更换天窗排水管与密封条，淋水试验无渗漏，客户认可');
    await page.check(`${reply} input[name=final]`);
    await page.fill(`${reply} textarea[name=cause]`, '天窗排水管脱落');
    await page.selectOption(`${reply} select[name=qualityDefect]`, 'true');
    await page.fill(`${reply} input[name=partsReplaced]`, '天窗排水管, 天窗密封条');
    await page.click(`${reply} button[type=submit]`);
    await page.locator('[data-facts]').getByText('待申请关闭').waitFor();
    statSync(await screenshot(page, 'e2e-4-dealer-replied'));
    await page.close();
  });

  it('the coordinator asks for closure, the call center finds the customer satisfied, and the complaint is closed', async () => {
    const coordinator = await browser.newPage({ locale: 'zh-CN' });
    await signIn(coordinator, `/complaints/${number}`, 'e2e.coordinator');
    const closure = await openAction(coordinator, 'request-closure');
    await coordinator.fill(`${closure} textarea[name=note]`, '服务商已完成整改');
    await coordinator.click(`${closure} button[type=submit]`);
    await coordinator.waitForSelector('details[data-action=request-closure]', { state: 'detached' });
    await coordinator.close();

    const callCenter = await browser.newPage({ locale: 'zh-CN' });
    await addPerson('e2e.callcenter', { role: 'call_center' });
    await signIn(callCenter, `/complaints/${number}`, 'e2e.callcenter');
    const followUp = await openAction(callCenter, 'follow-up');
    await callCenter.selectOption(`${followUp} select[name=outcome]`, 'satisfied');
    await callCenter.selectOption(`${followUp} select[name=overall]`, '5');
    await callCenter.fill(`${followUp} textarea[name=note]`, '回访：客户表示满意');
    await callCenter.click(`${followUp} button[type=submit]`);
    await callCenter.locator('[data-facts]').getByText('已闭环').waitFor();
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
