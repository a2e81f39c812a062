import { DateTime } from 'luxon';
import type { DealerMonth, Rate } from './scoring';

// SPEC §6: the complaint quota (抱怨量限值) and the incentive (抱怨处理费用支持), each condition
// shown pass or fail with the reason, so that a dealer can see why money was or was not paid.

/** The three months of the quarter before the one `month` is in: 2026-11 → 2026-07, 08, 09. */
export function previousQuarterMonths(month: string): string[] {
  const start = DateTime.fromFormat(month, 'yyyy-MM');
  const quarterStart = start.set({ month: Math.floor((start.month - 1) / 3) * 3 + 1 });
  return [3, 2, 1].map((back) => quarterStart.minus({ months: back }).toFormat('yyyy-MM'));
}

export interface Quota {
  /** Service visits (进站台次) of the previous quarter's months that have figures. */
  visits: { month: string; visits: number }[];
  averageVisits: number | null;
  ratio: number;
  /** ceil(average monthly visits × ratio); null when the previous quarter has no figures. */
  quota: number | null;
}

export function quotaFor(month: string, visitsByMonth: Map<string, number>, ratio: number): Quota {
  const visits = previousQuarterMonths(month).flatMap((m) => (visitsByMonth.has(m) ? [{ month: m, visits: visitsByMonth.get(m)! }] : []));
  const averageVisits = visits.length ? visits.reduce((sum, v) => sum + v.visits, 0) / visits.length : null;
  // Rounded to 1e-9 first: 0.01 × 300 is 3.0000000000000004 in floating point, and ceil must say 3.
  return { visits, averageVisits, ratio, quota: averageVisits === null ? null : Math.ceil(Number((averageVisits * ratio).toFixed(9))) };
}

export const PENALTY_KINDS = ['amount', 'star_downgrade', 'delisting', 'media_exposure'] as const;
export type PenaltyKind = (typeof PENALTY_KINDS)[number];

export interface Penalty {
  kind: PenaltyKind;
  amount?: number;
  reason: string;
}

export interface Condition {
  name: 'within_quota' | 'hotline_first_time_closure' | 'hotline_monthly_closure' | 'internet_closure' | 'no_negative_media' | 'in_service';
  pass: boolean;
  why: string;
}

export interface Incentive {
  eligible: boolean;
  conditions: Condition[];
}

const full = (r: Rate, what: string): Pick<Condition, 'pass' | 'why'> =>
  r.rate === null ? { pass: true, why: `no ${what} to measure` } : { pass: r.rate === 1, why: `${r.numerator}/${r.denominator}${r.rate === 1 ? '' : ', must be 100%'}` };

/** SPEC §6: a dealer qualifies for the month when every condition holds. */
export function incentiveFor(card: DealerMonth, quota: Quota, penalties: Penalty[], serviceStatus: string): Incentive {
  const counted = card.countedAgainstQuota;
  const media = penalties.filter((p) => p.kind === 'media_exposure');
  const conditions: Condition[] = [
    {
      name: 'within_quota',
      ...(quota.quota === null
        ? { pass: false, why: `no service visits recorded for ${previousQuarterMonths(card.month).join(', ')}: the quota is unknown` }
        : { pass: counted <= quota.quota, why: `${counted} counted complaints, quota ${quota.quota}` }),
    },
    { name: 'hotline_first_time_closure', ...full(card.hotline.firstTimeClosure, 'hotline complaint with a follow-up') },
    { name: 'hotline_monthly_closure', ...full(card.hotline.monthlyClosure, 'hotline complaint') },
    { name: 'internet_closure', ...full(card.internet.monthlyClosure, 'internet complaint') },
    { name: 'no_negative_media', pass: media.length === 0, why: media.length ? media.map((p) => p.reason).join('; ') : 'none recorded' },
    { name: 'in_service', pass: serviceStatus === 'active', why: serviceStatus },
  ];
  return { eligible: conditions.every((c) => c.pass), conditions };
}
