import express, { type Router } from 'express';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { COMPLAINT_ROW_FIELDS, complaintRow, LABELS, monthSchema, OPEN_STATUSES, STAFF_ROLES } from '@complaints/shared';
import { forcedClosuresIn, type ComplaintDoc, type Models } from '@complaints/activities';
import { requireRole, scopeFilter } from '@complaints/runtime';
import { formatSchema, sendCsv } from './csv';
import { offset, pageOf, pagingSchema } from './paging';

// The reports' lists of complaints: a month's forced closures (SPEC §3) and the complaints open past
// 3 months (SPEC §4), each within what the caller may see. JSON a page at a time, or CSV for Excel.

const zh = LABELS.zh;

export const LIST_FIELDS = [...COMPLAINT_ROW_FIELDS, 'closedAt', 'closeReason'] as const;
export type Listed = Pick<ComplaintDoc, (typeof LIST_FIELDS)[number]> & { _id: string };

/** A list row with how the complaint closed. */
export const listRow = (c: Listed) => ({ ...complaintRow(c), closedAt: c.closedAt ?? null, closeReason: c.closeReason ?? null });

export function listRoutes(deps: { secret: string; models: Models; now?: () => Date }): Router {
  const { models } = deps;
  const now = deps.now ?? (() => new Date());
  const router = express.Router();
  const staff = requireRole(deps.secret, STAFF_ROLES);

  // SPEC §3 step 8: the forced closures of a month (by the month they were closed in).
  router.get('/api/reports/forced-closures', staff, async (req, res) => {
    const query = z.object({ month: monthSchema, format: formatSchema, ...pagingSchema.shape }).strict().parse(req.query);
    const docs = await forcedClosuresIn(models, query.month, { filter: scopeFilter(req.principal!), fields: LIST_FIELDS });
    if (query.format === 'csv') {
      return sendCsv(res, `forced-closures-${query.month}`, [['抱怨编号 number', '服务商 dealer', '大区 region', '分类 category', '受理 received', '强制闭环 closed', '原因 reason'], ...docs.map((c) => [c._id, c.dealerCode, c.region, zh.category[c.category], c.receivedAt.toISOString(), c.closedAt, c.closeReason])]);
    }
    const { items, ...paging } = pageOf(docs, query);
    res.json({ month: query.month, ...paging, complaints: items.map(listRow) });
  });

  // SPEC §4: complaints still open 3 calendar months after receipt (立项处理 at headquarters).
  router.get('/api/reports/open-past-3-months', staff, async (req, res) => {
    const query = z.object({ format: formatSchema, ...pagingSchema.shape }).strict().parse(req.query);
    const cutoff = DateTime.fromJSDate(now()).setZone('Asia/Shanghai').minus({ months: 3 }).toJSDate(); // calendar months, Beijing time
    const filter = { ...scopeFilter(req.principal!), status: { $in: [...OPEN_STATUSES] }, receivedAt: { $lt: cutoff } };
    const list = models.Complaint.find(filter, LIST_FIELDS).sort({ receivedAt: 1, _id: 1 });
    if (query.format === 'csv') {
      const docs = await list.lean<Listed[]>();
      return sendCsv(res, 'open-past-3-months', [['抱怨编号 number', '服务商 dealer', '大区 region', '分类 category', '状态 status', '受理 received', '已立项 escalated'], ...docs.map((c) => [c._id, c.dealerCode, c.region, zh.category[c.category], zh.status[c.status], c.receivedAt.toISOString(), c.escalated ? '是' : '否'])]);
    }
    const [total, docs] = await Promise.all([models.Complaint.countDocuments(filter), list.skip(offset(query)).limit(query.pageSize).lean<Listed[]>()]);
    res.json({ asOf: now().toISOString(), page: query.page, pageSize: query.pageSize, total, complaints: docs.map(listRow) });
  });
  return router;
}
