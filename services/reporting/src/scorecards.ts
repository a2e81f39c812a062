import express, { type Response, type Router } from 'express';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  RATING_KEYS,
  REPAIR_CASES,
  STAFF_ROLES,
  canSee,
  dealerCodeSchema,
  beijingIso,
  incentiveFor,
  monthFreeze,
  monthSchema,
  monthStart,
  policyInForce,
  previousQuarterMonths,
  quotaFor,
  scoreFromAggregates,
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
import { listDealers, listDealersByMonth, loadPolicies, monthScoringFilter, readMonthAggregates, readOpenAggregates, buildMonthOnce, scoredFromDoc, SCORED_FIELDS, type Models } from '@complaints/activities';
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
    /** The `snapshot` a first page answered with: later pages read the same cards (consistent paging, no second computation). */
    snapshot: z.string().uuid().optional(),
    ...pagingSchema.shape,
  })
  .strict();

interface Snapshot {
  month: string;
  all: Scorecard[];
  regions: Map<string, string>;
  frozen: { version: number; at: string; by: string } | null;
  expires: number;
}
/** A listing's pages are read within a minute; a few dozen listings at a time is plenty for a reporting process. */
const SNAPSHOT_MS = 60_000;
const MAX_SNAPSHOTS = 50;
const snapshots = new Map<string, Snapshot>();

function keepSnapshot(snapshot: Snapshot): string {
  const now = Date.now();
  for (const [id, s] of snapshots) if (s.expires < now || snapshots.size >= MAX_SNAPSHOTS) snapshots.delete(id);
  const id = randomUUID();
  snapshots.set(id, snapshot);
  return id;
}

/**
 * What scoring needs for a month, facts only: the complaints received in it (Beijing time), and the
 * internet complaints of earlier months not closed before it starts (monthScoringFilter).
 */
export async function monthComplaints(models: Models, month: string): Promise<ScoredComplaint[]> {
  const docs = await models.Complaint.find(monthScoringFilter(month), SCORED_FIELDS).lean();
  const scored: ScoredComplaint[] = [];
  for (const d of docs) {
    const c = scoredFromDoc(d as Parameters<typeof scoredFromDoc>[0]);
    if (c) scored.push(c);
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

/**
 * SPEC §6: a month not frozen is provisional (暂定) — its figures still move as complaints close —
 * until its freeze, which the policy in force at its start places (the shipped defaults before any is loaded).
 */
export function monthStatus(month: string, policies: readonly Policy[], frozen: { version: number; at: string } | null): { provisional: boolean; freezesAt: string; label: string } {
  const freezesAt = beijingIso(monthFreeze(month, policies));
  if (frozen) return { provisional: false, freezesAt, label: `最终 final (v${frozen.version}, ${beijingIso(new Date(frozen.at)).slice(0, 16).replace('T', ' ')})` };
  return { provisional: true, freezesAt, label: `暂定 provisional (${freezesAt.slice(0, 16).replace('T', ' ')} 冻结 freezes)` };
}

/** The policies loaded, or the shipped defaults before any is. */
async function policiesOrShipped(models: Models): Promise<Policy[]> {
  const policies = await loadPolicies(models);
  return policies.length ? policies : shippedPolicies();
}

/** The policy in force at the month's start (the shipped defaults before any is loaded): it decides the month's numbers. */
export async function monthPolicy(models: Models, month: string): Promise<Policy> {
  return policyInForce(await policiesOrShipped(models), monthStart(month));
}

/**
 * The month's cards from its aggregates (one small document per dealer, kept by the projection as
 * events arrive); a month never built is built from its complaints first (`scorecard rebuild`).
 */
async function aggregateCards(models: Models, month: string, dealerCodes: string[], open?: Map<string, Record<string, number[]>>): Promise<DealerMonth[]> {
  // The dashboard asks for a month's pages at once: they share one read while it runs (never a stale one after).
  const key = `${month}|${dealerCodes.join(',')}`;
  const running = inFlight.get(models) ?? new Map<string, Promise<DealerMonth[]>>();
  inFlight.set(models, running);
  const pending = running.get(key);
  if (pending) return pending;
  const read = readAggregateCards(models, month, dealerCodes, open).finally(() => running.delete(key));
  running.set(key, read);
  return read;
}
const inFlight = new WeakMap<Models, Map<string, Promise<DealerMonth[]>>>();

async function readAggregateCards(models: Models, month: string, dealerCodes: string[], open?: Map<string, Record<string, number[]>>): Promise<DealerMonth[]> {
  let aggregates = await readMonthAggregates(models, month, { open });
  if (!aggregates) {
    await buildMonthOnce(models, month);
    aggregates = (await readMonthAggregates(models, month))!;
  }
  return scoreFromAggregates(month, aggregates.months, aggregates.open, dealerCodes);
}

/** A what-if's month: its complaints with the facts decided again, and the proposed policy's numbers (quota, incentive). */
export interface WhatIfInputs {
  complaints: ScoredComplaint[];
  policy: Policy;
}

/**
 * SPEC §6: the month's scorecards, one for every dealer of the directory in the network that month
 * (with or without complaints), and for any other dealer the month's complaints are attributed to;
 * each with its quota, incentive conditions, amount due and penalties. Live months read the
 * aggregates; a freeze and a recompute (`from: 'complaints'`) score the month's complaints themselves.
 */
export async function computeScorecards(models: Models, month: string, from: 'aggregates' | 'complaints' = 'aggregates', proposal?: WhatIfInputs): Promise<Scorecard[]> {
  const quarter = previousQuarterMonths(month);
  const [dealers, visits, penalties, policy] = await Promise.all([
    listDealers(models, month),
    models.ServiceVisits.find({ month: { $in: quarter } }).lean(),
    models.Penalty.find({ month }).sort({ createdAt: 1 }).lean(),
    proposal?.policy ?? monthPolicy(models, month),
  ]);
  const directory = new Map(dealers.map((d) => [d.code, d]));
  // A delisted dealer is scored for the months before its delisting month; after it, only if complaints still name it.
  const inService = dealers.filter((d) => d.active).map((d) => d.code);
  const cards = proposal ? scoreMonth(month, proposal.complaints, inService) : from === 'complaints' ? scoreMonth(month, await monthComplaints(models, month), inService) : await aggregateCards(models, month, inService);
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
export function scorecardCsv(cards: Scorecard[], status = ''): string {
  const header = ['月份 month', '服务商代码 dealer', '服务商 name', '大区 region', '星级 star level', '范围 scope', '抱怨数 complaints', '联系不上 unreachable', '虚假回复 false replies'];
  for (const r of RATES) header.push(`${r} n`, `${r} d`, `${r} %`);
  header.push('结转网络抱怨 carried internet', '结转已闭环 carried closed', '计入限值 counted against quota', '限值 quota', '费用支持 incentive', '支持额度 amount due', '未满足条件 failed conditions', '考核 penalties', '状态 status');
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
              status,
            ]
          : ['', '', '', '', '', '', '']),
      ];
    }),
  );
  const month = cards[0]?.month ?? '';
  const { regions, network } = moneyTotals(cards);
  const blank = Array.from({ length: 3 + RATES.length * 3 + 2 + 2 }, () => '');
  const totalRow = (t: MoneyTotal, name: string) => [month, '合计 total', name, t.region || '全网 network', '', 'total', ...blank, `${t.eligible}/${t.dealers}`, t.amountDue, '', t.penaltyAmount ? `amount ${t.penaltyAmount}` : '', status];
  for (const t of regions) rows.push(totalRow(t, `${t.dealers} dealers, ${t.eligible} eligible`));
  if (cards.length) rows.push(totalRow(network, `${network.dealers} dealers, ${network.eligible} eligible`));
  return csvWithBom([header, ...rows]);
}

/** One month of the dashboard's trend: counts and the rates' parts, so that any set of dealers adds up. */
export interface TrendMonth {
  month: string;
  frozen: boolean;
  complaints: number;
  monthlyClosure: { numerator: number; denominator: number };
  satisfaction: { numerator: number; denominator: number };
  overallRating: { count: number; total: number };
}

export const trendQuerySchema = z.object({ month: monthSchema, months: z.coerce.number().int().min(1).max(12).default(6) }).strict();

/** The `n` months up to and including `month`, oldest first. */
function monthsUpTo(month: string, n: number): string[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return Array.from({ length: n }, (_, i) => new Date(Date.UTC(y, m - 1 - (n - 1 - i), 1)).toISOString().slice(0, 7));
}

/**
 * The dashboard's trend (SPEC §6): per month, the complaints, monthly closure, satisfaction and
 * overall rating of the dealers the caller may see; frozen months as frozen, live ones from the
 * aggregates (one small read per dealer-month, no quota or incentive needed).
 */
export async function readTrend(models: Models, principal: Principal, month: string, n: number): Promise<TrendMonth[]> {
  const months = monthsUpTo(month, n);
  // One read of the directory and of the open internet complaints for all the months.
  // Frozen months by _id, one each: the only lookup FerretDB answers from an index.
  const [directory, open, frozenMonths] = await Promise.all([listDealersByMonth(models, months), readOpenAggregates(models), Promise.all(months.map((m) => models.FrozenScorecard.findById(m, { cards: 1 }).lean()))]);
  const frozenCards = new Map(frozenMonths.flatMap((f) => (f ? [[String(f._id), f.cards as Scorecard[]] as const] : [])));
  return Promise.all(
    months.map(async (m): Promise<TrendMonth> => {
      const dealers = directory.get(m)!;
      const regions = new Map(dealers.map((d) => [d.code, d.region]));
      const frozen = frozenCards.get(m);
      const cards: DealerMonth[] = frozen ? frozen.map(normalizeCard) : await aggregateCards(models, m, dealers.filter((d) => d.active).map((d) => d.code), open);
      const seen = cards.filter((c) => canSee(principal, { dealerCode: c.dealerCode, region: regions.get(c.dealerCode) }));
      const sum = (f: (c: DealerMonth) => number) => seen.reduce((total, c) => total + f(c), 0);
      return {
        month: m,
        frozen: Boolean(frozen),
        complaints: sum((c) => c.all.complaints),
        monthlyClosure: { numerator: sum((c) => c.all.monthlyClosure.numerator), denominator: sum((c) => c.all.monthlyClosure.denominator) },
        satisfaction: { numerator: sum((c) => c.all.satisfaction.numerator), denominator: sum((c) => c.all.satisfaction.denominator) },
        overallRating: { count: sum((c) => c.ratings.overall.count), total: sum((c) => c.ratings.overall.total) },
      };
    }),
  );
}

export function scorecardRoutes(deps: { auth: Auth; models: Models }): Router {
  const router = express.Router();
  router.get('/api/reports/trend', deps.auth.requireRole(STAFF_ROLES), async (req, res: Response) => {
    const query = trendQuerySchema.parse(req.query);
    res.json({ month: query.month, months: await readTrend(deps.models, req.principal!, query.month, query.months) });
  });
  router.get('/api/reports/scorecard', deps.auth.requireRole(STAFF_ROLES), async (req, res: Response) => {
    const query = scorecardQuerySchema.parse(req.query);
    const principal: Principal = req.principal!;
    const kept = query.snapshot ? snapshots.get(query.snapshot) : undefined;
    let snapshot: Snapshot;
    let snapshotId: string;
    if (kept && kept.month === query.month && kept.expires >= Date.now()) {
      snapshot = kept;
      snapshotId = query.snapshot!;
    } else {
      // A frozen month is served as frozen: late events do not move it (a recompute is explicit).
      const frozen = await deps.models.FrozenScorecard.findById(query.month, { cards: 1, version: 1, frozenAt: 1, frozenBy: 1 }).lean();
      const all: Scorecard[] = frozen ? (frozen.cards as Scorecard[]).map(normalizeCard) : await computeScorecards(deps.models, query.month);
      // A card is seen as its dealer's complaints are (SPEC §7), by the dealer's region in the directory
      // (a live card carries it; a frozen one is placed by today's directory).
      const regions = frozen ? new Map((await listDealers(deps.models, query.month)).map((d) => [d.code, d.region])) : new Map(all.map((c) => [c.dealerCode, c.region]));
      snapshot = { month: query.month, all, regions, frozen: frozen ? { version: frozen.version, at: frozen.frozenAt, by: frozen.frozenBy } : null, expires: Date.now() + SNAPSHOT_MS };
      snapshotId = '';
    }
    const { all, regions, frozen } = snapshot;
    const visible = (code: string) => canSee(principal, { dealerCode: code, region: regions.get(code) });
    const cards = all.filter((c) => visible(c.dealerCode) && (!query.dealerCode || c.dealerCode === query.dealerCode));
    // Kept only for a listing with pages still to read.
    if (!snapshotId && query.format === 'json' && cards.length > query.page * query.pageSize) snapshotId = keepSnapshot(snapshot);
    const policies = await policiesOrShipped(deps.models);
    const status = monthStatus(query.month, policies, frozen);
    if (query.format === 'csv') {
      res
        .type('text/csv; charset=utf-8')
        .set('content-disposition', `attachment; filename="scorecard-${query.month}${status.provisional ? '-provisional' : ''}.csv"`)
        .send(scorecardCsv(cards, status.label));
      return;
    }
    const { items, ...paging } = pageOf(cards, query);
    // The numbers pages name (a column's "24小时", the repair clock's days) come from the month's policy, not the page.
    const policy = policyInForce(policies, monthStart(query.month));
    res.json({
      month: query.month,
      frozen,
      provisional: status.provisional,
      freezesAt: status.freezesAt,
      ...(snapshotId && { snapshot: snapshotId }),
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
