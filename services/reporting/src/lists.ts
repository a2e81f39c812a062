import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { CATEGORIES, CHANNELS, LABELS, monthEnd, monthStart, OPEN_STATUSES, beijingMonth, type Category, type Channel } from '@complaints/shared';
import { type ComplaintDoc, type Models } from '@complaints/activities';
import { HttpError, jsonBody, notFound, requireRole, type Principal } from '@complaints/runtime';
import { csvWithBom } from './csv';
import { offset, pageOf, pagingSchema } from './paging';

// SPEC §6 reports besides the scorecard: the analysis by category, channel, region and month
// (客户投诉分析报告), the forced-closure list, the complaints open past 3 months, and the case
// library of typical complaints (典型案例库). JSON, or CSV for Excel (UTF-8 with a BOM).

const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month, YYYY-MM');
const formatSchema = z.enum(['json', 'csv']).default('json');
/** The longest analysis one request may ask for: a year of months, read in one pass. */
const MAX_ANALYSIS_MONTHS = 12;
const zh = LABELS.zh;

function sendCsv(res: Response, name: string, rows: (string | number | null | undefined)[][]) {
  res.type('text/csv; charset=utf-8').set('content-disposition', `attachment; filename="${name}.csv"`).send(csvWithBom(rows));
}

/** What a caller may see (SPEC §7): a dealer its own complaints, a regional manager its region. */
function scope(principal: Principal): Record<string, string> {
  if (principal.role === 'dealer') return { dealerCode: principal.dealerCode };
  if (principal.role === 'regional_manager') return { region: principal.region };
  return {};
}

const LIST_FIELDS = { kind: 1, category: 1, channel: 1, severity: 1, status: 1, dealerCode: 1, region: 1, receivedAt: 1, closedAt: 1, closeReason: 1, escalated: 1, overdue: 1 } as const;
type Listed = Pick<ComplaintDoc, keyof typeof LIST_FIELDS> & { _id: string };

const row = (c: Listed) => ({
  number: c._id,
  kind: c.kind,
  category: c.category,
  channel: c.channel,
  severity: c.severity,
  status: c.status,
  dealerCode: c.dealerCode ?? null,
  region: c.region ?? null,
  receivedAt: c.receivedAt.toISOString(),
  closedAt: c.closedAt ?? null,
  closeReason: c.closeReason ?? null,
  escalated: Boolean(c.escalated),
});

export function listRoutes(deps: { secret: string; models: Models; idempotent: RequestHandler; now?: () => Date }): Router {
  const { models } = deps;
  const now = deps.now ?? (() => new Date());
  const router = express.Router();
  const staff = requireRole(deps.secret, ['coordinator', 'call_center', 'hq', 'regional_manager', 'dealer']);

  // 客户投诉分析报告: counts by month, region, channel and category, from one read of the months.
  router.get('/api/reports/analysis', staff, async (req: Request, res: Response) => {
    const query = z.object({ from: monthSchema, to: monthSchema, format: formatSchema }).strict().parse(req.query);
    if (query.from > query.to) throw new HttpError(400, 'validation_failed', 'The request has invalid fields', [{ path: 'to', message: 'must not be before from' }]);
    const latest = DateTime.fromFormat(query.from, 'yyyy-MM').plus({ months: MAX_ANALYSIS_MONTHS - 1 }).toFormat('yyyy-MM');
    if (query.to > latest) throw new HttpError(400, 'validation_failed', 'The request has invalid fields', [{ path: 'to', message: `must be within ${MAX_ANALYSIS_MONTHS} months of from (${latest} at the latest)` }]);
    const docs = await models.Complaint.find({ ...scope(req.principal!), receivedAt: { $gte: monthStart(query.from), $lt: monthEnd(query.to) } }, { kind: 1, category: 1, channel: 1, region: 1, receivedAt: 1, status: 1, closedAt: 1, escalated: 1, kpi: 1 }).lean();
    const groups = new Map<string, { month: string; region: string; channel: Channel; category: Category; complaints: number; closedByMonthEnd: number; satisfied: number; forced: number; unreachable: number; escalated: number }>();
    for (const d of docs) {
      if (d.kind !== 'complaint' && d.kind !== 'repair_request') continue;
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

  // SPEC §3 step 8: the forced closures of a month (by the month they were closed in).
  router.get('/api/reports/forced-closures', staff, async (req, res) => {
    const query = z.object({ month: monthSchema, format: formatSchema, ...pagingSchema.shape }).strict().parse(req.query);
    const docs = (await models.Complaint.find({ ...scope(req.principal!), status: 'force_closed' }, LIST_FIELDS).sort({ _id: 1 }).lean<Listed[]>()).filter((c) => c.closedAt && beijingMonth(c.closedAt) === query.month);
    if (query.format === 'csv') {
      return sendCsv(res, `forced-closures-${query.month}`, [['抱怨编号 number', '服务商 dealer', '大区 region', '分类 category', '受理 received', '强制闭环 closed', '原因 reason'], ...docs.map((c) => [c._id, c.dealerCode, c.region, zh.category[c.category], c.receivedAt.toISOString(), c.closedAt, c.closeReason])]);
    }
    const { items, ...paging } = pageOf(docs, query);
    res.json({ month: query.month, ...paging, complaints: items.map(row) });
  });

  // SPEC §4: complaints still open 3 calendar months after receipt (立项处理 at headquarters).
  router.get('/api/reports/open-past-3-months', staff, async (req, res) => {
    const query = z.object({ format: formatSchema, ...pagingSchema.shape }).strict().parse(req.query);
    const cutoff = DateTime.fromJSDate(now()).setZone('Asia/Shanghai').minus({ months: 3 }).toJSDate(); // calendar months, Beijing time
    const filter = { ...scope(req.principal!), status: { $in: [...OPEN_STATUSES] }, receivedAt: { $lt: cutoff } };
    const list = models.Complaint.find(filter, LIST_FIELDS).sort({ receivedAt: 1, _id: 1 });
    if (query.format === 'csv') {
      const docs = await list.lean<Listed[]>();
      return sendCsv(res, 'open-past-3-months', [['抱怨编号 number', '服务商 dealer', '大区 region', '分类 category', '状态 status', '受理 received', '已立项 escalated'], ...docs.map((c) => [c._id, c.dealerCode, c.region, zh.category[c.category], zh.status[c.status], c.receivedAt.toISOString(), c.escalated ? '是' : '否'])]);
    }
    const [total, docs] = await Promise.all([models.Complaint.countDocuments(filter), list.skip(offset(query)).limit(query.pageSize).lean<Listed[]>()]);
    res.json({ asOf: now().toISOString(), page: query.page, pageSize: query.pageSize, total, complaints: docs.map(row) });
  });

  // 典型案例库: complaints the coordinator marks as typical, with the lesson; facts only, no personal data.
  const caseSchema = z.object({ title: z.string().trim().min(1, 'is required').max(200), lesson: z.string().trim().min(1, 'is required').max(5000), tags: z.array(z.string().trim().min(1).max(50)).max(20).default([]) }).strict();
  router.put('/api/reports/cases/:number', requireRole(deps.secret, ['coordinator']), jsonBody(), deps.idempotent, async (req, res) => {
    const number = String(req.params.number);
    const entry = caseSchema.parse(req.body);
    const complaint = await models.Complaint.findById(number, LIST_FIELDS).lean<Listed>();
    if (!complaint) throw notFound(`complaint ${number}`);
    await models.CaseEntry.replaceOne({ _id: number }, { ...entry, complaint: row(complaint), markedBy: req.principal!.sub }, { upsert: true });
    res.json({ number, ...entry });
  });
  router.get('/api/reports/cases', staff, async (req, res) => {
    const paging = z.object(pagingSchema.shape).strict().parse(req.query);
    const filter = Object.fromEntries(Object.entries(scope(req.principal!)).map(([k, v]) => [`complaint.${k}`, v]));
    const [total, entries] = await Promise.all([models.CaseEntry.countDocuments(filter), models.CaseEntry.find(filter).sort({ _id: -1 }).skip(offset(paging)).limit(paging.pageSize).lean()]);
    res.json({ page: paging.page, pageSize: paging.pageSize, total, cases: entries.map(({ _id, title, lesson, tags, complaint, markedBy }) => ({ number: _id, title, lesson, tags, complaint, markedBy })) });
  });
  return router;
}
