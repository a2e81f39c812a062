import type { RepairCase } from './actions';
import { REPAIR_CASES } from './actions';
import { CATEGORIES, type Category, type Channel, type Kind } from './domain';
import { FINISHED_STATUSES, RESOLVED_STATUSES, type ComplaintStatus } from './statuses';
import type { FollowUpScores, KpiFacts } from './kpi';
import { beijingMonth, monthEnd, monthFreezesAt, monthStart } from './months';

// SPEC §6: the monthly dealer scorecard (考核). Pure: the facts each complaint's workflow recorded
// as they happened (the read model's `kpi`), turned into rates with their numerators and
// denominators. The scoring month is the month of receipt, in Beijing time.

/** What scoring needs of a complaint: the read model's facts, nothing personal. */
export interface ScoredComplaint {
  number: string;
  kind: Kind;
  channel: Channel;
  category: Category;
  /** Who the complaint counts against: the first dealer when it was reassigned because it failed (SPEC §3). */
  dealerCode: string;
  receivedAt: string | Date;
  status: ComplaintStatus;
  closedAt?: string | null;
  /** A repair request's case (seed 002 400抱怨 §6.2), when the dispatch recorded one. */
  repairCase?: RepairCase | null;
  /** The closure deadline fixed at receipt (SPEC §4): one after the month's end extends the month's "closed in time". */
  closureDeadline?: string | Date | null;
  /** When the month of receipt's scorecards freeze (SPEC §6); unrecorded, the default: the 10th of the next month, 06:00. */
  monthFreezesAt?: string | Date | null;
  kpi: Pick<KpiFacts, 'repliedOnTime' | 'contactedOnTime' | 'firstTimeClosure' | 'followUps' | 'falseReplies' | 'unreachable'> &
    Partial<Pick<KpiFacts, 'acknowledgedOnTime' | 'repairFeedbackOnTime' | 'ratings' | 'unsatisfied'>>;
}

/** A rate with what it is made of; `rate` is null when there is nothing to measure ("no data", never 0 % or 100 %). */
export interface Rate {
  numerator: number;
  denominator: number;
  rate: number | null;
}

export interface KpiSet {
  complaints: number;
  unreachable: number;
  /**
   * 当日确认率 (SPEC §3.3): confirmed by the acknowledgement clock / complaints whose confirmation was
   * on that clock (those received before the clock existed have no such fact and are not measured).
   */
  acknowledgedOnTime: Rate;
  /**
   * 回复及时率: replied within 24 h / complaints. For repair requests, their own "on time" (seed 002
   * 400抱怨 §6.2.7): feedback within the repair clock's working days / the requests on that clock.
   */
  replyOnTime: Rate;
  /** 24小时联系率: customer contacted within 24 h / complaints */
  contactWithin24h: Rate;
  /** 虚假回复数量 */
  falseReplies: number;
  /**
   * 一次闭环率: closed at the first closure request and within the deadline / complaints the call
   * center reached at a follow-up (seed 002 400抱怨 §3.9 实际回访的抱怨量: an unanswered call is none).
   */
  firstTimeClosure: Rate;
  /**
   * 月度闭环率: closed in time / (complaints − unreachable). In time: before the month's end, or by
   * the closure deadline when that falls after the month's end (and before the month's freeze).
   */
  monthlyClosure: Rate;
  /** 满意率: closed after a satisfied follow-up / (complaints − unreachable) */
  satisfaction: Rate;
}

/**
 * Internet complaints (seed 002 网络抱怨 §6.4): one still open at the end of its month is carried
 * into each next month's closure rate until it closes. `monthlyClosure` holds the month's own
 * complaints and the carried ones; the other rates and the quota, the month's own only.
 */
export interface InternetKpiSet extends KpiSet {
  /** Internet complaints of earlier months open at this month's start (unreachable ones leave the count). */
  carried: number;
  /** Of those, closed by this month's end. */
  carriedClosed: number;
}

/** Repair requests (报修), scored apart and never for incentives, counted by seed 002's four cases. */
export interface RepairKpiSet extends KpiSet {
  byRepairCase: Record<RepairCase | 'unspecified', number>;
}

export const RATING_KEYS = ['serviceQuality', 'attitude', 'priceCheck', 'overall'] as const satisfies readonly (keyof FollowUpScores)[];
export type RatingKey = (typeof RATING_KEYS)[number];

/** An average of 1-5 ratings with what it is made of; `average` null when no follow-up gave one. */
export interface RatingAverage {
  count: number;
  total: number;
  average: number | null;
}

export interface DealerMonth {
  dealerCode: string;
  month: string;
  /** Complaints (kind `complaint`) of the month, by channel and in all. */
  all: KpiSet;
  hotline: KpiSet;
  internet: InternetKpiSet;
  /** Repair requests, scored apart and never for incentives. */
  repairRequests: RepairKpiSet;
  /** SPEC §6 quota: that month's product-quality, service-process and technical-capability complaints. */
  countedAgainstQuota: number;
  /** Complaints by category (客户投诉分析报告). */
  byCategory: Record<Category, number>;
  /** SPEC §3.7: the follow-up ratings of the month's complaints, averaged. */
  ratings: Record<RatingKey, RatingAverage>;
}

export const QUOTA_CATEGORIES: readonly Category[] = ['product_quality', 'service_process', 'technical_capability'];

const rate = (numerator: number, denominator: number): Rate => ({ numerator, denominator, rate: denominator === 0 ? null : numerator / denominator });

// Closed for good (RESOLVED_STATUSES): satisfied, or forced (强制闭环 is a closure too); unreachable ones leave the count.
const isUnreachable = (c: ScoredComplaint) => c.kpi.unreachable || c.status === 'closed_unreachable';
const closedBy = (c: ScoredComplaint, end: number) => RESOLVED_STATUSES.includes(c.status) && Boolean(c.closedAt) && new Date(c.closedAt!).getTime() < end;

/**
 * 客户服务部实际回访 (seed 002 400抱怨 §3.9): a follow-up that reached the customer — one that closed it
 * satisfied, or sent it back unsatisfied or as a false reply. Unanswered attempts are not follow-ups,
 * so a customer who never picks up leaves the first-time closure rate as the other rates.
 */
const reachedAtFollowUp = (c: ScoredComplaint) => c.status === 'closed' || (c.kpi.unsatisfied ?? 0) > 0 || c.kpi.falseReplies > 0;

/**
 * SPEC §6 closed in time for the month of receipt: closed before the month's end or, when the closure
 * deadline falls after it, by that deadline — a complaint received on the 30th has its 3 days. The
 * month is scored at its freeze: closed after it, a complaint counts as not closed, whatever its deadline.
 */
function closedInTime(c: ScoredComplaint, month: string): boolean {
  const end = monthEnd(month).getTime();
  if (closedBy(c, end)) return true;
  if (!c.closureDeadline || !RESOLVED_STATUSES.includes(c.status) || !c.closedAt) return false;
  const deadline = new Date(c.closureDeadline).getTime();
  const closed = new Date(c.closedAt).getTime();
  const freeze = c.monthFreezesAt ? new Date(c.monthFreezesAt).getTime() : monthFreezesAt(month).getTime();
  return deadline >= end && closed <= deadline && closed < freeze;
}

/** A fact as a rate: true counts; null (not decided yet) counts against; undefined (no such clock then) is not measured. */
function factRate(complaints: ScoredComplaint[], fact: (c: ScoredComplaint) => boolean | null | undefined): Rate {
  const measured = complaints.filter((c) => fact(c) !== undefined);
  return rate(measured.filter((c) => fact(c) === true).length, measured.length);
}

export function kpiSet(month: string, complaints: ScoredComplaint[], onTime: 'reply' | 'repairFeedback' = 'reply'): KpiSet {
  const unreachable = complaints.filter(isUnreachable);
  const reachable = complaints.filter((c) => !unreachable.includes(c));
  const reached = complaints.filter(reachedAtFollowUp);
  return {
    complaints: complaints.length,
    unreachable: unreachable.length,
    acknowledgedOnTime: factRate(complaints, (c) => c.kpi.acknowledgedOnTime),
    replyOnTime:
      onTime === 'repairFeedback'
        ? factRate(complaints, (c) => c.kpi.repairFeedbackOnTime)
        : rate(complaints.filter((c) => c.kpi.repliedOnTime === true).length, complaints.length),
    contactWithin24h: rate(complaints.filter((c) => c.kpi.contactedOnTime === true).length, complaints.length),
    falseReplies: complaints.reduce((sum, c) => sum + c.kpi.falseReplies, 0),
    firstTimeClosure: rate(reached.filter((c) => c.kpi.firstTimeClosure === true).length, reached.length),
    monthlyClosure: rate(reachable.filter((c) => closedInTime(c, month)).length, reachable.length),
    satisfaction: rate(reachable.filter((c) => c.status === 'closed').length, reachable.length),
  };
}

/**
 * Seed 002 网络抱怨 §6.4 (累积计入次月): an internet complaint received before `month` and not
 * closed before its start is carried into it; one that ended unreachable leaves the rate.
 */
export function isCarriedInto(month: string, c: ScoredComplaint): boolean {
  if (c.kind !== 'complaint' || c.channel !== 'internet') return false;
  const start = monthStart(month).getTime();
  if (new Date(c.receivedAt).getTime() >= start) return false;
  if (!FINISHED_STATUSES.includes(c.status)) return true;
  return Boolean(c.closedAt) && new Date(c.closedAt!).getTime() >= start;
}

function internetSet(month: string, own: ScoredComplaint[], carriedIn: ScoredComplaint[]): InternetKpiSet {
  const set = kpiSet(month, own);
  const end = monthEnd(month).getTime();
  const carried = carriedIn.filter((c) => !isUnreachable(c));
  const carriedClosed = carried.filter((c) => closedBy(c, end)).length;
  const monthlyClosure = rate(set.monthlyClosure.numerator + carriedClosed, set.monthlyClosure.denominator + carried.length);
  return { ...set, monthlyClosure, carried: carried.length, carriedClosed };
}

function repairSet(month: string, requests: ScoredComplaint[]): RepairKpiSet {
  const byRepairCase = Object.fromEntries([...REPAIR_CASES, 'unspecified'].map((k) => [k, requests.filter((c) => (c.repairCase ?? 'unspecified') === k).length])) as RepairKpiSet['byRepairCase'];
  return { ...kpiSet(month, requests, 'repairFeedback'), byRepairCase };
}

function ratingAverages(complaints: ScoredComplaint[]): Record<RatingKey, RatingAverage> {
  return Object.fromEntries(
    RATING_KEYS.map((key) => {
      const given = complaints.flatMap((c) => (typeof c.kpi.ratings?.[key] === 'number' ? [c.kpi.ratings[key]] : []));
      const total = given.reduce((sum, r) => sum + r, 0);
      return [key, { count: given.length, total, average: given.length ? total / given.length : null }];
    }),
  ) as Record<RatingKey, RatingAverage>;
}

/**
 * The month's scorecards (SPEC §6): one for each dealer in `dealerCodes` (the directory's dealers in
 * service that month, whether they had complaints or not), and one for any other dealer its
 * complaints of the month, or carried into it, are attributed to. Sorted by dealer code.
 */
export function scoreMonth(month: string, complaints: ScoredComplaint[], dealerCodes: readonly string[] = []): DealerMonth[] {
  const own = new Map<string, ScoredComplaint[]>(dealerCodes.map((code) => [code, []]));
  const carried = new Map<string, ScoredComplaint[]>();
  const add = (map: Map<string, ScoredComplaint[]>, c: ScoredComplaint) => {
    if (!own.has(c.dealerCode)) own.set(c.dealerCode, []);
    const list = map.get(c.dealerCode);
    if (list) list.push(c);
    else map.set(c.dealerCode, [c]);
  };
  for (const c of complaints) {
    if (beijingMonth(c.receivedAt) === month) add(own, c);
    else if (isCarriedInto(month, c)) add(carried, c);
  }
  return [...own.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([dealerCode, all]) => {
      const scored = all.filter((c) => c.kind === 'complaint');
      return {
        dealerCode,
        month,
        all: kpiSet(month, scored),
        hotline: kpiSet(month, scored.filter((c) => c.channel === 'hotline')),
        internet: internetSet(month, scored.filter((c) => c.channel === 'internet'), carried.get(dealerCode) ?? []),
        repairRequests: repairSet(month, all.filter((c) => c.kind === 'repair_request')),
        countedAgainstQuota: scored.filter((c) => QUOTA_CATEGORIES.includes(c.category)).length,
        byCategory: Object.fromEntries(CATEGORIES.map((category) => [category, scored.filter((c) => c.category === category).length])) as Record<Category, number>,
        ratings: ratingAverages(scored),
      };
    });
}
