import express, { type Response, type Router } from 'express';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { dealerCodeSchema, monthEnd, scoreMonth, type DealerMonth, type KpiSet, type Rate, type ScoredComplaint } from '@complaints/shared';
import { listDealers, type Models } from '@complaints/activities';
import { requireRole, type Principal } from '@complaints/shared/runtime';

// SPEC §8: `GET /api/reports/scorecard?month=YYYY-MM[&dealerCode=]` (JSON; `format=csv` for CSV).

export const scorecardQuerySchema = z
  .object({
    month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month, YYYY-MM'),
    dealerCode: dealerCodeSchema.optional(),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .strict();

/** The first instant of the month in Beijing time. */
const monthStart = (month: string) => new Date(`${month}-01T00:00:00+08:00`);

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
    scored.push({ number: d._id, kind: d.kind, channel: d.channel, category: d.category, dealerCode, receivedAt: d.receivedAt, status: d.status, closedAt: d.closedAt, kpi: d.kpi ?? NO_FACTS });
  }
  return scored;
}

const NO_FACTS: ScoredComplaint['kpi'] = { repliedOnTime: null, contactedOnTime: null, firstTimeClosure: null, followUps: 0, falseReplies: 0, unreachable: false };

const SCOPES = ['all', 'hotline', 'internet', 'repairRequests'] as const;
const RATES = ['replyOnTime', 'contactWithin24h', 'firstTimeClosure', 'monthlyClosure', 'satisfaction'] as const;

const percent = (r: Rate) => (r.rate === null ? '无数据' : `${(r.rate * 100).toFixed(1)}%`);

/** CSV for Excel: UTF-8 with a BOM (so that Chinese shows), one row per dealer and scope, each rate as n, d and %. */
export function scorecardCsv(cards: (DealerMonth & { dealerName: string; region: string })[]): string {
  const header = ['月份 month', '服务商代码 dealer', '服务商 name', '大区 region', '范围 scope', '抱怨数 complaints', '联系不上 unreachable', '虚假回复 false replies'];
  for (const r of RATES) header.push(`${r} n`, `${r} d`, `${r} %`);
  header.push('计入限值 counted against quota');
  const rows = cards.flatMap((card) =>
    SCOPES.map((scope) => {
      const set: KpiSet = card[scope];
      return [card.month, card.dealerCode, card.dealerName, card.region, scope, set.complaints, set.unreachable, set.falseReplies, ...RATES.flatMap((r) => [set[r].numerator, set[r].denominator, percent(set[r])]), scope === 'all' ? card.countedAgainstQuota : ''];
    }),
  );
  return `\ufeff${stringify([header, ...rows], { record_delimiter: '\r\n' })}`;
}

export function scorecardRoutes(deps: { secret: string; models: Models }): Router {
  const router = express.Router();
  router.get('/api/reports/scorecard', requireRole(deps.secret, ['coordinator', 'call_center', 'hq', 'regional_manager', 'dealer']), async (req, res: Response) => {
    const query = scorecardQuerySchema.parse(req.query);
    const principal: Principal = req.principal!;
    const dealers = new Map((await listDealers(deps.models)).map((d) => [d.code, d]));
    const visible = (code: string) => (principal.role === 'dealer' ? code === principal.dealerCode : principal.role === 'regional_manager' ? dealers.get(code)?.region === principal.region : true);
    const cards = scoreMonth(query.month, await monthComplaints(deps.models, query.month))
      .filter((c) => visible(c.dealerCode) && (!query.dealerCode || c.dealerCode === query.dealerCode))
      .map((c) => ({ ...c, dealerName: dealers.get(c.dealerCode)?.name ?? '', region: dealers.get(c.dealerCode)?.region ?? '' }));
    if (query.format === 'csv') {
      res
        .type('text/csv; charset=utf-8')
        .set('content-disposition', `attachment; filename="scorecard-${query.month}.csv"`)
        .send(scorecardCsv(cards));
      return;
    }
    res.json({ month: query.month, dealers: cards });
  });
  return router;
}
