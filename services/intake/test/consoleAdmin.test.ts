import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import mongoose from 'mongoose';
import { addUser, createAccountModels, createLogger, listen, verifyPassword, type AccountModels } from '@complaints/runtime';
import { createApp as createReportingApp } from '@complaints/reporting/src/app';
import { launchBrowser, signedInPage } from '../../../test/browser';
import { eventually } from '../../../test/support';
import { useIntakeApp } from './harness';

// The coordinator's administration in the console, in headless Chromium, signed in with a
// password: the directory, service visits and penalties (on reporting, the same sign-in), users
// and machine tokens. Each page's refusals are shown where they belong.
const SHOTS = path.resolve(__dirname, '../../../test-output/console');
const shot = async (page: Page, name: string) => {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
};

describe('the coordinator’s administration pages, in headless Chromium', () => {
  const intake = useIntakeApp('consoleadmin');
  let servers: Server[] = [];
  let base: string;
  let reportingBase: string;
  let browser: Browser;
  let page: Page;
  let accounts: AccountModels;
  const PASSWORD = 'teal-heron-4821';

  beforeAll(async () => {
    accounts = createAccountModels(intake.models().Complaint.db as unknown as mongoose.Connection);
    await addUser(accounts, { username: 'li', displayName: '李协调', role: 'coordinator', password: PASSWORD });
    await intake.models().Complaint.create({ _id: 'C20301110-0007', workflowId: 'w', kind: 'complaint', category: 'service_process', severity: 'major', channel: 'hotline', status: 'closed', dealerCode: 'SH001', attributedDealerCode: 'SH001', receivedAt: new Date('2030-11-10T10:00:00+08:00') });
    const intakeServer = await listen(intake.app(), 0, '127.0.0.1');
    base = `http://127.0.0.1:${(intakeServer.address() as AddressInfo).port}`;
    // Reporting on its own port of the same host: the sign-in at intake serves it too.
    const reportingPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    reportingBase = `http://127.0.0.1:${reportingPort}`;
    const reporting = createReportingApp({ mongo: intake.mongo(), temporal: intake.temporal(), logger: createLogger('reporting-test', 'silent'), models: intake.models(), secret: intake.config.AUTH_SECRET, intakeBaseUrl: base, reportingBaseUrl: reportingBase });
    servers = [intakeServer, await listen(reporting, reportingPort, '127.0.0.1')];
    browser = await launchBrowser();
    page = await signedInPage(browser, base, 'li', PASSWORD);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('edits the directory: a bad mailbox is refused beside its field and nothing changes; corrected, it is saved', async () => {
    await page.goto(`${base}/directory`);
    const row = page.locator('tr[data-row="SH002"]');
    await row.locator('input[name=name]').fill('上海闵行 4S 店（新址）');
    await row.locator('textarea[name=contacts]').fill('not-an-address zh');
    await page.locator('[data-save-directory]').first().click();
    await row.locator('[data-error=contacts]').waitFor();
    expect(await page.locator('[data-refusal]').first().innerText()).toContain('SH002 · 联系人邮箱：邮箱地址不正确');
    expect((await intake.models().Dealer.findById('SH002').lean())!.name).toBe('上海闵行 4S 店');
    await shot(page, 'coordinator-directory-refused');

    await row.locator('textarea[name=contacts]').fill('minhang@dealer.test en 闵行售后');
    await page.locator('[data-save-directory]').first().click();
    await page.getByText('已保存').first().waitFor();
    const saved = (await intake.models().Dealer.findById('SH002').lean())!;
    expect(saved.name).toBe('上海闵行 4S 店（新址）');
    expect(saved.contacts).toEqual([expect.objectContaining({ email: 'minhang@dealer.test', language: 'en', name: '闵行售后' })]);
    await shot(page, 'coordinator-directory');
  });

  it('imports service visits on reporting: a bad line is refused with its line number shown beside the upload; a good file is counted', async () => {
    await page.goto(`${reportingBase}/service-visits?month=2030-10`);
    await page.locator('[data-who]').waitFor();
    await page.fill('textarea[name=csv]', 'dealerCode,month,visits\nSH001,2030-10,150\nSH002,2030-13,90\n');
    await page.click('form[data-form=service-visits] button[type=submit]');
    const problem = page.locator('[data-problem="line 3.month"]');
    await problem.waitFor();
    expect(await problem.innerText()).toMatch(/第 3 行/);
    expect(await intake.models().ServiceVisits.countDocuments()).toBe(0);
    await shot(page, 'coordinator-service-visits-refused');

    await page.fill('textarea[name=csv]', 'dealerCode,month,visits\nSH001,2030-10,150\nSH002,2030-10,90\n');
    await page.click('form[data-form=service-visits] button[type=submit]');
    await page.getByText('已导入 2 行').waitFor();
    await page.locator('[data-list=service-visits] [data-total="2"]').waitFor();
    expect(await intake.models().ServiceVisits.countDocuments()).toBe(2);
    await shot(page, 'coordinator-service-visits');
  });

  it('records a penalty on reporting: an amount outside the policy is refused beside the field, then one within is listed', async () => {
    await page.goto(`${reportingBase}/penalties`);
    const form = page.locator('form[data-form=penalty]');
    await form.locator('input[name=dealerCode]').fill('SH001');
    await form.locator('input[name=month]').fill('2030-11');
    await form.locator('select[name=kind]').selectOption('amount');
    await form.locator('input[name=amount]').fill('500');
    await form.locator('input[name=complaintNumber]').fill('C20301110-0007');
    await form.locator('textarea[name=reason]').fill('虚假回复');
    await form.locator('button[type=submit]').click();
    await form.locator('[data-error=amount]').waitFor();
    expect(await form.locator('[data-error=amount]').innerText()).toMatch(/1000–10000/);
    await shot(page, 'coordinator-penalties-refused');
    await form.locator('input[name=amount]').fill('3000');
    await form.locator('button[type=submit]').click();
    await page.getByText('已登记处罚：SH001 2030-11 罚款 ¥3,000').waitFor();
    await page.locator('[data-list=penalties] tbody tr').first().getByText('¥3,000').waitFor();
    expect(await intake.models().Penalty.countDocuments({ dealerCode: 'SH001', amount: 3000 })).toBe(1);
    await shot(page, 'coordinator-penalties');
  });

  it('adds a user with a one-time password shown once, and deactivates it', async () => {
    await page.goto(`${base}/users`);
    await page.locator('details[data-action=add-user] summary').click();
    const form = page.locator('form[data-form=add-user]');
    await form.locator('input[name=username]').fill('wu.min');
    await form.locator('input[name=displayName]').fill('吴敏');
    await form.locator('select[name=role]').selectOption('dealer');
    await form.locator('select[name=dealerCode]').selectOption('SH002');
    await form.locator('button[type=submit]').click();
    const secret = page.locator('[data-secret-value]');
    await secret.waitFor();
    const oneTime = (await secret.innerText()).trim();
    const stored = await accounts.User.findById('wu.min').lean();
    expect(stored).toMatchObject({ role: 'dealer', dealerCode: 'SH002', mustChangePassword: true });
    expect(await verifyPassword(stored!.passwordHash, oneTime)).toBe(true);
    await page.locator('tr[data-row="wu.min"]').waitFor();
    await shot(page, 'coordinator-users-added');

    await page.locator('[data-deactivate="wu.min"]').click();
    await page.locator('tr[data-row="wu.min"]').getByText('已停用').waitFor();
    await eventually(() => accounts.User.findById('wu.min').lean(), (u) => u?.active === false);
    await shot(page, 'coordinator-users');
  });

  it('issues a machine token shown once, and revokes it with a reason', async () => {
    await page.goto(`${base}/tokens`);
    await page.locator('details[data-action=issue-token] summary').click();
    await page.locator('[data-token-role]').selectOption('hotline');
    const form = page.locator('form[data-form=issue-token]');
    await form.locator('input[name=subject]').fill('hotline-400');
    await form.locator('input[name=days]').fill('400');
    await form.locator('button[type=submit]').click();
    await form.locator('[data-error=days]').waitFor();
    expect(await form.locator('[data-error=days]').innerText()).toMatch(/366/);
    await form.locator('input[name=days]').fill('366');
    await form.locator('button[type=submit]').click();
    const token = (await page.locator('[data-secret-value]').inputValue()).trim();
    expect(token.split('.')).toHaveLength(3);
    const row = page.locator('[data-list=tokens] tbody tr').first();
    await row.getByText('hotline-400').waitFor();
    await shot(page, 'coordinator-tokens-issued');
    const res = await fetch(`${base}/api/dealers`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(403); // a valid hotline token, which may not list dealers

    await row.locator('[data-revoke]').click();
    const revoke = page.locator('form[data-form=revoke-token]');
    await revoke.locator('textarea[name=reason]').fill('合同终止');
    await revoke.locator('button[type=submit]').click();
    await page.locator('[data-list=tokens] tbody tr').first().getByText('已吊销').waitFor();
    expect((await fetch(`${base}/api/dealers`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    await shot(page, 'coordinator-tokens');
  });

  it('shows the pages in English when the user switches language', async () => {
    await page.goto(`${base}/users`);
    await page.locator('[data-lang-switch]').click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page.locator('details[data-action=add-user] summary').getByText('Add a user').waitFor();
    await page.locator('[data-list=users] tbody tr[data-row="wu.min"]').getByText('Deactivated').waitFor();
    await shot(page, 'coordinator-users-en');
    // The choice is kept per site (intake's and reporting's ports): the address names it here.
    await page.goto(`${reportingBase}/service-visits?lang=en`);
    await page.getByRole('heading', { name: 'Service visits' }).waitFor();
    await page.locator('form[data-form=service-visits]').getByText('Import').waitFor();
  });
});
