import { REPAIR_CASES } from './actions';
import { CATEGORIES, type Category } from './domain';
import { FINISHED_STATUSES, type ComplaintStatus } from './statuses';
import { beijingMonth, monthEnd, monthsFrom, nextMonth } from './months';
import { RATING_KEYS, scoreMonth, type DealerMonth, type KpiSet, type Rate, type ScoredComplaint } from './scoring';

// SPEC §6 from aggregates kept as facts arrive: what one complaint adds to the scorecards, as
// counts that add up. Every figure of a card is a sum over complaints (numerators, denominators,
// counts, rating totals), so a dealer-month's card is the card of the sum of its complaints'
// contributions. The contribution is the complaint scored alone by the same scoring code, so the
// attribution rules (first dealer after reassignment, month of receipt, carried internet
// complaints, repair requests apart) live in scoring.ts and here only, and the aggregates cannot
// drift from the full recompute.

/**
 * The generation of the rules deciding a complaint's contribution: raised whenever a change makes
 * complaints already counted contribute otherwise, so that every month built before is built again.
 */
export const CONTRIBUTION_RULES = 2;

const SCOPES = ['all', 'hotline', 'internet', 'repairRequests'] as const;
const RATES = ['acknowledgedOnTime', 'replyOnTime', 'contactWithin24h', 'firstTimeClosure', 'monthlyClosure', 'satisfaction'] as const;
const COUNTS = ['complaints', 'unreachable', 'falseReplies'] as const;
const CASES = [...REPAIR_CASES, 'unspecified'] as const;

/** The slots of a contribution vector, in order. Add new ones at the end: stored vectors keep their meaning. */
export const CONTRIBUTION_SLOTS: readonly string[] = [
  'entries',
  ...SCOPES.flatMap((s) => [...COUNTS.map((k) => `${s}.${k}`), ...RATES.flatMap((r) => [`${s}.${r}.n`, `${s}.${r}.d`])]),
  'internet.carried',
  'internet.carriedClosed',
  ...CASES.map((k) => `repairRequests.byRepairCase.${k}`),
  'countedAgainstQuota',
  ...CATEGORIES.map((k) => `byCategory.${k}`),
  ...RATING_KEYS.flatMap((k) => [`ratings.${k}.count`, `ratings.${k}.total`]),
];
const SLOT = new Map(CONTRIBUTION_SLOTS.map((name, i) => [name, i]));
const at = (name: string) => SLOT.get(name)!;

export const emptyVector = (): number[] => CONTRIBUTION_SLOTS.map(() => 0);

/** `a + sign·b`, slot by slot (a shorter stored vector counts as zeros beyond its end). */
export function addVectors(a: readonly number[], b: readonly number[], sign = 1): number[] {
  return CONTRIBUTION_SLOTS.map((_, i) => (a[i] ?? 0) + sign * (b[i] ?? 0));
}

/** A card as the counts it is made of; `entries` says how many complaints (own or carried) it holds. */
export function cardVector(card: DealerMonth, entries: number): number[] {
  const v = emptyVector();
  v[at('entries')] = entries;
  for (const s of SCOPES) {
    const set: KpiSet = card[s];
    for (const k of COUNTS) v[at(`${s}.${k}`)] = set[k];
    for (const r of RATES) {
      v[at(`${s}.${r}.n`)] = set[r].numerator;
      v[at(`${s}.${r}.d`)] = set[r].denominator;
    }
  }
  v[at('internet.carried')] = card.internet.carried;
  v[at('internet.carriedClosed')] = card.internet.carriedClosed;
  for (const k of CASES) v[at(`repairRequests.byRepairCase.${k}`)] = card.repairRequests.byRepairCase[k];
  v[at('countedAgainstQuota')] = card.countedAgainstQuota;
  for (const k of CATEGORIES) v[at(`byCategory.${k}`)] = card.byCategory[k];
  for (const k of RATING_KEYS) {
    v[at(`ratings.${k}.count`)] = card.ratings[k].count;
    v[at(`ratings.${k}.total`)] = card.ratings[k].total;
  }
  return v;
}

const rate = (numerator: number, denominator: number): Rate => ({ numerator, denominator, rate: denominator === 0 ? null : numerator / denominator });

/** The card a sum of contributions makes: the same rates, "no data" and averages as scoring a month's complaints. */
export function cardFromVector(month: string, dealerCode: string, v: readonly number[]): DealerMonth {
  const get = (name: string) => v[at(name)] ?? 0;
  const set = (s: (typeof SCOPES)[number]): KpiSet =>
    ({
      ...Object.fromEntries(COUNTS.map((k) => [k, get(`${s}.${k}`)])),
      ...Object.fromEntries(RATES.map((r) => [r, rate(get(`${s}.${r}.n`), get(`${s}.${r}.d`))])),
    }) as unknown as KpiSet;
  return {
    dealerCode,
    month,
    all: set('all'),
    hotline: set('hotline'),
    internet: { ...set('internet'), carried: get('internet.carried'), carriedClosed: get('internet.carriedClosed') },
    repairRequests: { ...set('repairRequests'), byRepairCase: Object.fromEntries(CASES.map((k) => [k, get(`repairRequests.byRepairCase.${k}`)])) as DealerMonth['repairRequests']['byRepairCase'] },
    countedAgainstQuota: get('countedAgainstQuota'),
    byCategory: Object.fromEntries(CATEGORIES.map((k) => [k, get(`byCategory.${k}`)])) as Record<Category, number>,
    ratings: Object.fromEntries(
      RATING_KEYS.map((k) => {
        const count = get(`ratings.${k}.count`);
        const total = get(`ratings.${k}.total`);
        return [k, { count, total, average: count ? total / count : null }];
      }),
    ) as DealerMonth['ratings'],
  };
}

/** Where a part of a contribution is kept: a dealer's month, or the dealer's open internet complaints by month of receipt. */
export type ContributionPart =
  | { kind: 'month'; month: string; dealerCode: string; vector: number[] }
  /** Carried into every month after `from` while it stays open (seed 002 网络抱怨 §6.4): one part, however long it stays open. */
  | { kind: 'open'; from: string; dealerCode: string; vector: number[] };

/** The months after `month`, up to and including `last` (at most ten years: a wrong date never runs away). */
const monthsAfter = (month: string, last: string) => monthsFrom(nextMonth(month), last);


function scoredAlone(month: string, c: ScoredComplaint): number[] {
  const [card] = scoreMonth(month, [c]);
  return cardVector(card!, 1);
}

/**
 * What one complaint adds to the scorecards as it stands: to its dealer's month of receipt, and,
 * for an internet complaint not closed in its month, to each later month it is carried into — up
 * to the month it closed, or from its month on for as long as it stays open.
 */
export function complaintContribution(c: ScoredComplaint): ContributionPart[] {
  const received = beijingMonth(c.receivedAt);
  const parts: ContributionPart[] = [{ kind: 'month', month: received, dealerCode: c.dealerCode, vector: scoredAlone(received, c) }];
  if (c.kind !== 'complaint' || c.channel !== 'internet') return parts;
  if (!FINISHED_STATUSES.includes(c.status)) {
    // Open: carried alike into every later month (nothing about it changes with the month).
    parts.push({ kind: 'open', from: received, dealerCode: c.dealerCode, vector: scoredAlone(nextMonth(received), c) });
    return parts;
  }
  if (!c.closedAt) return parts;
  for (const month of monthsAfter(received, beijingMonth(c.closedAt))) parts.push({ kind: 'month', month, dealerCode: c.dealerCode, vector: scoredAlone(month, c) });
  return parts;
}

/**
 * The month's cards from its dealers' summed contributions and the dealers' open internet
 * complaints by month of receipt: one for each dealer in `dealerCodes` and for any other dealer a
 * complaint of the month, or carried into it, is attributed to. Sorted by dealer code, as scoreMonth.
 */
export function scoreFromAggregates(month: string, months: ReadonlyMap<string, readonly number[]>, open: ReadonlyMap<string, Readonly<Record<string, readonly number[]>>>, dealerCodes: readonly string[] = []): DealerMonth[] {
  const sums = new Map<string, number[]>(dealerCodes.map((code) => [code, emptyVector()]));
  const add = (code: string, v: readonly number[]) => sums.set(code, addVectors(sums.get(code) ?? emptyVector(), v));
  for (const [code, v] of months) if (v[at('entries')] || sums.has(code)) add(code, v);
  for (const [code, byMonth] of open) for (const [from, v] of Object.entries(byMonth)) if (from < month && (v[at('entries')] || sums.has(code))) add(code, v);
  return [...sums.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([code, v]) => cardFromVector(month, code, v));
}

// 客户投诉分析报告 (SPEC §6) from aggregates too: what a complaint or repair request adds to its
// month's analysis, grouped as the report groups (region, channel, category) with the dealer its
// ratings count for, and kept with the dealer it is with now (who may see it, SPEC §7).

/** The analysis's counts, then the ratings (of complaints only, as on the scorecard). */
export const ANALYSIS_SLOTS: readonly string[] = ['complaints', 'closedByMonthEnd', 'satisfied', 'forced', 'unreachable', 'escalated', 'rated', ...RATING_KEYS.flatMap((k) => [`${k}.count`, `${k}.total`]), 'dispatchMeasured', 'dispatchedOnTime'];

export interface AnalysedComplaint {
  kind: ScoredComplaint['kind'];
  channel: ScoredComplaint['channel'];
  category: ScoredComplaint['category'];
  region?: string | null;
  dealerCode?: string | null;
  attributedDealerCode?: string | null;
  receivedAt: string | Date;
  status: ComplaintStatus;
  closedAt?: string | null;
  escalated?: boolean | null;
  ratings?: Partial<Record<(typeof RATING_KEYS)[number], number>> | null;
  /** SPEC §4 派工: dispatched by the coordinator within the dispatch clock (absent: it never waited on one). */
  dispatchedOnTime?: boolean | null;
}

/** A group's key as a field name: no dots or dollars, whatever a region or dealer code holds. */
const keyPart = (s: string) => encodeURIComponent(s).replace(/\./g, '%2E');
export const analysisKey = (region: string, channel: string, category: string, ratedDealer: string) => [region, channel, category, ratedDealer].map(keyPart).join('~');
export function parseAnalysisKey(key: string): { region: string; channel: string; category: string; ratedDealer: string } {
  const [region, channel, category, ratedDealer] = key.split('~').map((s) => decodeURIComponent(s)) as [string, string, string, string];
  return { region, channel, category, ratedDealer };
}

/** What one complaint adds to the analysis of its month of receipt; null for kinds outside the dealer loop. */
export function analysisContribution(c: AnalysedComplaint, isDealerLoop: boolean): { month: string; dealerCode: string; key: string; vector: number[] } | null {
  if (!isDealerLoop || c.status === 'invalid') return null;
  const month = beijingMonth(c.receivedAt);
  const v = ANALYSIS_SLOTS.map(() => 0);
  const slot = (name: string) => ANALYSIS_SLOTS.indexOf(name);
  v[slot('complaints')] = 1;
  const end = monthEnd(month).getTime();
  if ((c.status === 'closed' || c.status === 'force_closed') && c.closedAt && new Date(c.closedAt).getTime() < end) v[slot('closedByMonthEnd')] = 1;
  if (c.status === 'closed') v[slot('satisfied')] = 1;
  if (c.status === 'force_closed') v[slot('forced')] = 1;
  if (c.status === 'closed_unreachable') v[slot('unreachable')] = 1;
  if (c.escalated) v[slot('escalated')] = 1;
  // The network's dispatch-on-time rate (SPEC §4): over the complaints that waited for the coordinator.
  if (typeof c.dispatchedOnTime === 'boolean') {
    v[slot('dispatchMeasured')] = 1;
    if (c.dispatchedOnTime) v[slot('dispatchedOnTime')] = 1;
  }
  if (c.kind === 'complaint') {
    v[slot('rated')] = 1;
    for (const k of RATING_KEYS) {
      const value = c.ratings?.[k];
      if (typeof value !== 'number') continue;
      v[slot(`${k}.count`)] = 1;
      v[slot(`${k}.total`)] = value;
    }
  }
  return { month, dealerCode: c.dealerCode ?? '', key: analysisKey(c.region ?? '', c.channel, c.category, c.attributedDealerCode ?? c.dealerCode ?? ''), vector: v };
}
