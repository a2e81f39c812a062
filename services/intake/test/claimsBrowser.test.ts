import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import mongoose from 'mongoose';
import request from 'supertest';
import { getStateQuery } from '@complaints/workflows';
import { addUser, createAccountModels, listen, signToken } from '@complaints/runtime';
import { launchBrowser, signedInPage } from '../../../test/browser';
import { eventually, validComplaint } from '../../../test/support';
import { useIntakeApp } from './harness';

// SPEC §3.10 in the console: the dealer files a special claim on its major complaint's page with the
// documents it has; the coordinator's claims queue shows what is missing, refuses to approve it
// until the documents are in, and rejects or approves with the amount.
const SHOTS = path.resolve(__dirname, '../../../test-output/claims');
const shot = async (page: Page, name: string) => {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
};

describe('special claims, in headless Chromium', () => {
  const intake = useIntakeApp('claimsbrowser', { now: () => new Date('2034-12-06T10:00:00+08:00') });
  let server: Server;
  let base: string;
  let browser: Browser;
  let dealer: Page;
  let coordinator: Page;
  let number: string;
  const PASSWORD = 'amber-otter-3917';
  const files = path.join(os.tmpdir(), `claims-${process.pid}`);
  mkdirSync(files, { recursive: true });
  const pdf = (name: string) => {
    const file = path.join(files, name);
    writeFileSync(file, `%PDF-1.4\n% ${name}\n`);
    return file;
  };

  beforeAll(async () => {
    const accounts = createAccountModels(intake.models().Complaint.db as unknown as mongoose.Connection);
    await addUser(accounts, { username: 'li', displayName: '李协调', role: 'coordinator', password: PASSWORD });
    await addUser(accounts, { username: 'chen', displayName: '陈服务', role: 'dealer', dealerCode: 'SH001', password: PASSWORD });
    const staff = `Bearer ${await signToken(intake.config.AUTH_SECRET, { sub: 'li', role: 'coordinator' })}`;
    const { body } = await request(intake.app()).post('/api/complaints').set('authorization', staff).send({ ...validComplaint(), channel: 'hotline', severity: 'major' }).expect(201);
    number = body.number;
    await eventually(() => intake.temporal().workflow.getHandle(`complaint-${number}`).query(getStateQuery), (s) => s.idle === true);
    server = await listen(intake.app(), 0, '127.0.0.1');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    dealer = await signedInPage(browser, base, 'chen', PASSWORD);
    coordinator = await signedInPage(browser, base, 'li', PASSWORD);
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('the dealer files a special claim on its major complaint with the documents it has; the missing ones are named', async () => {
    await dealer.goto(`${base}/complaints/${number}`);
    await dealer.locator('details[data-action="file-claim"] summary').click();
    const form = dealer.locator('form[data-form="file-claim"]');
    await form.locator('select[name=type]').selectOption('special');
    await form.locator('input[name=amount]').fill('3000');
    await form.locator('textarea[name=description]').fill('与客户协商补偿代步车费用三天');
    await form.locator('input[name="doc:vehicle_licence"]').setInputFiles(pdf('行驶证.pdf'));
    await form.locator('input[name="doc:owner_id"]').setInputFiles(pdf('身份证.pdf'));
    await shot(dealer, 'claim-form');
    await form.locator('button[type=submit]').click();
    const row = dealer.locator('[data-claims] tr[data-claim]');
    await row.waitFor();
    expect(await row.locator('[data-missing]').getAttribute('data-missing')).toBe('purchase_invoice,agreement');
    await shot(dealer, 'claim-filed');
  });

  it('the coordinator’s queue shows it; approving is refused while documents are missing, and the dealer adds them', async () => {
    await coordinator.goto(`${base}/claims`);
    const row = coordinator.locator('tr[data-claim]').first();
    await row.waitFor();
    await row.locator('details[data-action="approve-claim"] summary').click();
    await row.locator('details[data-action="approve-claim"] input[name=amount]').fill('2500');
    await row.locator('details[data-action="approve-claim"] button[type=submit]').click();
    await row.locator('[data-refusal]').waitFor();
    expect(await row.locator('[data-refusal]').innerText()).toContain('材料不全，不能批准：尚缺购车发票复印件、与用户签订的协议原件、收条');
    await shot(coordinator, 'claims-queue-refused');

    await dealer.reload();
    const add = dealer.locator('details[data-action="claim-documents"]');
    await add.locator('summary').click();
    await add.locator('input[name="doc:purchase_invoice"]').setInputFiles(pdf('发票.pdf'));
    await add.locator('input[name="doc:agreement"]').setInputFiles(pdf('协议.pdf'));
    await add.locator('button[type=submit]').click();
    await dealer.locator('[data-missing=""]').waitFor();
  });

  it('the coordinator approves it for less than claimed; the dealer sees the decision', async () => {
    await coordinator.reload();
    const row = coordinator.locator('tr[data-claim]').first();
    await row.locator('details[data-action="approve-claim"] summary').click();
    await row.locator('details[data-action="approve-claim"] input[name=amount]').fill('2500');
    await row.locator('details[data-action="approve-claim"] button[type=submit]').click();
    // Decided, it leaves the queue of claims to decide.
    await coordinator.locator('tr[data-claim]').waitFor({ state: 'detached' });
    await coordinator.locator('button[data-tab=all]').click();
    await coordinator.locator('tr[data-status=approved]').waitFor();
    await shot(coordinator, 'claims-queue-approved');
    await dealer.reload();
    await dealer.locator('tr[data-status=approved]').waitFor();
    expect(await dealer.locator('tr[data-status=approved]').innerText()).toContain('2,500');
    const [stored] = await intake.models().Claim.find({ number }).lean();
    expect(stored).toMatchObject({ status: 'approved', approvedAmount: 2500, decidedBy: 'coordinator:li' });
  });
});
