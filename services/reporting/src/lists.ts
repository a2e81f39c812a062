import express, { type Router } from 'express';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { COMPLAINT_ROW_FIELDS, complaintRow, LABELS, monthEnd, monthSchema, monthStart, OPEN_STATUSES, policyInForce, STAFF_ROLES, ZONE } from '@complaints/shared';
import { calendarStatus, forcedClosuresIn, loadPolicies, type ComplaintDoc, type Models } from '@complaints/activities';
import { type Auth, scopeFilter, shippedPolicies } from '@complaints/runtime';
import { formatSchema, sendCsv } from './csv';
import { pageOf, pagingSchema } from './paging';

// The reports' lists of complaints: a month's forced closures (SPEC §3) and the complaints open past
// the policy's escalation months (SPEC §4), each within what the caller may see. JSON a page at a time, or CSV for Excel.

const zh = LABELS.zh;

export const LIST_FIELDS = [...COMPLAINT_ROW_FIELDS, 'closedAt', 'closeReason'] as const;
export type Listed = Pick<ComplaintDoc, (typeof LIST_FIELDS)[number]> & { _id: string };

/** A list row with how the complaint closed. */
export const listRow = (c: Listed) => ({ ...complaintRow(c), closedAt: c.closedAt ?? null, closeReason: c.closeReason ?? null });

export function listRoutes(deps: { auth: Auth; models: Models; now?: () => Date }): Router {
  const { models } = deps;
  const now = deps.now ?? (() => new Date());
  const router = express.Router();
  const staff = deps.auth.requireRole(STAFF_ROLES);

  // SPEC §4: the calendars' warnings, for the console's banner on reporting's pages too (intake serves the same).
  router.get('/api/calendars', staff, async (_req, res) => {
    res.json(await calendarStatus(models, now()));
  });

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

  // SPEC §3.2: the complaints received in a month that the coordinator marked invalid (spam,
  // duplicates, not complaints), with why: the one report they appear in, by the month whose
  // scores they were kept out of.
  router.get('/api/reports/invalid', staff, async (req, res) => {
    const query = z.object({ month: monthSchema, format: formatSchema, ...pagingSchema.shape }).strict().parse(req.query);
    const filter = { ...scopeFilter(req.principal!), status: 'invalid' as const, receivedAt: { $gte: monthStart(query.month), $lt: monthEnd(query.month) } };
    const docs = await models.Complaint.find(filter, [...LIST_FIELDS, 'namedDealerCode']).sort({ _id: 1 }).lean<(Listed & { namedDealerCode?: string | null })[]>();
    if (query.format === 'csv') {
      return sendCsv(res, `invalid-${query.month}`, [['抱怨编号 number', '渠道 channel', '客户指定服务商 named dealer', '服务商 dealer', '分类 category', '受理 received', '判定无效 marked invalid', '原因 reason'], ...docs.map((c) => [c._id, zh.channel[c.channel], c.namedDealerCode, c.dealerCode, zh.category[c.category], c.receivedAt.toISOString(), c.closedAt, c.closeReason])]);
    }
    const { items, ...paging } = pageOf(docs, query);
    res.json({ month: query.month, ...paging, complaints: items.map((c) => ({ ...listRow(c), namedDealerCode: c.namedDealerCode ?? null })) });
  });

  // SPEC §4: complaints still open N calendar months after receipt (立项处理 at headquarters), N being
  // `escalationMonths` of the complaint's own policy (3 by default). The path keeps the default's name (SPEC §8).
  router.get('/api/reports/open-past-3-months', staff, async (req, res) => {
    const query = z.object({ format: formatSchema, ...pagingSchema.shape }).strict().parse(req.query);
    const policies = await loadPolicies(models).then((loaded) => (loaded.length ? loaded : shippedPolicies()));
    const at = DateTime.fromJSDate(now()).setZone(ZONE); // calendar months, Beijing time
    const before = (months: number) => at.minus({ months }).toJSDate();
    // A complaint's own policy version; one read before versions were recorded, the policy then in force (or the first).
    const earliest = [...policies].sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom))[0]!;
    const policyOf = (c: Listed & { policyVersion?: string | null }) =>
      policies.find((p) => p.version === c.policyVersion) ?? (policies.some((p) => new Date(p.effectiveFrom) <= c.receivedAt) ? policyInForce(policies, c.receivedAt) : earliest);
    // The shortest escalation of any policy bounds the read; each complaint is then held to its own.
    const filter = { ...scopeFilter(req.principal!), status: { $in: [...OPEN_STATUSES] }, receivedAt: { $lt: before(Math.min(...policies.map((p) => p.escalationMonths))) } };
    const candidates = await models.Complaint.find(filter, [...LIST_FIELDS, 'policyVersion']).sort({ receivedAt: 1, _id: 1 }).lean<(Listed & { policyVersion?: string | null })[]>();
    const docs = candidates.filter((c) => c.receivedAt < before(policyOf(c).escalationMonths));
    if (query.format === 'csv') {
      return sendCsv(res, 'open-past-3-months', [['抱怨编号 number', '服务商 dealer', '大区 region', '分类 category', '状态 status', '受理 received', '已立项 escalated'], ...docs.map((c) => [c._id, c.dealerCode, c.region, zh.category[c.category], zh.status[c.status], c.receivedAt.toISOString(), c.escalated ? '是' : '否'])]);
    }
    const { items, ...paging } = pageOf(docs, query);
    res.json({ asOf: now().toISOString(), ...paging, complaints: items.map(listRow) });
  });
  return router;
}
