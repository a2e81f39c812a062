import { mkdirSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import mongoose from 'mongoose';
import { getStateQuery } from '@complaints/workflows';
import { addUser, createAccountModels, listen, signToken } from '@complaints/runtime';
import { launchBrowser } from '../../../test/browser';
import { eventually } from '../../../test/support';
import { useIntakeApp } from './harness';

// Every role's daily work on a complaint, in the console, in headless Chromium, each signed in
// with a password: the closed loop from dispatch to the satisfied follow-up, and the
// coordinator's reassignment, upgrade and forced closure from the complaint's page.
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);
const SHOTS = path.resolve(__dirname, '../../../test-output/console');
async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return statSync(file);
}

describe('the console, in headless Chromium', () => {
  const intake = useIntakeApp('console', { now: () => new Date('2031-03-18T09:30:00+08:00') });
  let server: Server;
  let base: string;
  let browser: Browser;
  const PASSWORD = 'teal-heron-4821';
  let number: string;

  beforeAll(async () => {
    const accounts = createAccountModels(intake.models().Complaint.db as unknown as mongoose.Connection);
    await addUser(accounts, { username: 'li', displayName: '李协调', role: 'coordinator', password: PASSWORD });
    await addUser(accounts, { username: 'wang', displayName: '王客服', role: 'call_center', password: PASSWORD });
    await addUser(accounts, { username: 'chen', displayName: '陈经理', role: 'dealer', dealerCode: 'SH001', password: PASSWORD });
    await addUser(accounts, { username: 'zhao', displayName: '赵片区', role: 'regional_manager', region: 'east', password: PASSWORD });
    await addUser(accounts, { username: 'hq1', displayName: 'HQ Analyst', role: 'hq', password: PASSWORD, language: 'en' });
    server = await listen(intake.app(), 0, '127.0.0.1');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function signIn(username: string, locale = 'zh-CN'): Promise<Page> {
    const page = await browser.newPage({ locale, viewport: { width: 1360, height: 900 } });
    await page.goto(`${base}/login`);
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/complaints/);
    await page.locator('[data-who]').waitFor();
    return page;
  }

  /** Opens an action's form on the complaint's page, fills it, presses its button. */
  async function act(page: Page, action: string, fill: (form: ReturnType<Page['locator']>) => Promise<void> = async () => {}) {
    const box = page.locator(`details[data-action="${action}"]`);
    if (!(await box.evaluate((el) => el.hasAttribute('open')))) await box.locator('summary').click();
    const form = box.locator('form');
    await fill(form);
    await form.locator('button[type=submit]').click();
  }

  const status = (page: Page, text: string) => page.locator('[data-facts]').getByText(text).first().waitFor();
  const state = () => intake.temporal().workflow.getHandle(`complaint-${number}`).query(getStateQuery);

  /** A complaint from the public web form, without a dealer: it waits for the coordinator. */
  async function webForm(description: string, dealerCode = ''): Promise<string> {
    const form = new FormData();
    for (const [k, v] of Object.entries({ kind: 'complaint', 'customer.name': '王五', 'customer.phone': '13700137000', dealerCode, category: 'service_process', description, request: '道歉' })) form.append(k, v);
    const res = await fetch(`${base}/`, { method: 'POST', body: form, redirect: 'manual' });
    expect(res.status).toBe(303);
    const created = res.headers.get('location')!.match(/C\d{8}-\d{4}/)![0];
    await eventually(() => intake.models().Complaint.findById(created).lean(), (doc) => Boolean(doc?.history?.length));
    // SPEC §3.2: a web-form complaint waits for the coordinator, who dispatches it to the dealer the customer named.
    if (dealerCode) {
      const coordinator = await signToken(intake.config.AUTH_SECRET, { sub: 'li', role: 'coordinator' });
      const dispatched = await fetch(`${base}/api/complaints/${created}/dispatch`, { method: 'POST', headers: { authorization: `Bearer ${coordinator}`, 'content-type': 'application/json' }, body: JSON.stringify({ dealerCode }) });
      expect(dispatched.status).toBe(200);
    }
    return created;
  }

  it('the coordinator finds a new web-form complaint in its awaiting-dispatch queue and dispatches it with a suggestion', async () => {
    number = await webForm('保养后车内有油污，服务顾问不予处理');
    await eventually(() => intake.models().Complaint.findById(number).lean(), (doc) => doc?.status === 'awaiting_dispatch');
    const page = await signIn('li');
    expect(await page.textContent('[data-who]')).toContain('协调员');
    await page.click('a[data-queue=qDispatch]');
    await page.waitForURL(/status=awaiting_dispatch/);
    const row = page.locator(`tr[data-row="${number}"]`);
    await row.waitFor();
    expect(await page.textContent('a[data-queue=qDispatch] .count')).toBe('1');
    expect(await row.textContent()).toContain('待派工');
    await shot(page, 'coordinator-complaints');

    await row.locator('a').first().click();
    await page.waitForURL(new RegExp(`/complaints/${number}$`));
    await status(page, '待派工');
    expect(await page.textContent('[data-facts]')).toContain('13700137000'); // the coordinator handles the customer
    await act(page, 'dispatch', async (form) => {
      await form.locator('select[name=dealerCode]').selectOption('SH001');
      await form.locator('textarea[name=suggestion]').fill('请先电话致歉，约客户到店清洁');
    });
    await status(page, '待服务商确认');
    expect(await page.textContent('[data-history]')).toContain('派工');
    await shot(page, 'coordinator-complaint-dispatched');
    expect((await state()).dealerCode).toBe('SH001');
    await page.close();
  });

  it('the dealer confirms, contacts the customer and replies, from its work orders', async () => {
    const page = await signIn('chen');
    expect(await page.textContent('h1')).toBe('我的工单');
    const row = page.locator(`tr[data-row="${number}"]`);
    await row.waitFor();
    expect(await row.textContent()).toMatch(/\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}/); // reply due, Beijing time
    await shot(page, 'dealer-complaints');
    await row.locator('a').first().click();
    await status(page, '待服务商确认');
    await act(page, 'acknowledge');
    await page.locator('details[data-action=contact]').waitFor();
    await act(page, 'contact', (form) => form.locator('textarea[name=note]').fill('已电话联系客户，约定周三到店'));
    await page.locator('[data-history] tr[data-event=customer_contacted]').waitFor();
    await act(page, 'reply', async (form) => {
      await form.locator('textarea[name=text]').fill('已为客户清洁车辆内饰，服务经理当面致歉');
      await form.locator('input[name=final]').check();
    });
    await status(page, '待申请关闭');
    expect(await page.textContent('.banner.ok')).toContain('已完成');
    await shot(page, 'dealer-complaint-replied');

    // A photo of the result, added while the complaint is open: listed with who added it.
    await act(page, 'attachments', async (form) => {
      await form.locator('input[name=files]').setInputFiles({ name: '清洁后.png', mimeType: 'image/png', buffer: PNG });
      await form.locator('textarea[name=note]').fill('清洁后的内饰照片');
    });
    await page.locator('[data-files]').getByText('清洁后.png').waitFor();
    expect(await page.textContent('[data-files]')).toContain('dealer:chen');
    expect((await state()).kpi).toMatchObject({ repliedOnTime: true, contactedOnTime: true });
    await page.close();
  });

  it('the coordinator requests closure; the call center records an unsatisfied follow-up with its method and ratings', async () => {
    const coordinator = await signIn('li');
    await coordinator.goto(`${base}/complaints/${number}`);
    await act(coordinator, 'request-closure', (form) => form.locator('textarea[name=note]').fill('服务商已处理完毕'));
    await status(coordinator, '待回访');
    await coordinator.close();

    const page = await signIn('wang');
    await page.goto(`${base}/follow-ups`);
    const row = page.locator(`tr[data-row="${number}"]`);
    await row.waitFor();
    expect(await row.locator('[data-phone]').textContent()).toBe('13700137000');
    expect(await row.textContent()).toMatch(/\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}/); // when the call is due
    await shot(page, 'callcenter-follow-ups');
    await row.locator('a').first().click();
    await status(page, '待回访');
    await act(page, 'follow-up', async (form) => {
      await form.locator('select[name=outcome]').selectOption('unsatisfied');
      await form.locator('select[name=method]').selectOption('phone');
      await form.locator('select[name=serviceQuality]').selectOption('2');
      await form.locator('select[name=attitude]').selectOption('3');
      await form.locator('select[name=priceCheck]').selectOption('4');
      await form.locator('select[name=overall]').selectOption('2');
      await form.locator('textarea[name=shortcomings]').fill('油污未清理干净');
    });
    await status(page, '待服务商回复');
    await shot(page, 'callcenter-complaint-unsatisfied');
    const followUp = (await state()).events.find((e) => e.type === 'follow_up_unsatisfied' || (e.data as { outcome?: string } | undefined)?.outcome === 'unsatisfied');
    expect(followUp?.data).toMatchObject({ method: 'phone', ratings: { serviceQuality: 2, attitude: 3, priceCheck: 4, overall: 2 } });
    await page.close();
  });

  it('the dealer replies again; after the closure request the call center’s satisfied follow-up closes it', async () => {
    const dealer = await signIn('chen');
    await dealer.goto(`${base}/complaints/${number}`);
    await act(dealer, 'reply', async (form) => {
      await form.locator('textarea[name=text]').fill('再次深度清洁，客户到店确认');
      await form.locator('input[name=final]').check();
    });
    await status(dealer, '待申请关闭');
    await dealer.close();

    const coordinator = await signIn('li');
    await coordinator.goto(`${base}/complaints/${number}`);
    await act(coordinator, 'request-closure');
    await status(coordinator, '待回访');
    await coordinator.close();

    const page = await signIn('wang');
    await page.goto(`${base}/complaints/${number}`);
    await act(page, 'follow-up', async (form) => {
      await form.locator('select[name=outcome]').selectOption('satisfied');
      await form.locator('select[name=method]').selectOption('wechat');
      await form.locator('select[name=overall]').selectOption('5');
    });
    await status(page, '已闭环');
    expect(await page.textContent('[data-actions]')).toContain('当前状态下您没有需要执行的操作');
    await shot(page, 'callcenter-complaint-closed');
    expect((await state()).status).toBe('closed');
    await page.close();
  });

  it('the regional manager sees it in the region’s list, without the customer; HQ sees the escalated list, in English', async () => {
    const rm = await signIn('zhao');
    await rm.click('a[data-queue=qAll]');
    const row = rm.locator(`tr[data-row="${number}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('已闭环');
    await shot(rm, 'rm-complaints');
    await row.locator('a').first().click();
    await status(rm, '已闭环');
    expect(await rm.textContent('[data-facts]')).not.toContain('13700137000');
    await rm.close();

    // A complaint the escalation clock escalated (its read-model flag, as the workflow records it).
    const escalated = await webForm('三次维修未解决，客户要求总部介入', 'SH002');
    // Once the read model holds every event the workflow has recorded (the receipt and what follows
    // it at once): a projection still under way would write the workflow's own flag over it.
    const recorded = async () => (await intake.temporal().workflow.getHandle(`complaint-${escalated}`).query(getStateQuery)).events.length;
    await eventually(
      async () => ({ doc: await intake.models().Complaint.findById(escalated).lean(), events: await recorded() }),
      ({ doc, events }) => doc?.status === 'awaiting_dispatch' && doc.eventCount === events,
    );
    await intake.models().Complaint.updateOne({ _id: escalated }, { $set: { escalated: true } });
    const hq = await signIn('hq1', 'en-GB');
    expect(await hq.textContent('h1')).toBe('Complaints');
    await hq.click('a[data-queue=qEscalated]');
    await hq.waitForURL(/escalated=true/);
    await hq.locator(`tr[data-row="${escalated}"]`).waitFor();
    expect(await hq.locator('tbody tr').count()).toBe(1);
    expect(await hq.textContent('[data-total]')).toBe('1 in all');
    await shot(hq, 'hq-complaints-escalated');
    await hq.close();
  });

  it('the call center records a phone complaint on the staff form, its field errors in Chinese', async () => {
    const page = await signIn('wang');
    await page.goto(`${base}/complaints/new`);
    await page.locator('form[data-form=new-complaint]').waitFor();
    await page.selectOption('select[name=channel]', 'hotline');
    await page.selectOption('select[name=category]', 'product_quality');
    await page.fill('input[name="customer.name"]', '孙七');
    await page.fill('input[name="customer.phone"]', 'not a phone');
    await page.selectOption('select[name=dealerCode]', 'SH001');
    await page.fill('textarea[name=description]', '空调不制冷，已修两次');
    await page.click('form[data-form=new-complaint] button[type=submit]');
    await page.locator('[data-error="customer.phone"]').waitFor();
    expect(await page.textContent('[data-error="customer.phone"]')).toBe('请填写有效的电话号码');
    await shot(page, 'callcenter-complaint-new-error');
    await page.fill('input[name="customer.phone"]', '13900139000');
    await page.click('form[data-form=new-complaint] button[type=submit]');
    await page.waitForURL(/\/complaints\/C\d{8}-\d{4}$/);
    await page.locator('[data-facts]').waitFor();
    expect(await page.textContent('[data-facts]')).toContain('热线');
    await page.close();
  });

  it('the coordinator reassigns, upgrades and force-closes from the page; a stale page shows the refusal beside the button', async () => {
    const other = await webForm('店内等待时间过长', 'SH001');
    await eventually(() => intake.models().Complaint.findById(other).lean(), (doc) => doc?.status === 'awaiting_acknowledgement');
    const page = await signIn('li');
    const stale = await signIn('li');
    await page.goto(`${base}/complaints/${other}`);
    await stale.goto(`${base}/complaints/${other}`);
    await status(page, '待服务商确认');
    await status(stale, '待服务商确认');

    await act(page, 'reassign', async (form) => {
      await form.locator('select[name=dealerCode]').selectOption('SH002');
      await form.locator('textarea[name=reason]').fill('客户改去闵行店');
      // Which dealer it counts against is the coordinator's explicit choice: nothing is chosen for them.
      expect(await form.locator('select[name=countAgainstPrevious]').inputValue()).toBe('');
      await form.locator('select[name=countAgainstPrevious]').selectOption('true');
    });
    await page.locator('[data-history] tr[data-event=reassigned]').waitFor();
    expect(await page.textContent('[data-facts]')).toContain('SH002');

    await act(page, 'upgrade', (form) => form.locator('textarea[name=reason]').fill('客户投诉至媒体'));
    await page.locator('[data-history] tr[data-event=upgraded_to_major]').waitFor();
    await page.locator('details[data-action=upgrade]').waitFor({ state: 'detached' });

    // The other tab still offers the upgrade: the workflow refuses it, and says why, in Chinese.
    await act(stale, 'upgrade', (form) => form.locator('textarea[name=reason]').fill('重复操作'));
    await stale.locator('details[data-action=upgrade] [data-refusal]').waitFor();
    expect(await stale.textContent('details[data-action=upgrade] [data-refusal]')).toBe('该投诉已是重大投诉');
    await shot(stale, 'coordinator-complaint-refused');

    await act(page, 'force-close', (form) => form.locator('textarea[name=reason]').fill('客户撤诉'));
    await status(page, '强制闭环');
    await shot(page, 'coordinator-complaint-force-closed');
    const closed = await intake.temporal().workflow.getHandle(`complaint-${other}`).query(getStateQuery);
    expect(closed.status).toBe('force_closed');
    expect(closed.severity).toBe('major');
    expect(closed.dealerCode).toBe('SH002');
    await page.close();
    await stale.close();
  });

  it('a major complaint: the coordinator acknowledges it; the dealer, in English, files the written report with its document; a stale page’s refusal in Chinese', async () => {
    const major = await webForm('发动机起火，客户要求赔偿', 'SH001');
    await eventually(() => intake.models().Complaint.findById(major).lean(), (doc) => doc?.status === 'awaiting_acknowledgement');
    const coordinator = await signIn('li');
    await coordinator.goto(`${base}/complaints/${major}`);
    await act(coordinator, 'upgrade', (form) => form.locator('textarea[name=reason]').fill('涉及安全'));
    await coordinator.locator('[data-history] tr[data-event=upgraded_to_major]').waitFor();
    await act(coordinator, 'acknowledge-major', (form) => form.locator('textarea[name=note]').fill('已通知片区经理'));
    await coordinator.locator('details[data-action=acknowledge-major]').waitFor({ state: 'detached' });
    expect(await coordinator.textContent('[data-clocks]')).toContain('重大投诉确认');
    expect(await coordinator.textContent('[data-clocks]')).not.toMatch(/重大投诉确认尚未/);
    await coordinator.close();

    const dealer = await signIn('chen');
    const stale = await signIn('chen');
    await dealer.click('[data-lang-switch]');
    await dealer.locator('h1', { hasText: 'My work orders' }).waitFor();
    await dealer.goto(`${base}/complaints/${major}`);
    await stale.goto(`${base}/complaints/${major}`);
    await dealer.locator('h1', { hasText: `Complaint ${major}` }).waitFor();
    await status(stale, '待服务商确认');
    await act(dealer, 'acknowledge');
    await status(dealer, 'awaiting the dealer’s reply');
    await act(stale, 'acknowledge');
    await stale.locator('details[data-action=acknowledge] [data-refusal]').waitFor();
    expect(await stale.textContent('details[data-action=acknowledge] [data-refusal]')).toBe('投诉当前为「待服务商回复」，不能确认');
    await stale.close();

    await act(dealer, 'attachments', (form) => form.locator('input[name=files]').setInputFiles({ name: 'report.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n') }));
    await dealer.locator('[data-files]').getByText('report.pdf').waitFor();
    await act(dealer, 'written-report', async (form) => {
      await form.locator('textarea[name=summary]').fill('Root cause: a chafed fuel line; replaced, inspected, customer compensated.');
      await form.locator('input[type=checkbox]').first().check();
    });
    await dealer.locator('[data-history] tr[data-event=written_report]').waitFor();
    expect(await dealer.textContent('[data-history] tr[data-event=written_report]')).toContain('The dealer filed the written report');
    expect(await dealer.textContent('[data-history] tr[data-event=upgraded_to_major]')).toContain('Upgraded to major: 涉及安全');
    expect(await dealer.textContent('[data-clocks]')).not.toContain('Not yet due'); // the report is in
    await shot(dealer, 'dealer-complaint-major-report-en');
    const report = (await intake.models().Complaint.findById(major).lean())!.history!.find((e) => e.type === 'written_report')!;
    expect((report.data as { attachmentIds: string[] }).attachmentIds).toHaveLength(1);
    await dealer.close();
  });

  it('the call center records an unreachable call: the attempt is counted on the page and in the follow-up list', async () => {
    const coordinatorToken = await signToken(intake.config.AUTH_SECRET, { sub: 'li', role: 'coordinator' });
    const dealerToken = await signToken(intake.config.AUTH_SECRET, { sub: 'chen', role: 'dealer', dealerCode: 'SH001' });
    const unreachable = await webForm('喷漆色差', 'SH001');
    await eventually(() => intake.models().Complaint.findById(unreachable).lean(), (doc) => doc?.status === 'awaiting_acknowledgement');
    const post = async (action: string, token: string, body: object) => {
      const res = await fetch(`${base}/api/complaints/${unreachable}/${action}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
    };
    await post('acknowledge', dealerToken, {});
    await post('reply', dealerToken, { text: '已重新喷漆', final: true });
    await post('request-closure', coordinatorToken, {});
    await eventually(() => intake.models().Complaint.findById(unreachable).lean(), (doc) => doc?.status === 'awaiting_follow_up');

    const page = await signIn('wang');
    await page.goto(`${base}/complaints/${unreachable}`);
    expect(await page.textContent('[data-attempts]')).toBe('0');
    await act(page, 'follow-up', async (form) => {
      await form.locator('select[name=outcome]').selectOption('unreachable');
      await form.locator('select[name=method]').selectOption('phone');
    });
    await page.locator('[data-history] tr[data-event=follow_up_attempt]').waitFor();
    expect(await page.textContent('[data-attempts]')).toBe('1');
    await status(page, '待回访');
    await page.goto(`${base}/follow-ups`);
    const row = page.locator(`tr[data-row="${unreachable}"]`);
    await row.waitFor();
    expect(await row.locator('td').nth(-2).textContent()).toBe('1');
    await page.close();
  });

  it('keeps a list’s filters and sorting in the address: a filter chosen on the page is linkable, and Back returns to the list before it', async () => {
    await webForm('等待时间长', 'SH002');
    const [everything, forceClosed] = await Promise.all([intake.models().Complaint.countDocuments({}), intake.models().Complaint.countDocuments({ status: 'force_closed' })]);
    const page = await signIn('li');
    await page.click('a[data-queue=qAll]');
    await page.waitForURL(/status=$/);
    const ready = () => page.locator('[data-list=complaints][data-state=ready]').waitFor();
    await ready();
    const all = Number(await page.getAttribute('[data-total]', 'data-total'));
    expect(all).toBe(everything);
    await page.selectOption('select[name=status]', 'force_closed');
    await page.waitForURL(/status=force_closed/);
    await ready();
    expect(Number(await page.getAttribute('[data-total]', 'data-total'))).toBe(forceClosed);
    expect(await page.locator('tbody tr').count()).toBe(forceClosed);
    await page.click('th a[data-sort=receivedAt]');
    await page.waitForURL(/sort=receivedAt/);
    await page.goBack();
    await page.waitForURL((url) => !url.search.includes('sort='));
    await page.goBack();
    await page.waitForURL(/status=$/);
    await ready();
    expect(Number(await page.getAttribute('[data-total]', 'data-total'))).toBe(all);
    expect(await page.inputValue('select[name=status]')).toBe('');
    await shot(page, 'coordinator-complaints-all');
    await page.close();
  });
});
