import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { addUser, createAccountModels, createLogger, listen, startSession } from '@complaints/runtime';
import { createApp } from '../src/app';
import { useTestDatabase } from '../../../test/database';
import { launchBrowser, screenshot } from '../../../test/browser';
import { eventually } from '../../../test/support';

// The console's what-if page in Chromium, against the real reporting app and database: the director's
// question (a 36-hour reply clock, a 2-day closure deadline) answered on the page, in zh and en.
describe('the what-if page', () => {
  const { config, mongo, models } = useTestDatabase({ rules: true, directory: 'whatif-page' });
  let server: Server;
  let base: string;
  let browser: Browser;

  const complaint = (number: string, dealerCode: string, day: string) => {
    const at = (h: number) => new Date(new Date(`${day}T10:00:00+08:00`).getTime() + h * 3_600_000);
    const history = (
      [
        ['received', 0],
        ['dispatched', 0],
        ['acknowledged', 1],
        ['customer_contacted', 2],
        ['replied', 27],
        ['closure_requested', 48],
        ['closed', 74],
      ] as const
    ).map(([type, h], i) => ({ id: `${number}:${i + 1}`, sequence: i + 1, type, at: at(h), by: 'x', summary: type, data: {} }));
    return {
      _id: number, workflowId: number, kind: 'complaint', category: 'service_process', severity: 'minor', channel: 'hotline', status: 'closed', dealerCode, attributedDealerCode: dealerCode,
      receivedAt: at(0), closedAt: at(74).toISOString(), policyVersion: '2025.1', eventCount: history.length, history,
      kpi: { acknowledgedOnTime: true, repliedOnTime: false, contactedOnTime: true, closedWithinDeadline: true, firstTimeClosure: true, followUps: 1, falseReplies: 0, unsatisfied: 0, unreachable: false },
    };
  };

  beforeAll(async () => {
    await models().Complaint.insertMany([complaint('C20301111-0001', 'SH001', '2030-11-11'), complaint('C20301111-0002', 'SH002', '2030-11-11')]);
    await models().ServiceVisits.insertMany(['SH001', 'SH002'].flatMap((code) => ['2030-07', '2030-08', '2030-09'].map((month) => ({ _id: `${code}:${month}`, dealerCode: code, month, visits: 150 }))));
    server = await listen(createApp({ mongo: mongo(), temporal: undefined as never, logger: createLogger('whatif-page', 'silent'), models: models(), secret: config.AUTH_SECRET }), 0, '127.0.0.1');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it.each(['zh', 'en'])('runs a proposal and shows the flips, the chart by region and the reasons on click (%s)', async (language) => {
    // Signed in as HQ: a real session of the accounts intake's /login opens (the cookie is the host's).
    const accounts = createAccountModels(mongo());
    const username = `director.${language}`;
    await addUser(accounts, { username, role: 'hq', password: 'violet-harbour-42', displayName: '总部', language: language as 'zh' | 'en' });
    const { cookie } = await startSession(accounts, username, new Date());
    const context = await browser.newContext({ viewport: { width: 1300, height: 1100 } });
    await context.addCookies([{ name: 'complaints_session', value: cookie, url: base }]);
    const page = await context.newPage();
    await page.goto(`${base}/what-if?lang=${language}`);
    await page.fill('[name="from"]', '2030-11');
    await page.fill('[name="to"]', '2030-11');
    await page.fill('[name="reply.hours"]', '36');
    await page.fill('[name="closure.days"]', '2');
    await page.click('form[data-form="what-if"] button[type="submit"]');
    await page.waitForSelector('[data-result]');
    const summary = await page.textContent('[data-summary]');
    expect(summary).toContain(language === 'zh' ? '2 个费用支持资格改变' : '2 of');
    expect(summary).toContain('-4,000');
    expect(await page.locator('[data-result] tr.flip').count()).toBe(2);
    // Chart.js drew the regions' bars (it keeps its chart on the canvas).
    // Asked from here, not polled in the page: the page's Content Security Policy allows no eval.
    const drawn = () => page.evaluate<boolean>('Boolean(window.Chart && window.Chart.getChart(document.querySelector(\'canvas[data-chart="regions"]\')))');
    await eventually(drawn, (yes) => yes);
    await page.locator('[data-result] tr[data-dealer="SH001"]').click();
    const reasons = await page.textContent('[data-reasons]');
    expect(reasons).toContain('C20301111-0001');
    expect(reasons).toMatch(/repliedOnTime: false → true — reply at 27 h/);
    expect(reasons).toMatch(/closedWithinDeadline: true → false/);
    await screenshot(page, `what-if-${language}`);

    // A bad number is named beside its field, as a policy load would name it.
    await page.fill('[name="reply.hours"]', '-5');
    await page.click('form[data-form="what-if"] button[type="submit"]');
    await page.waitForSelector('[role="alert"]');
    await context.close();
  }, 60_000);
});
