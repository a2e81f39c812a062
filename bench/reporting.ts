// The reporting scenario of `npm run bench`: one month's scorecard over 100,000 complaints of 500
// dealers read from the aggregates (target <= 1 s), beside the full recompute from the complaints
// and one raw read of the month in the same run; and the dashboard's whole first load at that
// scale (cards, ranking, categories, six months' trend) in headless Chromium (target <= 2 s).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SingleBar, Presets } from 'cli-progress';
import { CATEGORIES, CHANNELS } from '@complaints/shared';
import { createLogger, listen, signToken } from '@complaints/runtime';
import { rebuildMonthAggregates } from '@complaints/activities';
import { chromium } from 'playwright-core';
import { createApp } from '@complaints/reporting/src/app';
import { computeScorecards } from '@complaints/reporting/src/scorecards';
import { type Row } from './rows';
import type { ManagedProcess } from '../scripts/lib/stack';
import { BENCH_REGIONS, benchDatabase } from './fixtures';

const COMPLAINTS = Number(process.env.BENCH_SCORECARD_COMPLAINTS ?? 100_000);
const DEALERS = Number(process.env.BENCH_SCORECARD_DEALERS ?? 500);
const MONTH = '2030-01';
const BATCH = 1000;

export async function benchReporting(dir: string): Promise<{ rows: Row[]; ratio: number; dashboardSeconds: number }> {
  const procs: ManagedProcess[] = [];
  let server: Server | undefined;
  try {
    const { ferret, mongo, models, codes } = await benchDatabase(dir, 'reporting', DEALERS);
    procs.push(ferret);

    // The month's complaints as the workflows project them: facts and KPI facts, no history.
    const bar = new SingleBar({ format: 'seeding complaints [{bar}] {percentage}% | {value}/{total} | {eta}s left', hideCursor: true }, Presets.shades_classic);
    bar.start(COMPLAINTS, 0);
    for (let start = 0; start < COMPLAINTS; start += BATCH) {
      const docs = Array.from({ length: Math.min(BATCH, COMPLAINTS - start) }, (_, k) => {
        const i = start + k;
        const closed = i % 5 !== 0;
        const day = 1 + (i % 28);
        return {
          _id: `C${MONTH.replace('-', '')}${String(day).padStart(2, '0')}-${String(i).padStart(6, '0')}`,
          workflowId: 'bench',
          kind: i % 17 === 0 ? 'repair_request' : 'complaint',
          category: CATEGORIES[i % 4],
          severity: 'minor',
          channel: CHANNELS[i % 7],
          status: closed ? 'closed' : 'awaiting_reply',
          dealerCode: codes[i % DEALERS],
          attributedDealerCode: codes[i % DEALERS],
          region: BENCH_REGIONS[(i % DEALERS) % 4],
          receivedAt: new Date(`${MONTH}-${String(day).padStart(2, '0')}T10:00:00+08:00`),
          closedAt: closed ? `${MONTH}-28T10:00:00+08:00` : undefined,
          eventCount: 6,
          kpi: { repliedOnTime: i % 9 !== 0, contactedOnTime: true, closedWithinDeadline: closed, firstTimeClosure: closed && i % 11 !== 0, followUps: closed ? 1 : 0, falseReplies: i % 97 === 0 ? 1 : 0, unreachable: false, unsatisfied: 0, forcedClosure: false },
        };
      });
      await models.Complaint.collection.insertMany(docs as never[], { ordered: false });
      bar.update(start + docs.length);
    }
    bar.stop();

    // The full recompute, building the month's aggregates from its complaints (`scorecard rebuild`);
    // the trend's five earlier months too, as an operator does once after an upgrade.
    const t0 = performance.now();
    await rebuildMonthAggregates(models, MONTH);
    const rebuild = (performance.now() - t0) / 1000;
    for (const m of ['2029-08', '2029-09', '2029-10', '2029-11', '2029-12']) await rebuildMonthAggregates(models, m);

    const secret = randomUUID();
    server = await listen(createApp({ mongo, temporal: undefined as never, logger: createLogger('bench', 'silent'), models, secret }), 0, '127.0.0.1');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const url = `${base}/api/reports/scorecard?month=${MONTH}&format=csv`; // every dealer at once: the JSON list is paged
    const token = await signToken(secret, { sub: 'bench', role: 'coordinator' });

    // Each measured twice, the better kept: the first read also warms FerretDB's caches.
    const time = async (fn: () => Promise<unknown>) => {
      let best = Infinity;
      for (let i = 0; i < 2; i++) {
        const t = performance.now();
        await fn();
        best = Math.min(best, performance.now() - t);
      }
      return best / 1000;
    };
    const range = { receivedAt: { $gte: new Date(`${MONTH}-01T00:00:00+08:00`), $lt: new Date('2030-02-01T00:00:00+08:00') } };
    const raw = await time(() => models.Complaint.collection.find(range).toArray());
    const recompute = await time(() => computeScorecards(models, MONTH, 'complaints'));
    let dealers = 0;
    const scorecard = await time(async () => {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`scorecard answered ${res.status}`);
      dealers = (await res.text()).split('\n').filter((line) => line.includes(',all,')).length; // CSV: a line per dealer and scope
    });

    // The dashboard as a coordinator opens it: a fresh page, signed in, until every chart is drawn.
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'] });
    let dashboard: number;
    try {
      dashboard = await time(async () => {
        const context = await browser.newContext();
        await context.addInitScript((t) => (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem('complaints.token', t), token);
        const page = await context.newPage();
        await page.goto(`${base}/dashboard?month=${MONTH}`);
        await page.waitForSelector(`body[data-loaded="${MONTH}"]`, { timeout: 120_000 });
        const error = await page.textContent('#error');
        if (error) throw new Error(`the dashboard said: ${error}`);
        await context.close();
      });
    } finally {
      await browser.close();
    }
    await mongo.close();
    const rows: Row[] = [
      { scenario: 'reporting: raw read of a month', variant: `${COMPLAINTS} complaint documents, one find`, operations: COMPLAINTS, seconds: Number(raw.toFixed(2)), perSecond: Math.round(COMPLAINTS / raw) },
      { scenario: 'reporting: full recompute', variant: `scoring the month's ${COMPLAINTS} complaints, ${DEALERS} dealers`, operations: COMPLAINTS, seconds: Number(recompute.toFixed(2)), perSecond: Math.round(COMPLAINTS / recompute) },
      { scenario: 'reporting: scorecard rebuild', variant: `aggregates of the month from its complaints (cli scorecard rebuild)`, operations: COMPLAINTS, seconds: Number(rebuild.toFixed(2)), perSecond: Math.round(COMPLAINTS / rebuild) },
      { scenario: 'reporting: monthly scorecard', variant: `GET /api/reports/scorecard from aggregates, ${dealers} dealers (target <= 1 s)`, operations: COMPLAINTS, seconds: Number(scorecard.toFixed(2)), perSecond: Math.round(COMPLAINTS / scorecard) },
      { scenario: 'reporting: dashboard first load', variant: `Chromium, cards + ranking + categories + 6-month trend (target <= 2 s)`, operations: 1, seconds: Number(dashboard.toFixed(2)), perSecond: Number((1 / dashboard).toFixed(2)) },
    ];
    return { rows, ratio: Number((scorecard / recompute).toFixed(3)), dashboardSeconds: Number(dashboard.toFixed(2)) };
  } finally {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    for (const proc of procs.reverse()) await proc.stop();
  }
}
