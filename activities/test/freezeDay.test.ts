import { monthFreeze, monthFreezesAt, policySchema } from '@complaints/shared';
import shipped from '../../shared/policies/default.json';
import { createScoringActivities } from '../src/scoring';

// SPEC §6: a month is scored in the next one; its scorecards stay provisional (暂定) until the freeze day.
describe('the monthly freeze', () => {
  function scoring(freezeDay?: number) {
    const frozen: string[] = [];
    const activities = createScoringActivities({
      freezeMonth: async (month) => {
        frozen.push(month);
        return { frozen: { version: 1, cards: [] }, changed: true };
      },
      monthFreezesAt: async (month) => monthFreezesAt(month, freezeDay),
      scorecardEmails: async () => ({ requests: [], more: false }),
    });
    return { frozen, activities };
  }

  it('freezes the month just ended on the 10th at 06:00 Beijing time, not at its end', async () => {
    const { frozen, activities } = scoring();
    await activities.freezePreviousMonth('2026-12-01T06:00:00+08:00');
    await activities.freezePreviousMonth('2026-12-10T05:59:59+08:00');
    expect(frozen).toEqual(['2026-10', '2026-10']); // the latest month due: frozen already, it changes nothing
    await activities.freezePreviousMonth('2026-12-10T06:00:00+08:00');
    expect(frozen.at(-1)).toBe('2026-11');
  });

  it('follows the policy’s freeze day', async () => {
    const { frozen, activities } = scoring(3);
    await activities.freezePreviousMonth('2026-12-03T07:00:00+08:00');
    expect(frozen).toEqual(['2026-11']);
  });

  it('takes a month’s freeze day from the policy in force at the month’s start: a change applies to the months after it', () => {
    const base = policySchema.parse(shipped);
    const later = { ...base, version: 'freeze-5', effectiveFrom: '2026-11-15T00:00:00+08:00', scoring: { freezeDay: 5 } };
    expect(monthFreeze('2026-11', [base, later]).toISOString()).toBe('2026-12-09T22:00:00.000Z'); // the 10th, 06:00 +08:00
    expect(monthFreeze('2026-12', [base, later]).toISOString()).toBe('2027-01-04T22:00:00.000Z'); // the 5th
    expect(base.scoring.freezeDay).toBe(10);
  });
});
