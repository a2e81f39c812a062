import express, { type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import { STAFF_ROLES } from '@complaints/shared';
import type { Models } from '@complaints/activities';
import { type Auth, jsonBody, notFound, scopeFilter } from '@complaints/runtime';
import { LIST_FIELDS, listRow, type Listed } from './lists';
import { offset, pagingSchema } from './paging';

// SPEC §6: the case library (典型案例库). The complaint's list row is copied in (never personal
// data), so that the library reads without joins and is scoped like the complaints.

export function caseRoutes(deps: { auth: Auth; models: Models; idempotent: RequestHandler }): Router {
  const { models } = deps;
  const router = express.Router();
  const staff = deps.auth.requireRole(STAFF_ROLES);

  // Complaints the coordinator marks as typical, with the lesson.
  const caseSchema = z.object({ title: z.string().trim().min(1, 'is required').max(200), lesson: z.string().trim().min(1, 'is required').max(5000), tags: z.array(z.string().trim().min(1).max(50)).max(20).default([]) }).strict();
  router.put('/api/reports/cases/:number', deps.auth.requireRole(['coordinator']), jsonBody(), deps.idempotent, async (req, res) => {
    const number = String(req.params.number);
    const entry = caseSchema.parse(req.body);
    const complaint = await models.Complaint.findById(number, LIST_FIELDS).lean<Listed>();
    if (!complaint) throw notFound(`complaint ${number}`);
    await models.CaseEntry.replaceOne({ _id: number }, { ...entry, complaint: listRow(complaint), markedBy: req.principal!.sub }, { upsert: true });
    res.json({ number, ...entry });
  });
  router.get('/api/reports/cases', staff, async (req, res) => {
    const paging = z.object(pagingSchema.shape).strict().parse(req.query);
    const filter = Object.fromEntries(Object.entries(scopeFilter(req.principal!)).map(([k, v]) => [`complaint.${k}`, v]));
    const [total, entries] = await Promise.all([models.CaseEntry.countDocuments(filter), models.CaseEntry.find(filter).sort({ _id: -1 }).skip(offset(paging)).limit(paging.pageSize).lean()]);
    res.json({ page: paging.page, pageSize: paging.pageSize, total, cases: entries.map(({ _id, title, lesson, tags, complaint, markedBy }) => ({ number: _id, title, lesson, tags, complaint, markedBy })) });
  });
  return router;
}
