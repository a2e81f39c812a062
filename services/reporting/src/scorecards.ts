import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import { NO_KPI_FACTS, STAFF_ROLES, canSee, dealerCodeSchema, incentiveFor, monthEnd, monthSchema, monthStart, policyInForce, previousQuarterMonths, quotaFor, scoreMonth, type DealerMonth, type Incentive, type KpiSet, type Quota, type Rate, type ScoredComplaint } from '@complaints/shared';
import { listDealers, loadPolicies, type Models } from '@complaints/activities';
import { requireRole, shippedPolicies, type Principal } from '@complaints/runtime';
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

/** The month's complaints (received in it, Beijing time), as scoring needs them: one read, facts only. */
export async function monthComplaints(models: Models, month: string): Promise<ScoredComplaint[]> {
  const docs = await models.Complaint.find(
    { receivedAt: { $gte: monthStart(month), $lt: monthEnd(month) } },
    { kind: 1, channel: 1, category: 1, dealerCode: 1, attributedDealerCode: 1, receivedAt: 1, status: 1, closedAt: 1, kpi: 1 },
  ).lean();
  const scored: ScoredComplaint[] = [];
  for (const d of docs) {
    // SPEC §3: a reassigned complaint counts against the first dealer; one never dispatched, against nobody.
    const dealerCode = d.attributedDealerCode ?? d.dealerCode;
    if (!dealerCode) continue;
    scored.push({ number: d._id, kind: d.kind, channel: d.channel, category: d.category, dealerCode, receivedAt: d.receivedAt, status: d.status, closedAt: d.closedAt, kpi: d.kpi ?? NO_KPI_FACTS });
  }
  return scored;
}

const SCOPES = ['all', 'hotline', 'internet', 'repairRequests'] as const;
const RATES = ['replyOnTime', 'contactWithin24h', 'firstTimeClosure', 'monthlyClosure', 'satisfaction'] as const;

const percent = (r: Rate) => (r.rate === null ? '无数据' : `${(r.rate * 100).toFixed(1)}%`);

/** CSV for Excel: UTF-8 with a BOM (so that Chinese shows), one row per dealer and scope, each rate as n, d and %. */
export function scorecardCsv(cards: Scorecard[]): string {
  const header = ['月份 month', '服务商代码 dealer', '服务商 name', '大区 region', '范围 scope', '抱怨数 complaints', '联系不上 unreachable', '虚假回复 false replies'];
  for (const r of RATES) header.push(`${r} n`, `${r} d`, `${r} %`);
  header.push('计入限值 counted against quota', '限值 quota', '费用支持 incentive', '未满足条件 failed conditions', '考核 penalties');
  const rows = cards.flatMap((card) =>
    SCOPES.map((scope) => {
      const set: KpiSet = card[scope];
      return [card.month, card.dealerCode, card.dealerName, card.region, scope, set.complaints, set.unreachable, set.falseReplies, ...RATES.flatMap((r) => [set[r].numerator, set[r].denominator, percent(set[r])]), ...(scope === 'all'
        ? [card.countedAgainstQuota, card.quota.quota ?? '无数据', card.incentive.eligible ? '是 yes' : '否 no', card.incentive.conditions.filter((c) => !c.pass).map((c) => `${c.name}: ${c.why}`).join('; '), card.penalties.map((p) => `${p.kind}${p.amount ? ` ${p.amount}` : ''}: ${p.reason}`).join('; ')]
        : ['', '', '', '', ''])];
    }),
  );
  return csvWithBom([header, ...rows]);
}

export type Scorecard = DealerMonth & { dealerName: string; region: string; quota: Quota; incentive: Incentive; penalties: { kind: string; reason: string; amount?: number; by: string }[] };

/** Each card with its quota (from the previous quarter's visits), incentive conditions and penalties. */
export async function withQuotaAndIncentive(models: Models, month: string, cards: DealerMonth[], dealers: Map<string, { name: string; region: string; serviceStatus?: string | null }>): Promise<Scorecard[]> {
  const quarter = previousQuarterMonths(month);
  const [visits, penalties, policies] = await Promise.all([models.ServiceVisits.find({ month: { $in: quarter } }).lean(), models.Penalty.find({ month }).sort({ createdAt: 1 }).lean(), loadPolicies(models)]);
  // The policy in force at the month's start gives the ratio (the shipped defaults before any is loaded).
  const ratio = policyInForce(policies.length ? policies : shippedPolicies(), monthStart(month)).quota.ratio;
  return cards.map((card) => {
    const dealer = dealers.get(card.dealerCode);
    const own = penalties.filter((p) => p.dealerCode === card.dealerCode).map((p) => ({ kind: p.kind, reason: p.reason, ...(p.amount !== undefined && p.amount !== null && { amount: p.amount }), by: p.by }));
    const quota = quotaFor(month, new Map(visits.filter((v) => v.dealerCode === card.dealerCode).map((v) => [v.month, v.visits])), ratio);
    return { ...card, dealerName: dealer?.name ?? '', region: dealer?.region ?? '', quota, incentive: incentiveFor(card, quota, own, dealer?.serviceStatus ?? 'active'), penalties: own };
  });
}

export function scorecardRoutes(deps: { secret: string; models: Models }): Router {
  const router = express.Router();
  router.get('/api/reports/scorecard', requireRole(deps.secret, STAFF_ROLES), async (req, res: Response) => {
    const query = scorecardQuerySchema.parse(req.query);
    const principal: Principal = req.principal!;
    const dealers = new Map((await listDealers(deps.models)).map((d) => [d.code, d]));
    // A card is seen as its dealer's complaints are (SPEC §7), by the dealer's region in the directory today.
    const visible = (code: string) => canSee(principal, { dealerCode: code, region: dealers.get(code)?.region });
    // A frozen month is served as frozen: late events do not move it (a recompute is explicit).
    const frozen = await deps.models.FrozenScorecard.findById(query.month, { cards: 1, version: 1, frozenAt: 1, frozenBy: 1 }).lean();
    const all: Scorecard[] = frozen ? (frozen.cards as Scorecard[]) : await withQuotaAndIncentive(deps.models, query.month, scoreMonth(query.month, await monthComplaints(deps.models, query.month)), dealers);
    const cards = all.filter((c) => visible(c.dealerCode) && (!query.dealerCode || c.dealerCode === query.dealerCode));
    if (query.format === 'csv') {
      res
        .type('text/csv; charset=utf-8')
        .set('content-disposition', `attachment; filename="scorecard-${query.month}.csv"`)
        .send(scorecardCsv(cards));
      return;
    }
    const { items, ...paging } = pageOf(cards, query);
    res.json({ month: query.month, frozen: frozen ? { version: frozen.version, at: frozen.frozenAt, by: frozen.frozenBy } : null, ...paging, dealers: items });
  });
  return router;
}
