import { monthFreeze, monthFreezesAt, policySchema } from '@complaints/shared';
import shipped from '../../shared/policies/default.json';
import { createScoringActivities } from '../src/scoring';

// SPEC §6: a month is scored in the next one; its scorecards stay provisional (暂定) until the freeze day.
describe('the monthly freeze', () => {
  function scoring(freezeDay?: number, byHand: Record<string, string> = {}) {
    const frozen: string[] = [];
    const versions = new Map<string, { version: number; frozenAt: string }>(Object.entries(byHand).map(([month, at]) => [month, { version: 1, frozenAt: at }]));
    let clock = '';
    const activities = createScoringActivities({
      // As reporting's freezeMonth: a month frozen already changes only when recomputed.
      freezeMonth: async (month, _by, recompute) => {
        const was = versions.get(month);
        if (was && !recompute) return { frozen: { ...was, cards: [] }, changed: false };
        frozen.push(month);
        const now = { version: (was?.version ?? 0) + 1, frozenAt: clock };
        versions.set(month, now);
        return { frozen: { ...now, cards: [] }, changed: true };
      },
      monthFreezesAt: async (month) => monthFreezesAt(month, freezeDay),
      scorecardEmails: async () => ({ requests: [], more: false }),
    });
    // The schedule's run at `at`: a freeze made then is stamped then.
    const run = (at: string) => {
      clock = new Date(at).toISOString();
      return activities.freezePreviousMonth(at);
    };
    return { frozen, activities: { freezePreviousMonth: run } };
  }

  it('freezes the month just ended on the 10th at 06:00 Beijing time, not at its end', async () => {
    const { frozen, activities } = scoring();
    await activities.freezePreviousMonth('2026-12-01T06:00:00+08:00');
    await activities.freezePreviousMonth('2026-12-10T05:59:59+08:00');
    expect(frozen).toEqual(['2026-10']); // the latest month due, frozen once: the next run changes nothing
    await activities.freezePreviousMonth('2026-12-10T06:00:00+08:00');
    expect(frozen.at(-1)).toBe('2026-11');
  });

  it('follows the policy’s freeze day', async () => {
    const { frozen, activities } = scoring(3);
    await activities.freezePreviousMonth('2026-12-03T07:00:00+08:00');
    expect(frozen).toEqual(['2026-11']);
  });

  it('scores on the freeze day a month someone froze by hand while it was provisional, and sends that final scoring', async () => {
    const { frozen, activities } = scoring(undefined, { '2026-11': '2026-12-05T02:00:00Z' });
    const result = await activities.freezePreviousMonth('2026-12-10T06:00:00+08:00');
    expect(result).toMatchObject({ month: '2026-11', version: 2, changed: true });
    expect(frozen).toEqual(['2026-11']);
    expect((await activities.freezePreviousMonth('2026-12-11T06:00:00+08:00')).changed).toBe(false); // final once
  });

  it('takes a month’s freeze day from the policy in force at the month’s start: a change applies to the months after it', () => {
    const base = policySchema.parse(shipped);
    const later = { ...base, version: 'freeze-5', effectiveFrom: '2026-11-15T00:00:00+08:00', scoring: { freezeDay: 5 } };
    expect(monthFreeze('2026-11', [base, later]).toISOString()).toBe('2026-12-09T22:00:00.000Z'); // the 10th, 06:00 +08:00
    expect(monthFreeze('2026-12', [base, later]).toISOString()).toBe('2027-01-04T22:00:00.000Z'); // the 5th
    expect(base.scoring.freezeDay).toBe(10);
  });
});
