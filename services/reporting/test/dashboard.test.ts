import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { statSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { CATEGORIES, CHANNELS } from '@complaints/shared';
import { createLogger, listen, signToken } from '@complaints/runtime';
import { createApp } from '../src/app';
import { launchBrowser, screenshot } from '../../../test/browser';
import { useTestDatabase } from '../../../test/database';

// The dashboard in headless Chromium, over a read model written as the workflows write it.
describe('the scorecard dashboard', () => {
  const { config, mongo, models } = useTestDatabase({ directory: 'dash' });
  let server: Server;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    const dealers = ['SH001', 'SH002', 'BJ002'];
    // Six months of complaints; October 2030 is the month on show. Dealer i gets 3 + i×2 a month.
    const docs = [];
    for (const month of ['2030-05', '2030-06', '2030-07', '2030-08', '2030-09', '2030-10']) {
      for (const [d, dealerCode] of dealers.entries()) {
        for (let i = 0; i < 3 + d * 2; i++) {
          const closed = (i + d) % 3 !== 0;
          docs.push({
            _id: `C${month.replace('-', '')}01-${dealerCode}-${i}`,
            workflowId: 'w',
            kind: 'complaint',
            category: CATEGORIES[i % 4],
            severity: 'minor',
            channel: CHANNELS[i % 2 === 0 ? 0 : 6],
            status: closed ? 'closed' : 'awaiting_reply',
            dealerCode,
            attributedDealerCode: dealerCode,
            region: dealerCode.startsWith('SH') ? 'east' : 'north',
            receivedAt: new Date(`${month}-0${1 + (i % 9)}T10:00:00+08:00`),
            closedAt: closed ? `${month}-15T10:00:00+08:00` : undefined,
            kpi: { repliedOnTime: i % 4 !== 1, contactedOnTime: true, firstTimeClosure: closed, followUps: closed ? 1 : 0, falseReplies: 0, unreachable: false, ratings: closed ? { overall: 3 + (i % 3), attitude: 4 } : null },
          });
        }
      }
    }
    await models().Complaint.insertMany(docs);
    // A dealer with no complaints at all: still on the dashboard (SPEC §6: every dealer, every month).
    await models().Dealer.create({ _id: 'SH003', name: '上海嘉定 3S 店', region: 'east', contacts: [{ email: 'sh003@test.local' }] });
    const app = createApp({ mongo: mongo(), temporal: undefined as never, logger: createLogger('dash', 'silent'), models: models(), secret: config.AUTH_SECRET });
    server = await listen(app, 0, '127.0.0.1');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** Signs in as a coordinator (a machine token) and chooses October 2030, the month on show. */
  async function showOctober(page: Page): Promise<void> {
    const token = await signToken(config.AUTH_SECRET, { sub: 'c', role: 'coordinator' });
    await page.goto(`${base}/dashboard`);
    await page.fill('#token', token);
    await page.click('#signin-form button');
    await page.fill('#month', '2030-10');
    await page.dispatchEvent('#month', 'change');
    await page.waitForSelector('body[data-loaded="2030-10"]');
  }

  it('shows the month’s scorecards with charts, sorts and filters them, and exports CSV', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await showOctober(page);

    const rows = page.locator('#scorecards tbody tr');
    expect(await rows.count()).toBe(4); // SH003 had no complaints and is listed all the same
    // BJ002: 7 complaints, replies on time for all but i = 1 and 5 → 5/7.
    const cell = async (dealer: string, key: string) => {
      const index = await page.locator('#scorecards thead th').evaluateAll((ths, k) => ths.findIndex((th) => th.getAttribute('data-key') === k), key);
      return page.locator(`#scorecards tbody tr[data-dealer="${dealer}"] td`).nth(index);
    };
    expect(await (await cell('BJ002', 'complaints')).textContent()).toBe('7');
    expect(await (await cell('BJ002', 'replyOnTime')).textContent()).toBe('71.4% (5/7)');
    expect(await (await cell('BJ002', 'quota')).textContent()).toBe('无数据'); // no service visits imported: no quota
    expect(await (await cell('BJ002', 'eligible')).getAttribute('title')).toContain('✗ within_quota: no service visits recorded');
    // The contact rate is named by the month's policy (24 hours by default), not by the page.
    expect(await page.locator('#scorecards th[data-key="contactWithin24h"]').textContent()).toBe('24小时联系率');
    // SPEC §6: a month not frozen says so, with its freeze.
    expect(await page.locator('#month-status').textContent()).toBe('暂定 provisional · 2030-11-10 06:00 冻结 freezes');
    // SH003: no complaints, within any quota, eligible: the policy's ¥2,000.
    expect(await (await cell('SH003', 'complaints')).textContent()).toBe('0');
    expect(await (await cell('SH003', 'replyOnTime')).textContent()).toBe('无数据');
    expect(await (await cell('SH003', 'eligible')).textContent()).toBe('是');
    expect(await (await cell('SH003', 'amountDue')).textContent()).toBe('¥2,000');
    // BJ002's closed complaints (i = 0, 2, 3, 5, 6) rated overall 3, 5, 3, 5, 3: 19/5 = 3.80.
    expect(await (await cell('BJ002', 'ratingOverall')).textContent()).toBe('3.80 (5)');
    // By region, for finance: east SH001, SH002 (open complaints: not eligible) and SH003 (eligible); ratings
    // SH001 i = 1, 2 → 4, 5 and SH002 i = 0, 1, 3, 4 → 3, 4, 3, 4: 23/6 = 3.83.
    expect(await page.locator('#regions tbody tr[data-region="east"] td').allTextContents()).toEqual(['east', '3', '1', '¥2,000', '¥0', '3.83 (6)']);
    expect(await page.locator('#regions tfoot td').nth(1).textContent()).toBe('4');
    // The charts were drawn with the data: six months of trend, four dealers ranked, four categories.
    expect(await page.evaluate("['trend', 'ranking', 'categories'].map((id) => Chart.getChart(document.getElementById(id)).data.labels.length)")).toEqual([6, 4, 4]);
    statSync(await screenshot(page, 'reporting-dashboard'));

    await page.click('th[data-key="complaints"]');
    await page.click('th[data-key="complaints"]'); // descending
    expect(await rows.first().getAttribute('data-dealer')).toBe('BJ002');
    await page.selectOption('#region', 'east');
    expect(await rows.count()).toBe(3);
    await page.fill('#dealer', 'SH002');
    expect(await rows.count()).toBe(1);

    const download = page.waitForEvent('download');
    await page.click('#csv');
    const file = await (await download).path();
    const csv = (await import('node:fs')).readFileSync(file);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.toString('utf8')).toContain('2030-10,BJ002,北京海淀 3S 店,north,,all,7,');
    await page.close();
  });

  it('keeps the month chosen last when the answer for the month shown first comes after it', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // The month the page opens on answers slowly (a month whose aggregates are being built).
    await page.route('**/api/reports/scorecard?*', async (route) => {
      if (!route.request().url().includes('month=2030-10')) await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await showOctober(page);
    await page.waitForTimeout(2500); // the first month's answer has come meanwhile
    expect(await page.getAttribute('body', 'data-loaded')).toBe('2030-10');
    expect(await page.locator('#scorecards tbody tr').count()).toBe(4);
    expect(await page.inputValue('#month')).toBe('2030-10');
    await page.close();
  });
});
