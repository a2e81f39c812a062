import express, { type Router } from 'express';
import type { QueryFilter } from 'mongoose';
import { availableActions, canSee, followUpDue, OPEN_STATUSES, COMPLAINT_ROW_FIELDS, complaintRow, complaintWorkflowId, COMPLAINT_NUMBER_PATTERN, seesCustomer as seesTheCustomer, STAFF_ROLES, type ComplaintFacts } from '@complaints/shared';
import { loadPolicies, type ComplaintDoc, type Models } from '@complaints/activities';
import { type Auth, HttpError, notFound, scopeFilter, type Principal } from '@complaints/runtime';
import { listQuerySchema, type ListQuery } from './schemas';
import { evidenceOf } from './evidence';

// A complaint's detail and its files carry personal data: no cache keeps them, the browser's included.
const PRIVATE = 'private, no-store';

const SUMMARY_FIELDS = [...COMPLAINT_ROW_FIELDS, 'namedDealerCode', 'replyDue', 'closureDeadline', 'overdue'] as const;

type Stored = Pick<ComplaintDoc, (typeof SUMMARY_FIELDS)[number]> & { _id: string };

/** Which dealer the customer named is the coordinator's triage (SPEC §3.2): a dealer is not told whom the customer named first. */
function forViewer<T extends { namedDealerCode?: string | null }>(role: string, row: T): T {
  return role === 'dealer' ? { ...row, namedDealerCode: null } : row;
}

/** A list row with the dealer's clocks: when its reply is due, its closure deadline, whether it is late. */
function summary(doc: Stored) {
  // The dealer the customer named (SPEC §3.2), for the coordinator's triage queue: no work order yet.
  return { ...complaintRow(doc), namedDealerCode: doc.namedDealerCode ?? null, replyDue: doc.replyDue ?? null, closureDeadline: doc.closureDeadline?.toISOString() ?? null, overdue: doc.overdue ?? false };
}

/**
 * The list's filter, within what the caller may see (SPEC §7): a dealer's own work orders, a
 * regional manager's region. A filter for another dealer or region finds nothing.
 */
export function listFilter(principal: Principal, query: ListQuery): QueryFilter<ComplaintDoc> {
  const filter: QueryFilter<ComplaintDoc> = {};
  if (query.status) filter.status = query.status.length === 1 ? query.status[0] : { $in: query.status };
  for (const field of ['dealerCode', 'region', 'category', 'kind', 'channel', 'severity', 'overdue', 'escalated'] as const) {
    if (query[field] !== undefined) filter[field] = query[field];
  }
  if (query.receivedFrom || query.receivedTo) filter.receivedAt = { ...(query.receivedFrom && { $gte: query.receivedFrom }), ...(query.receivedTo && { $lt: query.receivedTo }) };
  for (const [field, value] of Object.entries(scopeFilter(principal))) {
    const asked = filter[field as keyof typeof filter];
    filter[field as 'dealerCode' | 'region'] = asked === undefined || asked === value ? value : { $in: [] };
  }
  return filter;
}

/** `-closureDeadline` → `{ closureDeadline: -1, _id: -1 }`: the number breaks ties, so pages never overlap. */
export function listSort(sort: string): Record<string, 1 | -1> {
  const direction = sort.startsWith('-') ? -1 : 1;
  const field = sort.replace(/^-/, '');
  return field === 'number' ? { _id: direction } : { [field]: direction, _id: direction };
}

/**
 * The call center's follow-up list: each row with the customer to call and, awaiting follow-up,
 * when the call is due (the policy the complaint was received under, from its last closure
 * request) and how many times the customer was not reached since.
 */
async function withFollowUp(models: Models, docs: (Stored & Partial<Pick<ComplaintDoc, 'history' | 'policyVersion'>>)[]) {
  const [submissions, policies] = await Promise.all([
    models.Submission.find({ _id: { $in: docs.map((d) => d._id) } }, { customer: 1 }).lean(),
    docs.some((d) => d.status === 'awaiting_follow_up') ? loadPolicies(models) : Promise.resolve([]),
  ]);
  const customers = new Map(submissions.map((s) => [s._id, s.customer]));
  return docs.map((doc) => {
    const row = { ...summary(doc), ...(customers.get(doc._id) && { customer: customers.get(doc._id) }) };
    if (doc.status !== 'awaiting_follow_up') return row;
    const history = (doc.history ?? []) as { type: string; at: Date }[];
    const requested = history.map((e) => e.type).lastIndexOf('closure_requested');
    const policy = policies.find((p) => p.version === doc.policyVersion);
    const due = requested >= 0 && policy ? followUpDue(history[requested]!.at.toISOString(), policy) : null;
    const attempts = history.slice(requested + 1).filter((e) => e.type === 'follow_up_attempt').length;
    return { ...row, followUp: { due, attempts } };
  });
}

/**
 * A complaint stored and accepted whose workflow has not started yet (Temporal did not answer): shown
 * as `received`, from the facts its workflow will start with, so that staff can find it meanwhile.
 */
async function pendingComplaint(models: Models, number: string) {
  const pending = await models.PendingStart.findById(number).lean();
  if (!pending) return null;
  const facts = pending.facts as ComplaintFacts;
  return { ...facts, _id: number, workflowId: complaintWorkflowId(number), receivedAt: new Date(facts.receivedAt), status: 'received' as const, overdue: false, escalated: false, history: [], createdAt: pending.since, updatedAt: pending.since, workflowPending: true };
}

/** The read side: the complaint list, one complaint with its history, its attachments. */
export function readRoutes(deps: { auth: Auth; models: Models }): Router {
  const { models } = deps;
  const router = express.Router();
  const staff = deps.auth.requireRole(STAFF_ROLES);

  router.get('/api/complaints', staff, async (req, res) => {
    const query = listQuerySchema.parse(req.query);
    // The customer's contact details in a list are for the call center's follow-up calls only.
    if (query.followUp && req.principal!.role !== 'call_center') throw new HttpError(403, 'forbidden', 'followUp=true is for the call center');
    const filter = listFilter(req.principal!, query);
    const [docs, total] = await Promise.all([
      models.Complaint.find(filter)
        .select([...SUMMARY_FIELDS, ...(query.followUp ? ['history', 'policyVersion'] : [])])
        .sort(listSort(query.sort))
        .skip((query.page - 1) * query.pageSize)
        .limit(query.pageSize)
        .lean<(Stored & Partial<Pick<ComplaintDoc, 'history' | 'policyVersion'>>)[]>(),
      models.Complaint.countDocuments(filter),
    ]);
    const items = query.followUp ? await withFollowUp(models, docs) : docs.map((doc) => forViewer(req.principal!.role, summary(doc)));
    res.set('cache-control', PRIVATE).json({ items, page: query.page, pageSize: query.pageSize, total });
  });

  // The console's queue counts: one grouped read of what the caller may see, from which the page
  // sums each queue, instead of one count over the whole collection per queue (on FerretDB each
  // count reads every complaint).
  router.get('/api/complaints/counts', staff, async (req, res) => {
    const groups = await models.Complaint.aggregate<{ _id: { status: string; overdue?: boolean; severity: string; escalated?: boolean; kind: string }; count: number }>([
      { $match: listFilter(req.principal!, listQuerySchema.parse({})) },
      { $group: { _id: { status: '$status', overdue: '$overdue', severity: '$severity', escalated: '$escalated', kind: '$kind' }, count: { $sum: 1 } } },
    ]);
    res.set('cache-control', 'private, no-store').json({
      groups: groups.map(({ _id, count }) => ({ ..._id, open: (OPEN_STATUSES as readonly string[]).includes(_id.status), overdue: _id.overdue === true, escalated: _id.escalated === true, count })),
    });
  });

  router.get('/api/complaints/:number', staff, async (req, res) => {
    const number = String(req.params.number);
    if (!COMPLAINT_NUMBER_PATTERN.test(number)) throw notFound(`complaint ${number}`);
    const [projected, submission] = await Promise.all([models.Complaint.findById(number).lean(), models.Submission.findById(number).lean()]);
    const complaint = projected ?? (await pendingComplaint(models, number));
    // Another dealer's complaint answers 404 too, so numbers do not leak (SPEC §7).
    if (!complaint || !canSee(req.principal!, complaint)) throw notFound(`complaint ${number}`);
    const { _id, createdAt: _c, updatedAt: _u, ...fields } = complaint;
    const seesCustomer = seesTheCustomer(req.principal!, complaint);
    const personal = seesCustomer && submission ? { customer: submission.customer, vehicle: submission.vehicle } : {};
    // The customer's files and those added after intake show the customer, an ID, the car and its
    // plate: listed only to those who deal with the customer, like the customer's fields (SPEC §7).
    const attachments = seesCustomer ? [...(submission?.attachments ?? []), ...(await evidenceOf(models, number, fields.history))] : [];
    res.set('cache-control', PRIVATE).json({
      ...forViewer(req.principal!.role, { ...fields, ...summary(complaint as Stored) }),
      description: submission?.description,
      request: submission?.request,
      ...(submission?.url && { url: submission.url }),
      ...personal,
      attachments,
      // SPEC §7: the personal data and free text are gone; the marker says when and under which policy.
      ...('erasedAt' in complaint && complaint.erasedAt && { erased: { erased: true, at: complaint.erasedAt.toISOString(), policyVersion: complaint.erasedUnder } }),
      history: (fields.history ?? []).map((event) => ({ ...event, at: event.at.toISOString() })),
      // SPEC §8: what this caller may do now; the console draws exactly these.
      actions: availableActions(req.principal!.role, {
        status: complaint.status,
        kind: complaint.kind,
        severity: complaint.severity,
        majorAcknowledged: Boolean((complaint as { major?: { acknowledgedAt?: unknown } | null }).major?.acknowledgedAt),
      }),
    });
  });

  router.get('/api/complaints/:number/attachments/:id', staff, async (req, res) => {
    const number = String(req.params.number);
    const complaint = COMPLAINT_NUMBER_PATTERN.test(number) ? await models.Complaint.findById(number).lean() : null;
    if (!complaint || !canSee(req.principal!, complaint)) throw notFound(`complaint ${number}`);
    // Served only to those it is listed to: a regional manager or headquarters learns nothing of the files.
    if (!seesTheCustomer(req.principal!, complaint)) throw notFound('attachment');
    const attachment = await models.Attachment.findById(`${number}:${String(req.params.id)}`).lean();
    if (!attachment) throw notFound('attachment');
    res
      .type(attachment.contentType)
      .set('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(attachment.filename)}`)
      .set('cache-control', PRIVATE)
      .send(Buffer.from(attachment.data.buffer));
  });
  return router;
}
