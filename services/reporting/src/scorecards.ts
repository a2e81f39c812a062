import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import {
  NO_KPI_FACTS,
  RATING_KEYS,
  REPAIR_CASES,
  STAFF_ROLES,
  canSee,
  dealerCodeSchema,
  incentiveFor,
  monthEnd,
  monthSchema,
  monthStart,
  OPEN_STATUSES,
  policyInForce,
  previousQuarterMonths,
  quotaFor,
  scoreMonth,
  type DealerMonth,
  type Incentive,
  type KpiSet,
  type PenaltyKind,
  type Policy,
  type Quota,
  type Rate,
  type ScoredComplaint,
} from '@complaints/shared';
import { listDealers, loadPolicies, type Models } from '@complaints/activities';
import { type Auth, shippedPolicies, type Principal } from '@complaints/runtime';
import { csvWithBom } from './csv';
import { pageOf, pagingSchema } from './paging';

// SPEC §8: `GET /api/reports/scorecard?month=YYYY-MM[&dealerCode=]` (JSON, a page of dealers at a
// time: `page`, `pageSize`; `format=csv` for CSV, every dealer of the month).

export const scorecardQuerySchema = z
  .object({
    month: monthSchema,
    dealerCode: dealerCodeSchema.optional(),
    format: z.enum(['json', 'csv']).default('json'),
    ...pagingSchema.shape,
  })
  .strict();

const SCORED_FIELDS = { kind: 1, channel: 1, category: 1, dealerCode: 1, attributedDealerCode: 1, receivedAt: 1, status: 1, closedAt: 1, kpi: 1, repairCase: 1 } as const;

/** Twenty hours either side covers any offset a stored time may carry: a string bound that never leaves one out. */
const OFFSET_SLACK_MS = 20 * 3_600_000;

/**
 * What scoring needs for a month, facts only: the complaints received in it (Beijing time), and the
 * internet complaints of earlier months not closed before it starts, which seed 002 网络抱怨 §6.4
 * carries into its internet closure rate.
 */
export async function monthComplaints(models: Models, month: string): Promise<ScoredComplaint[]> {
  const start = monthStart(month);
  // One read (FerretDB scans the collection for any filter but _id: two reads would cost two scans).
  // `closedAt` is an ISO string as the workflow wrote it: compared loosely here, exactly in isCarriedInto.
  const docs = await models.Complaint.find(
    {
      $or: [
        { receivedAt: { $gte: start, $lt: monthEnd(month) } },
        { kind: 'complaint', channel: 'internet', receivedAt: { $lt: start }, $or: [{ status: { $in: [...OPEN_STATUSES] } }, { closedAt: { $gte: new Date(start.getTime() - OFFSET_SLACK_MS).toISOString().slice(0, 10) } }] },
      ],
    },
    SCORED_FIELDS,
  ).lean();
  const scored: ScoredComplaint[] = [];
  for (const d of docs) {
    // SPEC §3: a reassigned complaint counts against the first dealer; one never dispatched, against nobody.
    const dealerCode = d.attributedDealerCode ?? d.dealerCode;
    if (!dealerCode) continue;
    const repairCase = (d as { repairCase?: string | null }).repairCase;
    scored.push({
      number: d._id,
      kind: d.kind,
      channel: d.channel,
      category: d.category,
      dealerCode,
      receivedAt: d.receivedAt,
      status: d.status,
      closedAt: d.closedAt,
      ...(repairCase && (REPAIR_CASES as readonly string[]).includes(repairCase) && { repairCase: repairCase as ScoredComplaint['repairCase'] }),
      kpi: d.kpi ?? NO_KPI_FACTS,
    });
  }
  return scored;
}

export interface ScorecardPenalty {
  kind: PenaltyKind;
  reason: string;
  amount?: number;
  complaintNumber?: string;
  by: string;
}

export type Scorecard = DealerMonth & {
  dealerName: string;
  region: string;
  /** The directory's service status and star level for the month (after penalties). */
  serviceStatus: string;
  starLevel: number | null;
  quota: Quota;
  incentive: Incentive;
  penalties: ScorecardPenalty[];
};

/** The policy in force at the month's start (the shipped defaults before any is loaded): it decides the month's numbers. */
export async function monthPolicy(models: Models, month: string): Promise<Policy> {
  const policies = await loadPolicies(models);
  return policyInForce(policies.length ? policies : shippedPolicies(), monthStart(month));
}

/**
 * SPEC §6: the month's scorecards, one for every dealer of the directory in the network that month
 * (with or without complaints), and for any other dealer the month's complaints are attributed to;
 * each with its quota, incentive conditions, amount due and penalties.
 */
export async function computeScorecards(models: Models, month: string): Promise<Scorecard[]> {
  const quarter = previousQuarterMonths(month);
  const [dealers, complaints, visits, penalties, policy] = await Promise.all([
    listDealers(models, month),
    monthComplaints(models, month),
    models.ServiceVisits.find({ month: { $in: quarter } }).lean(),
    models.Penalty.find({ month }).sort({ createdAt: 1 }).lean(),
    monthPolicy(models, month),
  ]);
  const directory = new Map(dealers.map((d) => [d.code, d]));
  // A delisted dealer is scored for the months before its delisting month; after it, only if complaints still name it.
  const cards = scoreMonth(month, complaints, dealers.filter((d) => d.active).map((d) => d.code));
  return cards.map((card) => {
    const dealer = directory.get(card.dealerCode);
    const own: ScorecardPenalty[] = penalties
      .filter((p) => p.dealerCode === card.dealerCode)
      .map((p) => ({ kind: p.kind as PenaltyKind, reason: p.reason, ...(typeof p.amount === 'number' && { amount: p.amount }), ...(p.complaintNumber && { complaintNumber: p.complaintNumber }), by: p.by }));
    const quota = quotaFor(month, new Map(visits.filter((v) => v.dealerCode === card.dealerCode).map((v) => [v.month, v.visits])), policy.quota.ratio);
    const standing = { inDirectory: Boolean(dealer), serviceStatus: dealer?.serviceStatus ?? 'active', starLevel: dealer?.starLevel ?? null, delistedFrom: dealer?.delistedFrom ?? null };
    const incentive = incentiveFor(card, quota, own, standing, policy);
    return { ...card, dealerName: dealer?.name ?? '', region: dealer?.region ?? '', serviceStatus: standing.serviceStatus, starLevel: standing.starLevel, quota, incentive, penalties: own };
  });
}

const NO_RATE: Rate = { numerator: 0, denominator: 0, rate: null };
const withDefaults = (set: Partial<KpiSet> | undefined): KpiSet => ({ ...(set as KpiSet), acknowledgedOnTime: set?.acknowledgedOnTime ?? NO_RATE });

/**
 * A card as frozen, in today's shape: months frozen before a figure existed show it as "no data"
 * (or 0 carried, no amount recorded) rather than failing the page that reads it.
 */
export function normalizeCard(card: Partial<Scorecard> & DealerMonth): Scorecard {
  const incentive = card.incentive ?? ({ eligible: false, conditions: [] } as unknown as Incentive);
  return {
    ...card,
    all: withDefaults(card.all),
    hotline: withDefaults(card.hotline),
    internet: { ...withDefaults(card.internet), carried: card.internet?.carried ?? 0, carriedClosed: card.internet?.carriedClosed ?? 0 },
    repairRequests: {
      ...withDefaults(card.repairRequests),
      byRepairCase: card.repairRequests?.byRepairCase ?? (Object.fromEntries([...REPAIR_CASES, 'unspecified'].map((k) => [k, 0])) as Scorecard['repairRequests']['byRepairCase']),
    },
    ratings: card.ratings ?? (Object.fromEntries(RATING_KEYS.map((k) => [k, { count: 0, total: 0, average: null }])) as Scorecard['ratings']),
    dealerName: card.dealerName ?? '',
    region: card.region ?? '',
    serviceStatus: card.serviceStatus ?? '',
    starLevel: card.starLevel ?? null,
    quota: card.quota as Quota,
    // Frozen before amounts were computed: nothing is due where it was not eligible; unknown (null) where it was.
    incentive: { ...incentive, amountDue: incentive.amountDue ?? (incentive.eligible ? (null as unknown as number) : 0), amountBasis: incentive.amountBasis ?? '' },
    penalties: card.penalties ?? [],
  };
}

/** For finance (seed 002 费用支持 §4.2): the month's incentive amounts and money penalties, per region and for the network. */
export interface MoneyTotal {
  region: string;
  dealers: number;
  eligible: number;
  amountDue: number;
  penaltyAmount: number;
}

export function moneyTotals(cards: Scorecard[]): { regions: MoneyTotal[]; network: MoneyTotal } {
  const add = (total: MoneyTotal, card: Scorecard) => {
    total.dealers += 1;
    if (card.incentive.eligible) total.eligible += 1;
    total.amountDue += card.incentive.amountDue ?? 0;
    total.penaltyAmount += card.penalties.filter((p) => p.kind === 'amount').reduce((sum, p) => sum + (p.amount ?? 0), 0);
  };
  const empty = (region: string): MoneyTotal => ({ region, dealers: 0, eligible: 0, amountDue: 0, penaltyAmount: 0 });
  const regions = new Map<string, MoneyTotal>();
  const network = empty('');
  for (const card of cards) {
    const total = regions.get(card.region) ?? empty(card.region);
    add(total, card);
    add(network, card);
    regions.set(card.region, total);
  }
  return { regions: [...regions.values()].sort((a, b) => a.region.localeCompare(b.region)), network };
}

const SCOPES = ['all', 'hotline', 'internet', 'repairRequests'] as const;
const RATES = ['acknowledgedOnTime', 'replyOnTime', 'contactWithin24h', 'firstTimeClosure', 'monthlyClosure', 'satisfaction'] as const;

const percent = (r: Rate) => (r.rate === null ? '无数据' : `${(r.rate * 100).toFixed(1)}%`);

/**
 * CSV for Excel: UTF-8 with a BOM (so that Chinese shows), one row per dealer and scope, each rate
 * as n, d and %; then, for finance, a total row per region and one for the network.
 */
export function scorecardCsv(cards: Scorecard[]): string {
  const header = ['月份 month', '服务商代码 dealer', '服务商 name', '大区 region', '星级 star level', '范围 scope', '抱怨数 complaints', '联系不上 unreachable', '虚假回复 false replies'];
  for (const r of RATES) header.push(`${r} n`, `${r} d`, `${r} %`);
  header.push('结转网络抱怨 carried internet', '结转已闭环 carried closed', '计入限值 counted against quota', '限值 quota', '费用支持 incentive', '支持额度 amount due', '未满足条件 failed conditions', '考核 penalties');
  const rows: (string | number | null)[][] = cards.flatMap((card) =>
    SCOPES.map((scope) => {
      const set: KpiSet = card[scope];
      return [
        card.month,
        card.dealerCode,
        card.dealerName,
        card.region,
        card.starLevel ?? '',
        scope,
        set.complaints,
        set.unreachable,
        set.falseReplies,
        ...RATES.flatMap((r) => [set[r].numerator, set[r].denominator, percent(set[r])]),
        ...(scope === 'internet' ? [card.internet.carried, card.internet.carriedClosed] : ['', '']),
        ...(scope === 'all'
          ? [
              card.countedAgainstQuota,
              card.quota.quota ?? '无数据',
              card.incentive.eligible ? '是 yes' : '否 no',
              card.incentive.amountDue ?? '',
              card.incentive.conditions.filter((c) => !c.pass).map((c) => `${c.name}: ${c.why}`).join('; '),
              card.penalties.map((p) => `${p.kind}${p.amount ? ` ${p.amount}` : ''}${p.complaintNumber ? ` (${p.complaintNumber})` : ''}: ${p.reason}`).join('; '),
            ]
          : ['', '', '', '', '', '']),
      ];
    }),
  );
  const month = cards[0]?.month ?? '';
  const { regions, network } = moneyTotals(cards);
  const blank = Array.from({ length: 3 + RATES.length * 3 + 2 + 2 }, () => '');
  const totalRow = (t: MoneyTotal, name: string) => [month, '合计 total', name, t.region || '全网 network', '', 'total', ...blank, `${t.eligible}/${t.dealers}`, t.amountDue, '', t.penaltyAmount ? `amount ${t.penaltyAmount}` : ''];
  for (const t of regions) rows.push(totalRow(t, `${t.dealers} dealers, ${t.eligible} eligible`));
  if (cards.length) rows.push(totalRow(network, `${network.dealers} dealers, ${network.eligible} eligible`));
  return csvWithBom([header, ...rows]);
}

export function scorecardRoutes(deps: { auth: Auth; models: Models }): Router {
  const router = express.Router();
  router.get('/api/reports/scorecard', deps.auth.requireRole(STAFF_ROLES), async (req, res: Response) => {
    const query = scorecardQuerySchema.parse(req.query);
    const principal: Principal = req.principal!;
    const regions = new Map((await listDealers(deps.models, query.month)).map((d) => [d.code, d.region]));
    // A card is seen as its dealer's complaints are (SPEC §7), by the dealer's region in the directory.
    const visible = (code: string) => canSee(principal, { dealerCode: code, region: regions.get(code) });
    // A frozen month is served as frozen: late events do not move it (a recompute is explicit).
    const frozen = await deps.models.FrozenScorecard.findById(query.month, { cards: 1, version: 1, frozenAt: 1, frozenBy: 1 }).lean();
    const all: Scorecard[] = frozen ? (frozen.cards as Scorecard[]).map(normalizeCard) : await computeScorecards(deps.models, query.month);
    const cards = all.filter((c) => visible(c.dealerCode) && (!query.dealerCode || c.dealerCode === query.dealerCode));
    if (query.format === 'csv') {
      res
        .type('text/csv; charset=utf-8')
        .set('content-disposition', `attachment; filename="scorecard-${query.month}.csv"`)
        .send(scorecardCsv(cards));
      return;
    }
    const { items, ...paging } = pageOf(cards, query);
    // The numbers pages name (a column's "24小时", the repair clock's days) come from the month's policy, not the page.
    const policy = await monthPolicy(deps.models, query.month);
    res.json({
      month: query.month,
      frozen: frozen ? { version: frozen.version, at: frozen.frozenAt, by: frozen.frozenBy } : null,
      policy: {
        version: policy.version,
        replyHours: policy.reply.hours,
        contactHours: policy.contact.hours,
        repairFeedbackWorkingDays: policy.repairRequest.feedbackWorkingDays,
        incentiveAmount: policy.incentive.amount,
        incentiveByStarLevel: policy.incentive.byStarLevel,
        acknowledgementIsCondition: policy.acknowledgement.incentiveCondition,
      },
      ...paging,
      totals: moneyTotals(cards),
      dealers: items,
    });
  });
  return router;
}
