// The what-if scenario of `npm run bench whatif`: a quarter of 100,000 complaints of 500 dealers
// (with their event histories, as the read model keeps them), the what-if run under a 36-hour reply
// clock against computing the same quarter's real scorecards from its complaints, in one run.
// Target: the what-if takes at most twice as long.
import { SingleBar, Presets } from 'cli-progress';
import { CATEGORIES } from '@complaints/shared';
import { computeScorecards } from '@complaints/reporting/src/scorecards';
import { runWhatIf } from '@complaints/reporting/src/whatIf';
import { type Row } from './rows';
import type { ManagedProcess } from '../scripts/lib/stack';
import { BENCH_REGIONS, benchDatabase } from './fixtures';

const COMPLAINTS = Number(process.env.BENCH_WHATIF_COMPLAINTS ?? 100_000);
const DEALERS = Number(process.env.BENCH_WHATIF_DEALERS ?? 500);
const MONTHS = ['2030-01', '2030-02', '2030-03'];
const BATCH = 1000;

export async function benchWhatIf(dir: string): Promise<{ rows: Row[]; ratio: number }> {
  const procs: ManagedProcess[] = [];
  try {
    const { ferret, mongo, models, codes } = await benchDatabase(dir, 'whatif', DEALERS);
    procs.push(ferret);

    // The quarter's complaints as the workflows project them: facts, KPI facts and event times.
    const bar = new SingleBar({ format: 'seeding complaints [{bar}] {percentage}% | {value}/{total} | {eta}s left', hideCursor: true }, Presets.shades_classic);
    bar.start(COMPLAINTS, 0);
    for (let start = 0; start < COMPLAINTS; start += BATCH) {
      const docs = Array.from({ length: Math.min(BATCH, COMPLAINTS - start) }, (_, k) => {
        const i = start + k;
        const month = MONTHS[i % 3]!;
        const day = String(1 + (i % 25)).padStart(2, '0');
        const received = new Date(`${month}-${day}T10:00:00+08:00`).getTime();
        const replyHours = 6 + (i % 40); // some late under 24 h, on time under 36 h
        const closed = i % 5 !== 0;
        const at = (h: number) => new Date(received + h * 3_600_000);
        const types: [string, number][] = [['received', 0], ['dispatched', 0], ['acknowledged', 1], ['customer_contacted', 3], ['replied', replyHours], ...(closed ? ([['closure_requested', 50], ['closed', 60 + (i % 60)]] as [string, number][]) : [])];
        return {
          _id: `C${month.replace('-', '')}${day}-${String(i).padStart(6, '0')}`,
          workflowId: 'bench',
          kind: 'complaint',
          category: CATEGORIES[i % 4],
          severity: 'minor',
          channel: i % 3 === 0 ? 'internet' : 'hotline',
          status: closed ? 'closed' : 'awaiting_reply',
          dealerCode: codes[i % DEALERS],
          attributedDealerCode: codes[i % DEALERS],
          region: BENCH_REGIONS[(i % DEALERS) % 4],
          receivedAt: at(0),
          closedAt: closed ? at(60 + (i % 60)).toISOString() : undefined,
          policyVersion: '2025.1',
          eventCount: types.length,
          history: types.map(([type, h], n) => ({ id: `${i}:${n + 1}`, sequence: n + 1, type, at: at(h), by: 'bench', summary: type, data: {} })),
          kpi: { acknowledgedOnTime: true, repliedOnTime: replyHours <= 24, contactedOnTime: true, closedWithinDeadline: closed, firstTimeClosure: closed, followUps: closed ? 1 : 0, falseReplies: 0, unreachable: false, unsatisfied: 0, forcedClosure: false },
        };
      });
      await models.Complaint.collection.insertMany(docs as never[], { ordered: false });
      bar.update(start + docs.length);
    }
    bar.stop();

    // The real scorecards of the quarter, computed from its complaints (what a freeze does).
    const t0 = performance.now();
    for (const month of MONTHS) await computeScorecards(models, month, 'complaints');
    const real = (performance.now() - t0) / 1000;

    const progress = new SingleBar({ format: 'what-if [{bar}] {value}/{total} months', hideCursor: true }, Presets.shades_classic);
    progress.start(MONTHS.length, 0);
    const t1 = performance.now();
    const result = await runWhatIf(models, { from: MONTHS[0]!, to: MONTHS[2]!, policy: { reply: { hours: 36 } } }, { onProgress: (done) => progress.update(done) });
    const whatIf = (performance.now() - t1) / 1000;
    progress.stop();
    await mongo.close();
    const rows: Row[] = [
      { scenario: 'whatif: real scorecards', variant: `a quarter's scorecards from its ${COMPLAINTS} complaints, ${DEALERS} dealers`, operations: COMPLAINTS, seconds: Number(real.toFixed(2)), perSecond: Math.round(COMPLAINTS / real) },
      { scenario: 'whatif: what-if run', variant: `the same quarter under a 36 h reply clock, ${result.summary.complaintsChanged} complaints changed (target <= 2× the real)`, operations: COMPLAINTS, seconds: Number(whatIf.toFixed(2)), perSecond: Math.round(COMPLAINTS / whatIf) },
    ];
    return { rows, ratio: Number((whatIf / real).toFixed(3)) };
  } finally {
    for (const proc of procs.reverse()) await proc.stop();
  }
}
