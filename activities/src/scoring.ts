import { monthStart, previousMonth, type NotificationRequest } from '@complaints/shared';

/** A page of a frozen month's emails (SPEC §6): the coordinator's summary, each region's table, each dealer's card. */
export interface ScorecardEmailPage {
  requests: NotificationRequest[];
  /** More pages follow. */
  more: boolean;
}

/** What the monthly-scoring workflow asks of reporting (workflows/src/schedules.ts). */
export interface ScoringActivities {
  /** Freezes the latest month whose freeze day has come by `at` (Beijing time) unless it is frozen already. */
  freezePreviousMonth(at: string): Promise<{ month: string; version: number; changed: boolean; dealers: number; eligible: number }>;
  /** The emails of a frozen version, a page at a time, each keyed by month, version and recipient. */
  scorecardEmails(input: { month: string; version: number; page: number; dashboardUrl?: string }): Promise<ScorecardEmailPage>;
}

export interface ScoringDeps {
  /** Reporting's freeze of a month's scorecards: once, whoever asks again (services/reporting/src/freeze.ts). */
  freezeMonth(month: string, by: string, recompute?: { reason: string }): Promise<{ frozen: { version: number; frozenAt: string; cards: { incentive: { eligible: boolean } }[] }; changed: boolean }>;
  /** When a month's scorecards freeze, by the policy in force at its start (shared/src/policy.ts monthFreeze). */
  monthFreezesAt(month: string): Promise<Date>;
  /** Reporting's emails of a frozen version (services/reporting/src/scorecardEmails.ts). */
  scorecardEmails(input: { month: string; version: number; page: number; dashboardUrl?: string }): Promise<ScorecardEmailPage>;
}

/**
 * SPEC §6: a month is scored in the next one (seed 002 400抱怨 §5.6). Its scorecards are provisional
 * until the freeze day, when they are frozen, so that late events do not move the money they decide.
 */
export function createScoringActivities({ freezeMonth, monthFreezesAt, scorecardEmails }: ScoringDeps): ScoringActivities {
  return {
    async freezePreviousMonth(at: string) {
      const now = new Date(at);
      const last = previousMonth(now);
      // Before the month just ended reaches its freeze day, the month before it is the latest due:
      // frozen already, it changes nothing; a freeze the schedule missed is caught up.
      const month = (await monthFreezesAt(last)).getTime() <= now.getTime() ? last : previousMonth(monthStart(last));
      let { frozen, changed } = await freezeMonth(month, 'schedule:monthly-scoring');
      // Frozen by hand while still provisional: the freeze day's scoring is the final one, and the one sent.
      if (!changed && Date.parse(frozen.frozenAt) < (await monthFreezesAt(month)).getTime()) {
        ({ frozen, changed } = await freezeMonth(month, 'schedule:monthly-scoring', { reason: 'freeze day: the final scoring of a month frozen while provisional' }));
      }
      return { month, version: frozen.version, changed, dealers: frozen.cards.length, eligible: frozen.cards.filter((c) => c.incentive.eligible).length };
    },
    scorecardEmails,
  };
}
