import { previousMonth } from '@complaints/shared';

/** What the monthly-scoring workflow asks of reporting (workflows/src/schedules.ts). */
export interface ScoringActivities {
  /** Freezes the month before `at` (Beijing time) unless it is frozen already. */
  freezePreviousMonth(at: string): Promise<{ month: string; version: number; changed: boolean; dealers: number; eligible: number }>;
}

export interface ScoringDeps {
  /** Reporting's freeze of a month's scorecards: once, whoever asks again (services/reporting/src/freeze.ts). */
  freezeMonth(month: string, by: string): Promise<{ frozen: { version: number; cards: { incentive: { eligible: boolean } }[] }; changed: boolean }>;
}

/** SPEC §6: after a month has closed, its scorecards are frozen, so that late events do not move the money they decide. */
export function createScoringActivities({ freezeMonth }: ScoringDeps): ScoringActivities {
  return {
    async freezePreviousMonth(at: string) {
      const month = previousMonth(new Date(at));
      const { frozen, changed } = await freezeMonth(month, 'schedule:monthly-scoring');
      return { month, version: frozen.version, changed, dealers: frozen.cards.length, eligible: frozen.cards.filter((c) => c.incentive.eligible).length };
    },
  };
}
