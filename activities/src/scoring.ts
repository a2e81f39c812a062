import { previousMonth, type NotificationRequest } from '@complaints/shared';

/** A page of a frozen month's emails (SPEC §6): the coordinator's summary, each region's table, each dealer's card. */
export interface ScorecardEmailPage {
  requests: NotificationRequest[];
  /** More pages follow. */
  more: boolean;
}

/** What the monthly-scoring workflow asks of reporting (workflows/src/schedules.ts). */
export interface ScoringActivities {
  /** Freezes the month before `at` (Beijing time) unless it is frozen already. */
  freezePreviousMonth(at: string): Promise<{ month: string; version: number; changed: boolean; dealers: number; eligible: number }>;
  /** The emails of a frozen version, a page at a time, each keyed by month, version and recipient. */
  scorecardEmails(input: { month: string; version: number; page: number; dashboardUrl?: string }): Promise<ScorecardEmailPage>;
}

export interface ScoringDeps {
  /** Reporting's freeze of a month's scorecards: once, whoever asks again (services/reporting/src/freeze.ts). */
  freezeMonth(month: string, by: string): Promise<{ frozen: { version: number; cards: { incentive: { eligible: boolean } }[] }; changed: boolean }>;
  /** Reporting's emails of a frozen version (services/reporting/src/scorecardEmails.ts). */
  scorecardEmails(input: { month: string; version: number; page: number; dashboardUrl?: string }): Promise<ScorecardEmailPage>;
}

/** SPEC §6: after a month has closed, its scorecards are frozen, so that late events do not move the money they decide. */
export function createScoringActivities({ freezeMonth, scorecardEmails }: ScoringDeps): ScoringActivities {
  return {
    async freezePreviousMonth(at: string) {
      const month = previousMonth(new Date(at));
      const { frozen, changed } = await freezeMonth(month, 'schedule:monthly-scoring');
      return { month, version: frozen.version, changed, dealers: frozen.cards.length, eligible: frozen.cards.filter((c) => c.incentive.eligible).length };
    },
    scorecardEmails,
  };
}
