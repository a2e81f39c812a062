import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { statSync } from 'node:fs';
import type { Browser } from 'playwright-core';
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
            kpi: { repliedOnTime: i % 4 !== 1, contactedOnTime: true, firstTimeClosure: closed, followUps: closed ? 1 : 0, falseReplies: 0, unreachable: false },
          });
        }
      }
    }
    await models().Complaint.insertMany(docs);
    const app = createApp({ mongo: mongo(), temporal: undefined as never, logger: createLogger('dash', 'silent'), models: models(), secret: config.AUTH_SECRET });
    server = await listen(app, 0, '127.0.0.1');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('shows the month’s scorecards with charts, sorts and filters them, and exports CSV', async () => {
    const token = await signToken(config.AUTH_SECRET, { sub: 'c', role: 'coordinator' });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${base}/dashboard`);
    await page.fill('#token', token);
    await page.click('#signin-form button');
    await page.fill('#month', '2030-10');
    await page.dispatchEvent('#month', 'change');
    await page.waitForSelector('body[data-loaded="2030-10"]');

    const rows = page.locator('#scorecards tbody tr');
    expect(await rows.count()).toBe(3);
    // BJ002: 7 complaints, replies on time for all but i = 1 and 5 → 5/7.
    const bj = page.locator('#scorecards tbody tr[data-dealer="BJ002"] td');
    expect(await bj.nth(3).textContent()).toBe('7');
    expect(await bj.nth(4).textContent()).toBe('71.4% (5/7)');
    expect(await bj.nth(11).textContent()).toBe('无数据'); // no service visits imported: no quota
    expect(await bj.nth(12).getAttribute('title')).toContain('✗ within_quota: no service visits recorded');
    // The charts were drawn with the data: six months of trend, three dealers ranked, four categories.
    expect(await page.evaluate("['trend', 'ranking', 'categories'].map((id) => Chart.getChart(document.getElementById(id)).data.labels.length)")).toEqual([6, 3, 4]);
    statSync(await screenshot(page, 'reporting-dashboard'));

    await page.click('th[data-key="complaints"]');
    await page.click('th[data-key="complaints"]'); // descending
    expect(await rows.first().getAttribute('data-dealer')).toBe('BJ002');
    await page.selectOption('#region', 'east');
    expect(await rows.count()).toBe(2);
    await page.fill('#dealer', 'SH002');
    expect(await rows.count()).toBe(1);

    const download = page.waitForEvent('download');
    await page.click('#csv');
    const file = await (await download).path();
    const csv = (await import('node:fs')).readFileSync(file);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.toString('utf8')).toContain('2030-10,BJ002,北京海淀 3S 店,north,all,7,');
    await page.close();
  });
});
