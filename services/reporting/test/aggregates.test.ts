import fc from 'fast-check';
import { CATEGORIES, CONTRIBUTION_RULES, type ComplaintEvent, type ComplaintStatus } from '@complaints/shared';
import mongoose from 'mongoose';
import { createModels, createPersistenceActivities, projectAggregates, rebuildMonthAggregates } from '@complaints/activities';
import { computeScorecards } from '../src/scorecards';
import { readAnalysis, readAnalysisFromAggregates } from '../src/analysis';
import { useTestDatabase } from '../../../test/database';

// SPEC §6 from aggregates: after any history of events — dispatch, reassignment counting or not
// against the first dealer, replies, closures, follow-ups after the month's end, internet
// complaints carried, repair requests — delivered with retries, late older attempts and
// complaints projected side by side, the scorecards read from the aggregates equal the full
// recompute from the complaints.

const MONTHS = ['2031-01', '2031-02', '2031-03'];
const DEALERS = ['SH001', 'SH002', 'BJ001'];

type Step =
  | { type: 'dispatch'; dealer: number }
  | { type: 'reassign'; dealer: number; counts: boolean }
  | { type: 'reply'; onTime: boolean; contacted: boolean }
  | { type: 'followUp'; satisfied: boolean; falseReply: boolean; rating: number }
  | { type: 'close'; status: 'closed' | 'force_closed' | 'closed_unreachable'; afterDays: number }
  | { type: 'unreachable' }
  | { type: 'unansweredCall' }
  | { type: 'escalate' }
  | { type: 'classify'; kind: 'complaint' | 'repair_request' | 'inquiry'; category: (typeof CATEGORIES)[number]; deadlineDays: number }
  | { type: 'invalidate' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ type: fc.constant('dispatch' as const), dealer: fc.nat(2) }),
  fc.record({ type: fc.constant('reassign' as const), dealer: fc.nat(2), counts: fc.boolean() }),
  fc.record({ type: fc.constant('reply' as const), onTime: fc.boolean(), contacted: fc.boolean() }),
  fc.record({ type: fc.constant('followUp' as const), satisfied: fc.boolean(), falseReply: fc.boolean(), rating: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ type: fc.constant('close' as const), status: fc.constantFrom('closed' as const, 'force_closed' as const, 'closed_unreachable' as const), afterDays: fc.integer({ min: 0, max: 75 }) }),
  fc.constant({ type: 'unreachable' as const }),
  fc.constant({ type: 'unansweredCall' as const }),
  fc.constant({ type: 'escalate' as const }),
  // SPEC §3.2: the coordinator's reclassification (its deadline counted again) and triage.
  fc.record({ type: fc.constant('classify' as const), kind: fc.constantFrom('complaint' as const, 'repair_request' as const, 'inquiry' as const), category: fc.constantFrom(...CATEGORIES), deadlineDays: fc.integer({ min: 1, max: 15 }) }),
  fc.constant({ type: 'invalidate' as const }),
);

const complaint = fc.record({
  kind: fc.constantFrom('complaint', 'complaint', 'repair_request'),
  channel: fc.constantFrom('hotline', 'internet', 'internet', 'web'),
  category: fc.constantFrom(...CATEGORIES),
  month: fc.nat(MONTHS.length - 1),
  day: fc.integer({ min: 1, max: 28 }),
  customerDealer: fc.option(fc.nat(2), { nil: null }),
  region: fc.constantFrom('east', 'north'),
  /** The closure deadline, days after receipt: from the month's last days, it falls in the next month. */
  deadlineDays: fc.integer({ min: 1, max: 15 }),
  steps: fc.array(step, { maxLength: 7 }),
  /** Attempts delivered again: right away (a retry) or after later events (a late older attempt). */
  retries: fc.array(fc.record({ of: fc.nat(6), late: fc.boolean() }), { maxLength: 3 }),
});

interface State {
  status: ComplaintStatus | 'received';
  kind?: string;
  category?: string;
  dealerCode?: string;
  attributedDealerCode?: string;
  closedAt?: string;
  escalated?: boolean;
  kpi: { repliedOnTime: boolean | null; contactedOnTime: boolean | null; firstTimeClosure: boolean | null; followUps: number; falseReplies: number; unsatisfied: number; unreachable: boolean; ratings?: { overall: number } | null };
}

/** The snapshots a workflow would record: one per step, each the whole state as of that event. */
function snapshots(receivedAt: Date, customerDealer: string | undefined, steps: Step[]): State[] {
  const s: State = { status: 'received', ...(customerDealer && { dealerCode: customerDealer }), kpi: { repliedOnTime: null, contactedOnTime: null, firstTimeClosure: null, followUps: 0, falseReplies: 0, unsatisfied: 0, unreachable: false } };
  const out: State[] = [];
  for (const st of steps) {
    if (st.type === 'dispatch') Object.assign(s, { status: 'awaiting_acknowledgement', dealerCode: DEALERS[st.dealer], attributedDealerCode: s.attributedDealerCode ?? DEALERS[st.dealer] });
    if (st.type === 'reassign') Object.assign(s, { status: 'awaiting_acknowledgement', dealerCode: DEALERS[st.dealer], attributedDealerCode: st.counts ? (s.attributedDealerCode ?? s.dealerCode) : DEALERS[st.dealer] });
    if (st.type === 'reply') Object.assign(s, { status: 'awaiting_closure_request', kpi: { ...s.kpi, repliedOnTime: st.onTime, contactedOnTime: st.contacted } });
    if (st.type === 'followUp') Object.assign(s, { status: st.satisfied ? 'closed' : 'awaiting_reply', ...(st.satisfied && { closedAt: new Date(receivedAt.getTime() + 3 * 86_400_000).toISOString() }), kpi: { ...s.kpi, followUps: s.kpi.followUps + 1, firstTimeClosure: st.satisfied && s.kpi.followUps === 0, falseReplies: s.kpi.falseReplies + (!st.satisfied && st.falseReply ? 1 : 0), unsatisfied: s.kpi.unsatisfied + (!st.satisfied && !st.falseReply ? 1 : 0), ratings: { overall: st.rating } } });
    if (st.type === 'close') Object.assign(s, { status: st.status, closedAt: new Date(receivedAt.getTime() + st.afterDays * 86_400_000).toISOString(), kpi: { ...s.kpi, unreachable: st.status === 'closed_unreachable' || s.kpi.unreachable } });
    if (st.type === 'unreachable') Object.assign(s, { kpi: { ...s.kpi, unreachable: true } });
    if (st.type === 'unansweredCall') Object.assign(s, { kpi: { ...s.kpi, followUps: s.kpi.followUps + 1 } });
    if (st.type === 'escalate') Object.assign(s, { escalated: true });
    if (st.type === 'classify') Object.assign(s, { kind: st.kind, category: st.category });
    if (st.type === 'invalidate') Object.assign(s, { status: 'invalid', closedAt: receivedAt.toISOString() });
    out.push(structuredClone(s));
  }
  return out;
}

describe('scorecards from aggregates (real FerretDB)', () => {
  const { models, config } = useTestDatabase({ rules: true });

  it('equal the full recompute after a randomized history of events, retries and late attempts', async () => {
    const activities = createPersistenceActivities({ models: models() });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(complaint, { minLength: 1, maxLength: 6 }), async (list) => {
        run += 1;
        const db = models().Complaint.db.db!;
        await models().Complaint.deleteMany({});
        for (const c of await db.listCollections({}, { nameOnly: true }).toArray()) if (c.name.startsWith('scorecard_agg')) await db.dropCollection(c.name);
        for (const month of MONTHS) await rebuildMonthAggregates(models(), month); // months in service from the start: kept by the projection
        await Promise.all(
          list.map(async (c, i) => {
            const number = `C${MONTHS[c.month]!.replace('-', '')}${String(c.day).padStart(2, '0')}-${run}${String(i).padStart(3, '0')}`;
            const receivedAt = new Date(`${MONTHS[c.month]}-${String(c.day).padStart(2, '0')}T10:00:00+08:00`);
            const customerDealer = c.customerDealer === null ? undefined : DEALERS[c.customerDealer];
            await models().Complaint.collection.insertOne({ _id: number, workflowId: `complaint-${number}`, kind: c.kind, channel: c.channel, category: c.category, severity: 'minor', status: 'received', receivedAt, closureDeadline: new Date(receivedAt.getTime() + c.deadlineDays * 86_400_000), region: c.region, eventCount: 0, ...(customerDealer && { dealerCode: customerDealer }) } as never);
            await projectAggregates(models(), number); // recordComplaint's projection
            const states = snapshots(receivedAt, customerDealer, c.steps);
            const deliver = (k: number) => {
              const { status, ...state } = states[k]!;
              const event = { id: `${number}:${k + 1}`, sequence: k + 1, type: status, at: receivedAt.toISOString(), by: "test", summary: `step ${k + 1}`, status } as ComplaintEvent;
              return activities.recordEvent(number, event, state);
            };
            for (let k = 0; k < states.length; k++) {
              await deliver(k);
              // A reclassification's deadlines follow its event (the workflow's next projection).
              const st = c.steps[k]!;
              if (st.type === 'classify') await activities.recordDeadlines(number, { closureDeadline: new Date(receivedAt.getTime() + st.deadlineDays * 86_400_000).toISOString(), policyVersion: '2025.1' } as never, { reproject: true });
              for (const r of c.retries) if (r.of === k && !r.late) await deliver(k);
            }
            for (const r of c.retries) if (r.late && r.of < states.length) await deliver(r.of);
          }),
        );
        for (const month of [...MONTHS, '2031-04', '2031-06']) {
          expect({ month, cards: await computeScorecards(models(), month) }).toEqual({ month, cards: await computeScorecards(models(), month, 'complaints') });
        }
        // The analysis report (客户投诉分析报告), as the coordinator, a dealer and a regional manager see it.
        for (const scope of [{}, { dealerCode: 'SH001' }, { region: 'east' }]) {
          expect({ scope, analysis: await readAnalysisFromAggregates(models(), scope, MONTHS[0]!, '2031-04') }).toEqual({ scope, analysis: await readAnalysis(models(), scope, MONTHS[0]!, '2031-04') });
        }
      }),
      { numRuns: 15 },
    );
  }, 600_000);

  // Seed 002 400抱怨 §3.9 and SPEC §6: neither a customer who never answers nor a complaint received on
  // the month's last day and closed by its deadline in the next month takes the incentive away.
  it('leave the dealer its 100 % first-time and monthly closure for an unreachable customer and a month-end complaint closed by its deadline', async () => {
    const kpi = { repliedOnTime: true, contactedOnTime: true, firstTimeClosure: true, followUps: 1, falseReplies: 0, unsatisfied: 0, unreachable: false };
    const doc = (number: string, fields: Record<string, unknown>) => ({ _id: number, workflowId: `complaint-${number}`, kind: 'complaint', channel: 'hotline', category: 'service_process', severity: 'minor', dealerCode: 'HN901', attributedDealerCode: 'HN901', eventCount: 9, kpi, ...fields });
    const docs = [
      doc('C20310810-9101', { status: 'closed', receivedAt: new Date('2031-08-10T10:00:00+08:00'), closedAt: '2031-08-12T10:00:00+08:00' }),
      // Three calls nobody answered: closed as unreachable, never a follow-up.
      doc('C20310811-9102', { status: 'closed_unreachable', receivedAt: new Date('2031-08-11T10:00:00+08:00'), closedAt: '2031-08-15T10:00:00+08:00', kpi: { ...kpi, firstTimeClosure: false, followUps: 3, unreachable: true } }),
      // One call nobody answered, then satisfied at the second: a first-time closure all the same.
      doc('C20310812-9103', { status: 'closed', receivedAt: new Date('2031-08-12T10:00:00+08:00'), closedAt: '2031-08-14T10:00:00+08:00', kpi: { ...kpi, followUps: 2 } }),
      // Received on Friday the 29th, 3 days: due Monday 1 September 16:30, closed that morning.
      doc('C20310829-9104', { status: 'closed', receivedAt: new Date('2031-08-29T10:00:00+08:00'), closureDeadline: new Date('2031-09-01T16:30:00+08:00'), deadlines: { monthFreezesAt: '2031-09-10T06:00:00+08:00' }, closedAt: '2031-09-01T10:00:00+08:00' }),
    ];
    await models().Complaint.collection.insertMany(docs as never[]);
    for (const d of docs) await projectAggregates(models(), d._id);
    for (const from of ['aggregates', 'complaints'] as const) {
      const card = (await computeScorecards(models(), '2031-08', from)).find((c) => c.dealerCode === 'HN901')!;
      expect(card.hotline.firstTimeClosure).toEqual({ numerator: 3, denominator: 3, rate: 1 });
      expect(card.hotline.monthlyClosure).toEqual({ numerator: 3, denominator: 3, rate: 1 });
      expect(card.incentive.conditions.filter((c) => c.name === 'hotline_first_time_closure' || c.name === 'hotline_monthly_closure').map((c) => c.pass)).toEqual([true, true]);
    }
  });

  it('build a month built under former scoring rules again when it is next read', async () => {
    const number = 'C20310905-9201';
    const kpi = { repliedOnTime: true, contactedOnTime: true, firstTimeClosure: true, followUps: 1, falseReplies: 0, unreachable: false };
    await models().Complaint.collection.insertOne({ _id: number, workflowId: `complaint-${number}`, kind: 'complaint', channel: 'hotline', category: 'service_process', severity: 'minor', status: 'closed', closedAt: '2031-09-07T10:00:00+08:00', dealerCode: 'HN902', attributedDealerCode: 'HN902', receivedAt: new Date('2031-09-05T10:00:00+08:00'), eventCount: 3, kpi } as never);
    await rebuildMonthAggregates(models(), '2031-09');
    expect((await computeScorecards(models(), '2031-09')).find((c) => c.dealerCode === 'HN902')!.all.firstTimeClosure.denominator).toBe(1);
    // What a rule change does to a stored complaint: it contributes otherwise, with no event to project
    // it (here: the same facts an unanswered call leaves). A month built before knows no generation.
    await models().Complaint.updateOne({ _id: number }, { $set: { status: 'awaiting_follow_up', kpi: { ...kpi, firstTimeClosure: null } }, $unset: { closedAt: '' } });
    const db = models().Complaint.db.db!;
    await db.collection<{ _id: string }>('scorecard_agg_months').updateOne({ _id: '2031-09' }, { $unset: { rules: '' } });
    expect((await computeScorecards(models(), '2031-09')).find((c) => c.dealerCode === 'HN902')!.all.firstTimeClosure.denominator).toBe(0);
    expect(await db.collection<{ _id: string; rules?: number }>('scorecard_agg_months').findOne({ _id: '2031-09' })).toMatchObject({ rules: CONTRIBUTION_RULES });
  });

  it('converge when a projection stopped between writing the entries and the sums: its retry finishes the change', async () => {
    const db = models().Complaint.db.db!;
    await rebuildMonthAggregates(models(), '2031-05');
    const number = 'C20310505-9001';
    await models().Complaint.collection.insertOne({ _id: number, workflowId: `complaint-${number}`, kind: 'complaint', channel: 'hotline', category: 'product_quality', severity: 'minor', status: 'awaiting_reply', dealerCode: 'SH001', attributedDealerCode: 'SH001', receivedAt: new Date('2031-05-05T10:00:00+08:00'), eventCount: 1, kpi: { repliedOnTime: null, contactedOnTime: true, firstTimeClosure: null, followUps: 0, falseReplies: 0, unreachable: false } } as never);
    await projectAggregates(models(), number);
    const sums = db.collection<{ _id: string }>('scorecard_agg_2031_05');
    const before = await sums.findOne({ _id: 'SH001' });
    await models().Complaint.updateOne({ _id: number }, { $set: { status: 'closed', closedAt: '2031-05-07T10:00:00+08:00', eventCount: 2, 'kpi.repliedOnTime': true, 'kpi.followUps': 1, 'kpi.firstTimeClosure': true } });
    await projectAggregates(models(), number);
    // The sums as if the second write of that projection never happened, and so neither did the
    // signature of the contribution it applied, which is written after every document's change.
    await sums.replaceOne({ _id: 'SH001' }, before!);
    await db.collection<{ _id: string }>('scorecard_agg_applied').deleteOne({ _id: number });
    expect(await computeScorecards(models(), '2031-05')).not.toEqual(await computeScorecards(models(), '2031-05', 'complaints'));
    await projectAggregates(models(), number); // Temporal retries the activity
    expect(await computeScorecards(models(), '2031-05')).toEqual(await computeScorecards(models(), '2031-05', 'complaints'));
  });

  it('read no aggregate document for an event that changes nothing a scorecard counts (an overdue notice at the cutoff)', async () => {
    const number = 'C20310606-9003';
    await models().Complaint.collection.insertOne({ _id: number, workflowId: `complaint-${number}`, kind: 'complaint', channel: 'hotline', category: 'service_process', severity: 'minor', status: 'awaiting_reply', dealerCode: 'SH002', attributedDealerCode: 'SH002', receivedAt: new Date('2031-06-06T10:00:00+08:00'), eventCount: 1, kpi: { repliedOnTime: null, contactedOnTime: true, firstTimeClosure: null, followUps: 0, falseReplies: 0, unreachable: false } } as never);
    await projectAggregates(models(), number);
    // The closure clock ran out: an event recorded, nothing counted changed.
    await models().Complaint.updateOne({ _id: number }, { $set: { eventCount: 2, overdue: true } });
    const watched = await mongoose.createConnection(config.MONGO_URL, { monitorCommands: true }).asPromise();
    const read: string[] = [];
    watched.getClient().on('commandStarted', (event) => event.commandName === 'find' && read.push(String(event.command.find)));
    try {
      await projectAggregates(createModels(watched), number);
    } finally {
      await watched.close();
    }
    expect(read.filter((collection) => collection.startsWith('scorecard_agg_') && collection !== 'scorecard_agg_applied')).toEqual([]);
    expect(await computeScorecards(models(), '2031-06')).toEqual(await computeScorecards(models(), '2031-06', 'complaints'));
  });

  it('scorecard rebuild takes out a complaint that no longer belongs to a month, and puts back one written behind the projection', async () => {
    await rebuildMonthAggregates(models(), '2031-07');
    const a = 'C20310705-9001';
    const b = 'C20310706-9002';
    const doc = (number: string, day: string) => ({ _id: number, workflowId: `complaint-${number}`, kind: 'complaint', channel: 'internet', category: 'service_process', severity: 'minor', status: 'awaiting_reply', dealerCode: 'RB901', attributedDealerCode: 'RB901', receivedAt: new Date(`2031-07-${day}T10:00:00+08:00`), eventCount: 1, kpi: { repliedOnTime: true, contactedOnTime: true, firstTimeClosure: null, followUps: 0, falseReplies: 0, unreachable: false } });
    await models().Complaint.collection.insertOne(doc(a, '05') as never);
    await projectAggregates(models(), a);
    // A repair of the read model by hand (not through the projection): a deleted, b inserted.
    await models().Complaint.deleteOne({ _id: a });
    await models().Complaint.collection.insertOne(doc(b, '06') as never);
    await rebuildMonthAggregates(models(), '2031-07');
    for (const month of ['2031-07', '2031-08']) expect(await computeScorecards(models(), month)).toEqual(await computeScorecards(models(), month, 'complaints'));
    // A dealer of this test alone: the property test's random histories may carry complaints of their own.
    expect((await computeScorecards(models(), '2031-08')).find((c) => c.dealerCode === 'RB901')?.internet.carried).toBe(1);
  });
});
