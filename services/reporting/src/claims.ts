import express, { type Router } from 'express';
import { z } from 'zod';
import { LABELS, monthEnd, monthSchema, monthStart, STAFF_ROLES, type ClaimType } from '@complaints/shared';
import type { Models } from '@complaints/activities';
import { type Auth, scopeFilter } from '@complaints/runtime';
import { formatSchema, sendCsv } from './csv';

// SPEC §3.10: the special and travel claims approved in a month (by the day of approval), paid through
// warranty: each claim, and the totals per dealer, per region and for the network, for finance. Each
// caller sees what its scope allows (a dealer its own, a regional manager its region); amounts only,
// never the claim's documents or description.

interface Total {
  claims: number;
  claimed: number;
  approved: number;
}
const cents = (n: number) => Math.round(n * 100) / 100;
const add = (t: Total, c: { amount: number; approvedAmount?: number | null }) => {
  t.claims += 1;
  t.claimed = cents(t.claimed + c.amount);
  t.approved = cents(t.approved + (c.approvedAmount ?? 0));
};
const empty = (): Total => ({ claims: 0, claimed: 0, approved: 0 });

export async function approvedClaims(models: Models, month: string, scope: Record<string, unknown> = {}) {
  const docs = await models.Claim.find({ ...scope, status: 'approved', decidedAt: { $gte: monthStart(month), $lt: monthEnd(month) } }, { description: 0, documents: 0 })
    .sort({ decidedAt: 1, _id: 1 })
    .lean();
  const claims = docs.map((c) => ({ id: String(c._id), number: c.number, dealerCode: c.dealerCode, region: c.region ?? null, type: c.type as ClaimType, amount: c.amount, approvedAmount: c.approvedAmount ?? 0, decidedAt: c.decidedAt!.toISOString(), decidedBy: c.decidedBy ?? null }));
  const dealers = new Map<string, Total & { dealerCode: string; region: string | null }>();
  const regions = new Map<string, Total & { region: string | null }>();
  const network = empty();
  for (const c of claims) {
    const dealer = dealers.get(c.dealerCode) ?? { dealerCode: c.dealerCode, region: c.region, ...empty() };
    const region = regions.get(c.region ?? '') ?? { region: c.region, ...empty() };
    add(dealer, c);
    add(region, c);
    add(network, c);
    dealers.set(c.dealerCode, dealer);
    regions.set(c.region ?? '', region);
  }
  const byKey = <T extends { dealerCode?: string; region: string | null }>(a: T, b: T) => (a.region ?? '').localeCompare(b.region ?? '') || (a.dealerCode ?? '').localeCompare(b.dealerCode ?? '');
  return { month, claims, dealers: [...dealers.values()].sort(byKey), regions: [...regions.values()].sort(byKey), network };
}

export function claimReportRoutes(deps: { auth: Auth; models: Models }): Router {
  const router = express.Router();
  router.get('/api/reports/claims', deps.auth.requireRole(STAFF_ROLES), async (req, res) => {
    const query = z.object({ month: monthSchema, format: formatSchema }).strict().parse(req.query);
    const report = await approvedClaims(deps.models, query.month, scopeFilter(req.principal!));
    if (query.format === 'csv') {
      const zh = LABELS.zh.claimType;
      return sendCsv(res, `claims-${query.month}`, [
        ['索赔单 claim', '抱怨编号 number', '服务商 dealer', '大区 region', '类型 type', '申请金额 claimed', '批准金额 approved', '批准时间 approved at', '批准人 by'],
        ...report.claims.map((c) => [c.id, c.number, c.dealerCode, c.region, zh[c.type], c.amount, c.approvedAmount, c.decidedAt, c.decidedBy]),
        ...report.dealers.map((d) => ['服务商合计 dealer total', '', d.dealerCode, d.region, `${d.claims}`, d.claimed, d.approved, '', '']),
        ...report.regions.map((r) => ['大区合计 region total', '', '', r.region, `${r.claims}`, r.claimed, r.approved, '', '']),
        ['全网合计 network total', '', '', '', `${report.network.claims}`, report.network.claimed, report.network.approved, '', ''],
      ]);
    }
    res.json(report);
  });
  return router;
}
