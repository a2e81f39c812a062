import express, { type Request, type Response, type Router } from 'express';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { beijingMonth, CATEGORIES, CHANNELS, isDealerLoop, LABELS, monthEnd, monthSchema, monthStart, STAFF_ROLES, type Category, type Channel } from '@complaints/shared';
import type { Models } from '@complaints/activities';
import { invalidFields, requireRole, scopeFilter } from '@complaints/runtime';
import { formatSchema, sendCsv } from './csv';

// SPEC §6: the monthly analysis by category, channel, region and month (客户投诉分析报告), of the
// complaints and repair requests the caller may see. JSON, or CSV for Excel.

/** The longest analysis one request may ask for: a year of months, read in one pass. */
const MAX_ANALYSIS_MONTHS = 12;
const zh = LABELS.zh;

export function analysisRoutes(deps: { secret: string; models: Models }): Router {
  const { models } = deps;
  const router = express.Router();
  const staff = requireRole(deps.secret, STAFF_ROLES);

  // 客户投诉分析报告: counts by month, region, channel and category, from one read of the months.
  router.get('/api/reports/analysis', staff, async (req: Request, res: Response) => {
    const query = z.object({ from: monthSchema, to: monthSchema, format: formatSchema }).strict().parse(req.query);
    if (query.from > query.to) throw invalidFields([{ path: 'to', message: 'must not be before from' }]);
    const latest = DateTime.fromFormat(query.from, 'yyyy-MM').plus({ months: MAX_ANALYSIS_MONTHS - 1 }).toFormat('yyyy-MM');
    if (query.to > latest) throw invalidFields([{ path: 'to', message: `must be within ${MAX_ANALYSIS_MONTHS} months of from (${latest} at the latest)` }]);
    const docs = await models.Complaint.find({ ...scopeFilter(req.principal!), receivedAt: { $gte: monthStart(query.from), $lt: monthEnd(query.to) } }, { kind: 1, category: 1, channel: 1, region: 1, receivedAt: 1, status: 1, closedAt: 1, escalated: 1, kpi: 1 }).lean();
    const groups = new Map<string, { month: string; region: string; channel: Channel; category: Category; complaints: number; closedByMonthEnd: number; satisfied: number; forced: number; unreachable: number; escalated: number }>();
    for (const d of docs) {
      if (!isDealerLoop(d.kind)) continue;
      const month = beijingMonth(d.receivedAt);
      const key = [month, d.region ?? '', d.channel, d.category].join('|');
      const g = groups.get(key) ?? { month, region: d.region ?? '', channel: d.channel, category: d.category, complaints: 0, closedByMonthEnd: 0, satisfied: 0, forced: 0, unreachable: 0, escalated: 0 };
      g.complaints += 1;
      if ((d.status === 'closed' || d.status === 'force_closed') && d.closedAt && new Date(d.closedAt) < monthEnd(month)) g.closedByMonthEnd += 1;
      if (d.status === 'closed') g.satisfied += 1;
      if (d.status === 'force_closed') g.forced += 1;
      if (d.status === 'closed_unreachable') g.unreachable += 1;
      if (d.escalated) g.escalated += 1;
      groups.set(key, g);
    }
    const rows = [...groups.values()].sort((a, b) => a.month.localeCompare(b.month) || a.region.localeCompare(b.region) || CHANNELS.indexOf(a.channel) - CHANNELS.indexOf(b.channel) || CATEGORIES.indexOf(a.category) - CATEGORIES.indexOf(b.category));
    if (query.format === 'csv') {
      return sendCsv(res, `analysis-${query.from}-${query.to}`, [
        ['月份 month', '大区 region', '渠道 channel', '分类 category', '抱怨数 complaints', '月内闭环 closed by month end', '满意 satisfied', '强制闭环 forced', '联系不上 unreachable', '立项 escalated'],
        ...rows.map((r) => [r.month, r.region, zh.channel[r.channel], zh.category[r.category], r.complaints, r.closedByMonthEnd, r.satisfied, r.forced, r.unreachable, r.escalated]),
      ]);
    }
    res.json({ from: query.from, to: query.to, rows });
  });
  return router;
}
