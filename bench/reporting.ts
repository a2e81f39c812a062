// The reporting scenario of `npm run bench` (issue 8): one month's scorecard over 100,000
// complaints of 500 dealers, against reading that month's raw documents once (target <= 2x).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { SingleBar, Presets } from 'cli-progress';
import { CATEGORIES, CHANNELS } from '@complaints/shared';
import { connectMongo, createLogger, listen, signToken } from '@complaints/runtime';
import { createModels, saveDirectory, seedRules } from '@complaints/activities';
import { createApp } from '@complaints/reporting/src/app';
import { type Row } from './rows';
import { ManagedProcess, freePort, startFerret } from '../scripts/lib/stack';

const COMPLAINTS = Number(process.env.BENCH_SCORECARD_COMPLAINTS ?? 100_000);
const DEALERS = Number(process.env.BENCH_SCORECARD_DEALERS ?? 500);
const MONTH = '2030-01';
const BATCH = 1000;

export async function benchReporting(dir: string): Promise<{ rows: Row[]; ratio: number }> {
  const port = await freePort();
  const procs: ManagedProcess[] = [];
  let server: Server | undefined;
  try {
    procs.push(await startFerret({ port, dataDir: path.join(dir, 'reporting-ferretdb'), logFile: path.join(dir, 'reporting-ferretdb.log') }));
    const mongo = await connectMongo({ MONGO_URL: `mongodb://127.0.0.1:${port}/complaints` });
    const models = createModels(mongo);
    await Promise.all(Object.values(models).map((model) => model.init()));
    await seedRules(models);
    const codes = Array.from({ length: DEALERS }, (_, i) => `D${String(i).padStart(4, '0')}`);
    const mailbox = [{ email: 'bench@dealers.test', language: 'zh' as const }];
    await saveDirectory(models, {
      regions: ['east', 'north', 'south', 'west'].map((code) => ({ code, name: code, managers: mailbox })),
      dealers: codes.map((code, i) => ({ code, name: `服务商 ${code}`, region: ['east', 'north', 'south', 'west'][i % 4]!, contacts: mailbox, serviceStatus: 'active' as const })),
      roles: { coordinator: mailbox, coordinator_head: mailbox, call_center: mailbox, hq: mailbox },
    });

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
          region: ['east', 'north', 'south', 'west'][(i % DEALERS) % 4],
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

    const secret = randomUUID();
    server = await listen(createApp({ mongo, temporal: undefined as never, logger: createLogger('bench', 'silent'), models, secret }), 0, '127.0.0.1');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/reports/scorecard?month=${MONTH}&format=csv`; // every dealer at once: the JSON list is paged
    const token = await signToken(secret, { sub: 'bench', role: 'coordinator' });

    // Each measured twice, the better kept: the first read also warms FerretDB's caches.
    const time = async (fn: () => Promise<unknown>) => {
      let best = Infinity;
      for (let i = 0; i < 2; i++) {
        const t0 = performance.now();
        await fn();
        best = Math.min(best, performance.now() - t0);
      }
      return best / 1000;
    };
    const range = { receivedAt: { $gte: new Date(`${MONTH}-01T00:00:00+08:00`), $lt: new Date('2030-02-01T00:00:00+08:00') } };
    const raw = await time(() => models.Complaint.collection.find(range).toArray());
    let dealers = 0;
    const scorecard = await time(async () => {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`scorecard answered ${res.status}`);
      dealers = (await res.text()).trim().split('\n').length - 1; // CSV: a header line, then one line per dealer
    });
    await mongo.close();
    const rows: Row[] = [
      { scenario: 'reporting: raw read of a month', variant: `${COMPLAINTS} complaint documents, one find`, operations: COMPLAINTS, seconds: Number(raw.toFixed(2)), perSecond: Math.round(COMPLAINTS / raw) },
      { scenario: 'reporting: monthly scorecard', variant: `GET /api/reports/scorecard, ${dealers} dealers`, operations: COMPLAINTS, seconds: Number(scorecard.toFixed(2)), perSecond: Math.round(COMPLAINTS / scorecard) },
    ];
    return { rows, ratio: Number((scorecard / raw).toFixed(2)) };
  } finally {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    for (const proc of procs.reverse()) await proc.stop();
  }
}
