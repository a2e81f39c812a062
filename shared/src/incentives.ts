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

/**
 * Seed 002 重大抱怨 §5.1 (0.1-1万元的考核；降星级、取消星级，直至撤站): a money penalty, a star
 * downgrade, a star cancellation or delisting; and the record of negative media exposure caused by
 * the dealer, which costs the month's incentive (费用支持 §5.1.5).
 */
export const PENALTY_KINDS = ['amount', 'star_downgrade', 'star_cancellation', 'delisting', 'media_exposure'] as const;
export type PenaltyKind = (typeof PENALTY_KINDS)[number];

export interface Penalty {
  kind: PenaltyKind;
  amount?: number;
  reason: string;
  /** The complaint the penalty refers to (absent on penalties recorded before it was asked for). */
  complaintNumber?: string;
}

/** A change of a dealer's star level that a penalty made, from the month after the penalty's. */
export interface StarChange {
  from: string;
  change: 'downgrade' | 'cancellation';
}

/** The dealer's star level in `month`: the directory's level with the penalties' changes in force by then (null: none). */
export function starLevelIn(month: string, base: number | null | undefined, changes: readonly StarChange[]): number | null {
  let level = base ?? null;
  for (const c of [...changes].filter((c) => c.from <= month).sort((a, b) => a.from.localeCompare(b.from))) {
    level = c.change === 'cancellation' || level === null || level <= 1 ? null : level - 1;
  }
  return level;
}

/** What the directory says of a dealer for the month scored. */
export interface DealerStanding {
  /** False for a dealer its complaints name but the directory no longer lists. */
  inDirectory: boolean;
  serviceStatus: string;
  /** The star level in force that month (after penalties), null when it has none. */
  starLevel: number | null;
  /** 撤站: out of the network from this month (YYYY-MM). */
  delistedFrom: string | null;
}

/** The policy's say on the incentive (the policy in force at the month's start). */
export interface IncentiveRules {
  incentive: { amount: number; byStarLevel: Record<string, number> };
  acknowledgement: { incentiveCondition: boolean };
}

export interface Condition {
  name: 'within_quota' | 'hotline_first_time_closure' | 'hotline_monthly_closure' | 'internet_closure' | 'no_negative_media' | 'in_service' | 'acknowledged_on_time';
  pass: boolean;
  why: string;
}

export interface Incentive {
  eligible: boolean;
  conditions: Condition[];
  /** 支持额度 due for the month, in yuan: 0 when not eligible. */
  amountDue: number;
  /** Which amount the policy gives this dealer, eligible or not. */
  amountBasis: string;
}

const full = (r: Rate, what: string): Pick<Condition, 'pass' | 'why'> =>
  r.rate === null ? { pass: true, why: `no ${what} to measure` } : { pass: r.rate === 1, why: `${r.numerator}/${r.denominator}${r.rate === 1 ? '' : ', must be 100%'}` };

const SERVICE_WORDS: Record<string, string> = { transitional: 'transitional service (过渡服务)', suspended: 'suspended service (暂停服务)' };

function inService(month: string, standing: DealerStanding): Pick<Condition, 'pass' | 'why'> {
  if (!standing.inDirectory) return { pass: false, why: 'not in the directory' };
  if (standing.delistedFrom && standing.delistedFrom <= month) return { pass: false, why: `delisted (撤站) from ${standing.delistedFrom}` };
  // 费用支持 §5.1.6: dealers in transitional or suspended service get no incentive.
  if (standing.serviceStatus !== 'active') return { pass: false, why: `${SERVICE_WORDS[standing.serviceStatus] ?? standing.serviceStatus}: no incentive` };
  return { pass: true, why: 'active' };
}

function withinQuota(card: DealerMonth, quota: Quota): Pick<Condition, 'pass' | 'why'> {
  const counted = card.countedAgainstQuota;
  const unknown = `no service visits recorded for ${previousQuarterMonths(card.month).join(', ')}`;
  // No counted complaint is within any quota: a dealer that prevented every complaint qualifies without visit figures.
  if (counted === 0) return { pass: true, why: `0 counted complaints: within any quota${quota.quota === null ? ` (${unknown})` : `, quota ${quota.quota}`}` };
  if (quota.quota === null) return { pass: false, why: `${unknown}: the quota is unknown` };
  return { pass: counted <= quota.quota, why: `${counted} counted complaints, quota ${quota.quota}` };
}

/**
 * 支持额度: the policy's amount for the dealer's star level when it names one, else its fixed amount.
 * When the policy pays by star level, a dealer without a level (its stars cancelled, 取消星级, or
 * lowered below one) is paid no more than the least-paid level: a penalty never raises the money.
 */
function amountFor(standing: DealerStanding, rules: IncentiveRules): { amount: number; basis: string } {
  const { amount, byStarLevel } = rules.incentive;
  const byLevel = standing.starLevel === null ? undefined : byStarLevel[String(standing.starLevel)];
  if (byLevel !== undefined) return { amount: byLevel, basis: `star level ${standing.starLevel}: ${byLevel}` };
  const fixed = `fixed amount ${amount}`;
  const levels = Object.values(byStarLevel);
  if (!levels.length) return { amount, basis: fixed };
  const least = Math.min(...levels);
  if (standing.starLevel === null && least < amount) return { amount: least, basis: `no star level: the least star-level amount, ${least}` };
  return { amount, basis: standing.starLevel === null ? `${fixed} (no star level)` : `${fixed} (no amount for star level ${standing.starLevel})` };
}

/** SPEC §6 (seed 002 费用支持 §5.1): a dealer qualifies for the month when every condition holds. */
export function incentiveFor(card: DealerMonth, quota: Quota, penalties: Penalty[], standing: DealerStanding, rules: IncentiveRules): Incentive {
  const media = penalties.filter((p) => p.kind === 'media_exposure');
  const conditions: Condition[] = [
    { name: 'within_quota', ...withinQuota(card, quota) },
    { name: 'hotline_first_time_closure', ...full(card.hotline.firstTimeClosure, 'hotline complaint the call center reached at a follow-up') },
    { name: 'hotline_monthly_closure', ...full(card.hotline.monthlyClosure, 'hotline complaint') },
    // Includes internet complaints carried from earlier months (网络抱怨 §6.4).
    { name: 'internet_closure', ...full(card.internet.monthlyClosure, 'internet complaint') },
    { name: 'no_negative_media', pass: media.length === 0, why: media.length ? media.map((p) => p.reason).join('; ') : 'none recorded' },
    { name: 'in_service', ...inService(card.month, standing) },
  ];
  // SPEC §3.3: 当日确认 is shown on the card; it decides money only where the policy makes it a condition.
  if (rules.acknowledgement.incentiveCondition) conditions.push({ name: 'acknowledged_on_time', ...full(card.all.acknowledgedOnTime, 'work order on the confirmation clock') });
  const eligible = conditions.every((c) => c.pass);
  const { amount, basis } = amountFor(standing, rules);
  return { eligible, conditions, amountDue: eligible ? amount : 0, amountBasis: basis };
}
