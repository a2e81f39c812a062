import { CATEGORIES, type Category, type Channel, type ComplaintStatus, type Kind } from './domain';
import type { KpiFacts } from './kpi';
import { beijingMonth, monthEnd } from './months';

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
  kpi: Pick<KpiFacts, 'repliedOnTime' | 'contactedOnTime' | 'firstTimeClosure' | 'followUps' | 'falseReplies' | 'unreachable'>;
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
  /** 回复及时率: replied within 24 h / complaints */
  replyOnTime: Rate;
  /** 24小时联系率: customer contacted within 24 h / complaints */
  contactWithin24h: Rate;
  /** 虚假回复数量 */
  falseReplies: number;
  /** 一次闭环率: closed at the first closure request and within the deadline / complaints that had a follow-up */
  firstTimeClosure: Rate;
  /** 月度闭环率: closed by the month's end / (complaints − unreachable) */
  monthlyClosure: Rate;
  /** 满意率: closed after a satisfied follow-up / (complaints − unreachable) */
  satisfaction: Rate;
}

export interface DealerMonth {
  dealerCode: string;
  month: string;
  /** Complaints (kind `complaint`) of the month, by channel and in all. */
  all: KpiSet;
  hotline: KpiSet;
  internet: KpiSet;
  /** Repair requests, scored apart and never for incentives. */
  repairRequests: KpiSet;
  /** SPEC §6 quota: that month's product-quality, service-process and technical-capability complaints. */
  countedAgainstQuota: number;
  /** Complaints by category (客户投诉分析报告). */
  byCategory: Record<Category, number>;
}

export const QUOTA_CATEGORIES: readonly Category[] = ['product_quality', 'service_process', 'technical_capability'];

const rate = (numerator: number, denominator: number): Rate => ({ numerator, denominator, rate: denominator === 0 ? null : numerator / denominator });

/** Closed for good: satisfied, or forced (强制闭环 is a closure too); unreachable ones leave the count. */
const CLOSED: readonly ComplaintStatus[] = ['closed', 'force_closed'];

export function kpiSet(month: string, complaints: ScoredComplaint[]): KpiSet {
  const end = monthEnd(month).getTime();
  const unreachable = complaints.filter((c) => c.kpi.unreachable || c.status === 'closed_unreachable');
  const reachable = complaints.filter((c) => !unreachable.includes(c));
  const followedUp = complaints.filter((c) => c.kpi.followUps > 0);
  return {
    complaints: complaints.length,
    unreachable: unreachable.length,
    replyOnTime: rate(complaints.filter((c) => c.kpi.repliedOnTime === true).length, complaints.length),
    contactWithin24h: rate(complaints.filter((c) => c.kpi.contactedOnTime === true).length, complaints.length),
    falseReplies: complaints.reduce((sum, c) => sum + c.kpi.falseReplies, 0),
    firstTimeClosure: rate(followedUp.filter((c) => c.kpi.firstTimeClosure === true).length, followedUp.length),
    monthlyClosure: rate(reachable.filter((c) => CLOSED.includes(c.status) && c.closedAt && new Date(c.closedAt).getTime() < end).length, reachable.length),
    satisfaction: rate(reachable.filter((c) => c.status === 'closed').length, reachable.length),
  };
}

/** Every dealer's scorecard for a month, from that month's complaints (received in it), by dealer code. */
export function scoreMonth(month: string, complaints: ScoredComplaint[]): DealerMonth[] {
  const byDealer = new Map<string, ScoredComplaint[]>();
  for (const c of complaints) {
    if (beijingMonth(c.receivedAt) !== month) continue;
    const list = byDealer.get(c.dealerCode);
    if (list) list.push(c);
    else byDealer.set(c.dealerCode, [c]);
  }
  return [...byDealer.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([dealerCode, all]) => {
      const scored = all.filter((c) => c.kind === 'complaint');
      return {
        dealerCode,
        month,
        all: kpiSet(month, scored),
        hotline: kpiSet(month, scored.filter((c) => c.channel === 'hotline')),
        internet: kpiSet(month, scored.filter((c) => c.channel === 'internet')),
        repairRequests: kpiSet(month, all.filter((c) => c.kind === 'repair_request')),
        countedAgainstQuota: scored.filter((c) => QUOTA_CATEGORIES.includes(c.category)).length,
        byCategory: Object.fromEntries(CATEGORIES.map((category) => [category, scored.filter((c) => c.category === category).length])) as Record<Category, number>,
      };
    });
}
