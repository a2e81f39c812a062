import { freezeMonth } from '../src/freeze';
import { useTestDatabase } from '../../../test/database';

// SPEC §6: the freeze decides money, so it must happen once, and no recompute may be lost from the
// audit trail, however the schedule and coordinators overlap (real FerretDB, which applies an
// update as read, change, write: a write conditional on a version does not stop a second writer).
describe('freezing a month’s scorecards under concurrency', () => {
  const { models } = useTestDatabase({ rules: true, directory: 'freeze' });

  beforeAll(async () => {
    await models().Complaint.create({
      _id: 'C20300905-0001',
      workflowId: 'w',
      kind: 'complaint',
      category: 'product_quality',
      severity: 'minor',
      channel: 'hotline',
      status: 'closed',
      dealerCode: 'SH001',
      attributedDealerCode: 'SH001',
      receivedAt: new Date('2030-09-05T10:00:00+08:00'),
      closedAt: '2030-09-06T10:00:00+08:00',
      kpi: { repliedOnTime: true, contactedOnTime: true, firstTimeClosure: true, followUps: 1, falseReplies: 0, unreachable: false },
    });
  });

  it('freezes a month once when the schedule’s run and its retries overlap', async () => {
    const runs = await Promise.all(Array.from({ length: 5 }, () => freezeMonth(models(), '2030-09', 'schedule:monthly-scoring')));
    expect(runs.filter((r) => r.changed)).toHaveLength(1);
    expect(runs.map((r) => r.frozen.version)).toEqual([1, 1, 1, 1, 1]);
    const frozen = await models().FrozenScorecard.findById('2030-09').lean();
    expect(frozen).toMatchObject({ version: 1, audit: [{ action: 'freeze', reason: 'month closed' }] });
    expect(frozen!.cards).toEqual(runs.find((r) => r.changed)!.frozen.cards);
  });

  it('keeps every recompute in the audit trail, each with a version of its own, when coordinators recompute at once', async () => {
    await freezeMonth(models(), '2030-08', 'schedule:monthly-scoring');
    const runs = await Promise.all(Array.from({ length: 5 }, (_, i) => freezeMonth(models(), '2030-08', `c${i}`, { reason: `回访结果更正 ${i}` })));
    expect(runs.every((r) => r.changed)).toBe(true);
    expect(runs.map((r) => r.frozen.version).sort()).toEqual([2, 3, 4, 5, 6]);
    const frozen = await models().FrozenScorecard.findById('2030-08').lean();
    expect(frozen!.version).toBe(6);
    const audit = frozen!.audit as { action: string; by: string; reason: string }[];
    expect(audit.map((a) => a.action)).toEqual(['freeze', 'recompute', 'recompute', 'recompute', 'recompute', 'recompute']);
    expect(audit.map((a) => a.reason).sort()).toEqual(['month closed', ...Array.from({ length: 5 }, (_, i) => `回访结果更正 ${i}`)].sort());
    // Each answer's audit trail is the one its version was published with: a prefix of the last.
    for (const run of runs) expect(run.frozen.audit).toEqual(audit.slice(0, run.frozen.version));
  });
});
