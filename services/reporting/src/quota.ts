import express, { type RequestHandler, type Router } from 'express';
import { parse } from 'csv-parse/sync';
import { Types } from 'mongoose';
import { z } from 'zod';
import { beijingMonth, COMPLAINT_NUMBER_PATTERN, dealerCodeSchema, monthSchema, nextMonth, PENALTY_KINDS, starLevelIn, type StarChange } from '@complaints/shared';
import { isDuplicateKeyError, listDealers, type Models } from '@complaints/activities';
import { type Auth, HttpError, invalidFields, jsonBody, unknownDealer } from '@complaints/runtime';
import { offset, pagingSchema } from './paging';
import { monthPolicy } from './scorecards';

// SPEC §6: service visits (进站台次) per dealer and month, the base of the complaint quota, imported
// from CSV or JSON; penalties (考核) recorded by the coordinator, with what they do to the dealer.

const visitRowSchema = z
  .object({
    dealerCode: dealerCodeSchema,
    month: monthSchema,
    visits: z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(0, 'must not be negative'),
  })
  .strict();

/**
 * A penalty (考核) as seed 002 重大抱怨 §5.1 has them: an amount (within the policy's range), a star
 * downgrade, a star cancellation or delisting (撤站); or the record of negative media exposure that
 * costs the month's incentive. Each with a reason and the complaint it refers to.
 */
export const penaltySchema = z
  .object({
    dealerCode: dealerCodeSchema,
    month: monthSchema,
    kind: z.enum(PENALTY_KINDS),
    amount: z.number().positive().optional(),
    reason: z.string().trim().min(1, 'is required').max(2000),
    complaintNumber: z.string().regex(COMPLAINT_NUMBER_PATTERN, 'must be a complaint number'),
  })
  .strict()
  .refine((p) => p.kind !== 'amount' || p.amount !== undefined, { path: ['amount'], message: 'is required for an amount penalty' })
  .refine((p) => p.kind === 'amount' || p.amount === undefined, { path: ['amount'], message: 'only an amount penalty has an amount' });

type PenaltyInput = z.output<typeof penaltySchema>;

/** Every field at fault named, an unknown one included (zod reports those on the object itself). */
function parsePenalty(body: unknown): PenaltyInput {
  const parsed = penaltySchema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw invalidFields(
    parsed.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys' ? issue.keys.map((key) => ({ path: [...issue.path, key].join('.'), message: 'is not a field of a penalty' })) : [{ path: issue.path.join('.'), message: issue.message }],
    ),
  );
}

const unprocessable = (path: string, message: string) => new HttpError(422, 'unprocessable', `${path} ${message}`, [{ path, message }]);

/** The month after `month`: a penalty changes the directory from then on (a month already under way is scored as it began). */

type VisitRow = z.output<typeof visitRowSchema>;

/**
 * Rows from a CSV (header `dealerCode,month,visits`, line numbers as a spreadsheet shows them) or a
 * JSON array. Every row is checked before anything is written: one bad row refuses the whole file,
 * each problem named by its line and field.
 */
export function parseVisits(body: unknown, isCsv: boolean, knownDealers: Set<string>): VisitRow[] {
  let records: { line: number; value: unknown }[];
  if (isCsv) {
    let rows: Record<string, string>[];
    try {
      rows = parse(String(body ?? '').replace(/^\ufeff/, ''), { columns: true, skip_empty_lines: true, trim: true });
    } catch (error) {
      throw new HttpError(400, 'invalid_csv', 'The file is not valid CSV', [{ path: 'file', message: (error as Error).message }]);
    }
    records = rows.map((value, i) => ({ line: i + 2, value }));
  } else {
    if (!Array.isArray(body)) throw invalidFields([{ path: '', message: 'must be an array of { dealerCode, month, visits }' }]);
    records = body.map((value, i) => ({ line: i + 1, value }));
  }
  const where = (line: number) => (isCsv ? `line ${line}` : `[${line - 1}]`);
  const problems: { path: string; message: string }[] = [];
  const rows: VisitRow[] = [];
  const seen = new Map<string, number>();
  for (const { line, value } of records) {
    const parsed = visitRowSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push({ path: `${where(line)}.${issue.path.join('.') || 'row'}`, message: issue.message });
      continue;
    }
    const row = parsed.data;
    if (!knownDealers.has(row.dealerCode)) problems.push({ path: `${where(line)}.dealerCode`, message: `dealer ${row.dealerCode} is not in the directory` });
    const key = `${row.dealerCode}:${row.month}`;
    if (seen.has(key)) problems.push({ path: `${where(line)}.month`, message: `${row.dealerCode} ${row.month} is also on ${where(seen.get(key)!)}` });
    seen.set(key, line);
    rows.push(row);
  }
  if (!records.length) problems.push({ path: 'file', message: 'has no rows' });
  if (problems.length) throw invalidFields(problems, 'Nothing was imported: the file has invalid rows');
  return rows;
}

export function quotaRoutes(deps: { auth: Auth; models: Models; idempotent: RequestHandler; now?: () => Date }): Router {
  const { models } = deps;
  const router = express.Router();
  const coordinator = deps.auth.requireRole(['coordinator']);

  router.put('/api/reports/service-visits', coordinator, express.text({ type: 'text/csv', limit: '5mb' }), jsonBody('5mb'), deps.idempotent, async (req, res) => {
    const isCsv = req.is('text/csv') === 'text/csv';
    const dealers = new Set((await listDealers(models)).map((d) => d.code));
    const rows = parseVisits(req.body, isCsv, dealers);
    // Keyed by dealer and month: importing the same file again changes nothing.
    for (const row of rows) await models.ServiceVisits.replaceOne({ _id: `${row.dealerCode}:${row.month}` }, { ...row, importedBy: req.principal!.sub }, { upsert: true });
    res.json({ imported: rows.length });
  });

  router.get('/api/reports/service-visits', deps.auth.requireRole(['coordinator', 'hq']), async (req, res) => {
    const { month, ...paging } = z.object({ month: monthSchema.optional(), ...pagingSchema.shape }).strict().parse(req.query);
    const filter = month ? { month } : {};
    const [total, docs] = await Promise.all([models.ServiceVisits.countDocuments(filter), models.ServiceVisits.find(filter).sort({ _id: 1 }).skip(offset(paging)).limit(paging.pageSize).lean()]);
    res.json({ page: paging.page, pageSize: paging.pageSize, total, visits: docs.map(({ dealerCode, month: m, visits }) => ({ dealerCode, month: m, visits })) });
  });

  // The penalties recorded (the console's penalties page), newest first, with the amounts the policy
  // of the month asked about allows (this month's when none is asked).
  router.get('/api/reports/penalties', deps.auth.requireRole(['coordinator', 'hq']), async (req, res) => {
    const { month, dealerCode, kind, sort, ...paging } = z
      .object({
        month: monthSchema.optional(),
        dealerCode: dealerCodeSchema.optional(),
        kind: z.enum(PENALTY_KINDS).optional(),
        sort: z.enum(['recordedAt', '-recordedAt', 'dealerCode', '-dealerCode', 'month', '-month', 'amount', '-amount']).default('-recordedAt'),
        ...pagingSchema.shape,
      })
      .strict()
      .parse(req.query);
    const filter = { ...(month && { month }), ...(dealerCode && { dealerCode }), ...(kind && { kind }) };
    const [total, docs, policy] = await Promise.all([
      models.Penalty.countDocuments(filter),
      models.Penalty.find(filter).sort({ [sort.replace(/^-/, '').replace('recordedAt', 'createdAt')]: sort.startsWith('-') ? -1 : 1, _id: -1 }).skip(offset(paging)).limit(paging.pageSize).lean(),
      monthPolicy(models, month ?? beijingMonth(deps.now?.() ?? new Date())),
    ]);
    res.json({
      page: paging.page,
      pageSize: paging.pageSize,
      total,
      amountRange: { min: policy.penalty.minAmount, max: policy.penalty.maxAmount, policyVersion: policy.version },
      items: docs.map((p) => ({
        id: String(p._id),
        dealerCode: p.dealerCode,
        month: p.month,
        kind: p.kind,
        ...(p.amount !== undefined && p.amount !== null && { amount: p.amount }),
        reason: p.reason,
        ...(p.complaintNumber && { complaintNumber: p.complaintNumber }),
        by: p.by,
        ...((p as { createdAt?: Date }).createdAt && { recordedAt: (p as { createdAt?: Date }).createdAt!.toISOString() }),
      })),
    });
  });

  router.post('/api/reports/penalties', coordinator, jsonBody(), deps.idempotent, async (req, res) => {
    const penalty = parsePenalty(req.body);
    const policy = await monthPolicy(models, penalty.month);
    const { minAmount, maxAmount } = policy.penalty;
    if (penalty.kind === 'amount' && (penalty.amount! < minAmount || penalty.amount! > maxAmount)) {
      throw invalidFields([{ path: 'amount', message: `must be between ${minAmount} and ${maxAmount} yuan (seed 002 重大抱怨 §5.1, policy ${policy.version})` }]);
    }
    const dealer = await models.Dealer.findById(penalty.dealerCode).lean();
    if (!dealer) throw unknownDealer(penalty.dealerCode);
    const complaint = await models.Complaint.findById(penalty.complaintNumber, { dealerCode: 1, attributedDealerCode: 1 }).lean();
    if (!complaint) throw unprocessable('complaintNumber', 'is not a known complaint');
    if (complaint.dealerCode !== penalty.dealerCode && complaint.attributedDealerCode !== penalty.dealerCode) throw unprocessable('complaintNumber', `is not a complaint of dealer ${penalty.dealerCode}`);

    // 降星级 / 取消星级 / 撤站 apply from the month after the penalty's, and never to a month already
    // under way: one recorded late for an earlier month applies from next month.
    const penaltyNext = nextMonth(penalty.month);
    const thisNext = nextMonth(beijingMonth(deps.now?.() ?? new Date()));
    const from = penaltyNext > thisNext ? penaltyNext : thisNext;
    const starChanges: StarChange[] = (dealer.starChanges ?? []).map((c) => ({ from: c.from, change: c.change as StarChange['change'] }));
    const levelThen = starLevelIn(from, dealer.starLevel, starChanges);
    const change = penalty.kind === 'star_downgrade' ? 'downgrade' : penalty.kind === 'star_cancellation' ? 'cancellation' : null;
    if (change && levelThen === null) throw unprocessable('kind', `dealer ${penalty.dealerCode} has no star level to lower or cancel`);

    // Under an Idempotency-Key the penalty's id derives from it: a repeat after a failure part-way
    // (the penalty stored, the star change not) finds the same penalty and completes it, never a second.
    const keyed = typeof res.locals.idempotencyId === 'string' ? new Types.ObjectId(res.locals.idempotencyId.slice(0, 24)) : undefined;
    const id = String(keyed ?? new Types.ObjectId());
    try {
      await models.Penalty.create({ _id: id, ...penalty, by: req.principal!.sub });
    } catch (error) {
      if (!(keyed && isDuplicateKeyError(error))) throw error;
    }
    let effect: Record<string, unknown> | undefined;
    if (change) {
      await models.Dealer.updateOne({ _id: penalty.dealerCode, 'starChanges.penaltyId': { $ne: id } }, { $push: { starChanges: { from, change, penaltyId: id } } });
      effect = { starLevel: starLevelIn(from, dealer.starLevel, [...starChanges, { from, change }]), from };
    }
    if (penalty.kind === 'delisting') {
      // The earliest delisting stands: a second one for a later month changes nothing.
      const delistedFrom = dealer.delistedFrom && dealer.delistedFrom < from ? dealer.delistedFrom : from;
      await models.Dealer.updateOne({ _id: penalty.dealerCode }, { $set: { delistedFrom } });
      effect = { delistedFrom };
    }
    res.status(201).json({ id, ...penalty, ...(effect && { effect }) });
  });
  return router;
}
