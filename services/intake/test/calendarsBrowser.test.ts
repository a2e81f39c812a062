import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import mongoose from 'mongoose';
import { createDigestActivities } from '@complaints/activities';
import { addUser, createAccountModels, createLogger, listen } from '@complaints/runtime';
import { createDirectNotifier } from '@complaints/notifier/src/direct';
import { launchBrowser, signedInPage } from '../../../test/browser';
import { address, mailbox } from '../../../test/support';
import { useIntakeApp } from './harness';

// SPEC §4: in December, without next year's calendar, the coordinator is told where they look (the
// console's banner, the daily digest) until it is loaded; and loads it from the console: edited as
// rows, refused beside the row at fault, checked with its difference from the version in force.
const SHOTS = path.resolve(__dirname, '../../../test-output/calendars');
const shot = async (page: Page, name: string) => {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
};

const DECEMBER_7 = new Date('2026-12-07T02:00:00Z'); // 10:00 in Beijing

describe('the calendars page and the missing-calendar warnings, in headless Chromium', () => {
  const intake = useIntakeApp('calbrowser', { now: () => DECEMBER_7 });
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  let notifier: ReturnType<typeof createDirectNotifier>;
  const PASSWORD = 'amber-finch-5820';

  /** The coordinator's daily digest of a day, as the 08:00 schedule sends it, and its text in the sink. */
  async function digest(date: string) {
    const digests = createDigestActivities({ models: intake.models(), sendNotification: notifier.sendNotification });
    await digests.sendCoordinatorDigest(`${date}T00:00:00Z`);
    const to = address('coordinator', intake.tag);
    const mails = await mailbox.waitFor(to, 1);
    const mail = (await mailbox.to(to)).find((m) => m.subject.includes(date));
    expect(mails.length).toBeGreaterThan(0);
    return mail!.text;
  }

  beforeAll(async () => {
    const accounts = createAccountModels(intake.models().Complaint.db as unknown as mongoose.Connection);
    await addUser(accounts, { username: 'li', displayName: '李协调', role: 'coordinator', password: PASSWORD });
    notifier = createDirectNotifier({ config: intake.config, models: intake.models(), logger: createLogger('notifier-test', 'silent') });
    server = await listen(intake.app(), 0, '127.0.0.1');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    page = await signedInPage(browser, base, 'li', PASSWORD);
  });
  afterAll(async () => {
    notifier?.close();
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('warns the coordinator in December, in the console and in the daily digest, that 2027 has no calendar', async () => {
    const banner = page.locator('[data-calendar-warning]');
    await banner.waitFor();
    expect(await banner.innerText()).toContain('尚未载入 2027 年的工作日历');
    await shot(page, 'banner');
    expect(await digest('2026-12-07')).toContain('尚未载入 2027 年的工作日历');
  });

  it('refuses a make-up day on a weekday beside its row, and saves nothing', async () => {
    await page.click('[data-calendar-warning] a');
    await page.waitForSelector('[data-calendar-editor]');
    await page.fill('[data-field=version] input', '2027.1');
    await page.fill('[data-field=source] input', '国务院办公厅关于2027年部分节假日安排的通知');
    await page.click('[data-add=holidays]');
    await page.fill('[data-cell="holidays.0.name"] input', '元旦');
    await page.fill('[data-cell="holidays.0.from"] input', '2027-01-01');
    await page.fill('[data-cell="holidays.0.to"] input', '2027-01-03');
    await page.click('[data-add=holidays]');
    await page.fill('[data-cell="holidays.1.name"] input', '春节');
    await page.fill('[data-cell="holidays.1.from"] input', '2027-02-06');
    await page.fill('[data-cell="holidays.1.to"] input', '2027-02-12');
    await page.click('[data-add=makeUpWorkdays]');
    await page.fill('[data-cell="makeUpWorkdays.0.name"] input', '春节调休');
    await page.fill('[data-cell="makeUpWorkdays.0.date"] input', '2027-02-19'); // a Friday
    await page.click('[data-save]');
    const error = page.locator('[data-cell="makeUpWorkdays.0.date"] .error');
    await error.waitFor();
    expect(await error.innerText()).toContain('调休上班日应为周六或周日');
    expect(await page.locator('[data-calendar-editor] [data-refusal]').innerText()).toBe('请改正标出的字段');
    await shot(page, 'validation-error');
    expect(await intake.models().Calendar.exists({ _id: 2027 })).toBeNull();
  });

  it('checks the corrected calendar with its difference from the version in force, saves it, and shows it', async () => {
    await page.fill('[data-cell="makeUpWorkdays.0.date"] input', '2027-02-20'); // a Saturday
    await page.click('[data-check]');
    const diff = page.locator('[data-diff]');
    await diff.waitFor();
    expect(await diff.innerText()).toContain('2027-02-20 春节调休');
    // "Try this version first": the draft goes to the what-if in the address's fragment, never to a server but its own run.
    const tryIt = decodeURIComponent((await page.locator('[data-calendar-editor] [data-try-what-if]').getAttribute('href')) ?? '');
    expect(JSON.parse(tryIt.split('#calendar=')[1]!)).toMatchObject({ year: 2027, version: '2027.1', makeUpWorkdays: [{ date: '2027-02-20' }] });
    await shot(page, 'diff');
    await page.click('[data-save]');
    await page.waitForSelector('[data-calendar-view="2027.1"]');
    expect(await page.locator('[data-versions] [data-row="2027.1"]').innerText()).toContain('coordinator:li');
    await page.locator('[data-calendar-warning]').waitFor({ state: 'detached' });
    await shot(page, 'view');
    expect(await intake.models().Calendar.findById(2027).lean()).toMatchObject({ version: '2027.1', loadedBy: 'coordinator:li' });
  });

  it('no longer warns once 2027 is loaded: neither the console nor the next digest', async () => {
    await page.goto(`${base}/complaints`);
    await page.waitForSelector('[data-list]');
    await page.waitForLoadState('networkidle');
    expect(await page.locator('[data-calendar-warning]').count()).toBe(0);
    expect(await digest('2026-12-08')).not.toContain('工作日历');
  });

  it('edits a new version from the one in force, and names a version loaded before with other days', async () => {
    await page.goto(`${base}/calendars?year=2027`);
    await page.click('[data-edit]');
    await page.waitForSelector('[data-calendar-editor]');
    await page.fill('[data-field=version] input', '2027.1');
    await page.fill('[data-cell="holidays.0.to"] input', '2027-01-01');
    await page.click('[data-save]');
    const error = page.locator('[data-field=version] .error');
    await error.waitFor();
    expect(await error.innerText()).toContain('新的版本号');
  });
});
