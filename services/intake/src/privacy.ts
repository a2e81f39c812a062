import express, { type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import { COMPLAINT_NUMBER_PATTERN, OPEN_STATUSES, type ComplaintStatus } from '@complaints/shared';
import { eraseComplaint, ErasureUnderWay, listHolds, OnLegalHold, placeHold, privacyAuditOf, releaseHold, type Models } from '@complaints/activities';
import { type Auth, HttpError, jsonBody, notFound } from '@complaints/runtime';

// SPEC §7: the coordinator keeps a complaint past its retention (legal hold: a major case, a
// dispute, a case-library entry), releases it, and erases one closed complaint's personal data at
// once on the customer's request (PIPL's right to deletion). Each with a reason, audited with who
// and when; the audit never says what was erased. The daily retention run is activities/src/retention.ts.

export const privacyReasonSchema = z.object({ reason: z.string().trim().min(1, 'is required').max(2000) }).strict();

// What the routes answer (the OpenAPI document's schemas).
const holdFields = { number: z.string(), reason: z.string(), by: z.string().meta({ description: '`role:sub` of the coordinator' }), at: z.string() };
export const legalHoldSchema = z.object(holdFields).meta({ id: 'LegalHold' });
export const legalHoldListSchema = z
  .object({
    items: z.array(z.object({ ...holdFields, status: z.string().nullable(), dealerCode: z.string().nullable(), closedAt: z.string().nullable() })),
    total: z.number().int(),
  })
  .meta({ id: 'LegalHolds' });
export const holdReleasedSchema = z
  .object({ number: z.string(), hold: legalHoldSchema, released: z.object({ reason: z.string(), by: z.string(), at: z.string() }) })
  .meta({ id: 'LegalHoldReleased' });
export const erasureSchema = z
  .object({
    number: z.string(),
    erasedAt: z.string(),
    erasedUnder: z.string().meta({ description: 'the policy version the complaint was received under' }),
    erasedBecause: z.enum(['retention', 'request']),
    alreadyErased: z.boolean().meta({ description: 'true: erased before (by retention or an earlier request); nothing changed' }),
  })
  .meta({ id: 'Erasure' });
export const privacyAuditSchema = z
  .object({
    items: z.array(z.object({ action: z.enum(['hold', 'release', 'erase']), by: z.string(), at: z.string(), reason: z.string(), policyVersion: z.string().optional() })),
  })
  .meta({ id: 'PrivacyAudit' });

const refused = (message: string) => new HttpError(409, 'refused', message);

export function privacyRoutes(deps: { auth: Auth; models: Models; idempotent: RequestHandler; now: () => Date }): Router {
  const { models } = deps;
  const router = express.Router();
  const coordinator = deps.auth.requireRole(['coordinator']);

  /** The complaint in the read model, or 404 (a number not in the pattern is not found either). */
  async function complaintOf(number: string) {
    const doc = COMPLAINT_NUMBER_PATTERN.test(number) ? await models.Complaint.findById(number, { status: 1, erasedAt: 1 }).lean() : null;
    if (!doc) throw notFound(`complaint ${number}`);
    return doc;
  }
  const who = (req: express.Request) => `${req.principal!.role}:${req.principal!.sub}`;

  router.put('/api/complaints/:number/hold', coordinator, jsonBody(), deps.idempotent, async (req, res) => {
    const number = String(req.params.number);
    const { reason } = privacyReasonSchema.parse(req.body ?? {});
    const complaint = await complaintOf(number);
    if (complaint.erasedAt) throw refused(`the complaint’s personal data was erased on ${complaint.erasedAt.toISOString()}: there is nothing left to keep`);
    const { hold } = await placeHold(models, number, { by: who(req), reason, at: deps.now() }).catch((error: unknown) => {
      throw error instanceof ErasureUnderWay ? refused('the complaint’s personal data is being erased: there is nothing left to keep') : error;
    });
    res.json(hold);
  });

  router.delete('/api/complaints/:number/hold', coordinator, jsonBody(), deps.idempotent, async (req, res) => {
    const number = String(req.params.number);
    const { reason } = privacyReasonSchema.parse(req.body ?? {});
    await complaintOf(number);
    const hold = await releaseHold(models, number, { by: who(req), reason, at: deps.now() });
    if (!hold) throw notFound(`legal hold of complaint ${number}`);
    res.json({ number, hold, released: { reason, by: who(req), at: deps.now().toISOString() } });
  });

  router.get('/api/legal-holds', coordinator, async (_req, res) => {
    const holds = await listHolds(models);
    // Each with where its complaint stands: a closed one is what the hold keeps from erasure.
    const complaints = await Promise.all(holds.map((h) => models.Complaint.findById(h.number, { status: 1, dealerCode: 1, closedAt: 1 }).lean()));
    const items = holds.map((hold, i) => ({ ...hold, status: complaints[i]?.status ?? null, dealerCode: complaints[i]?.dealerCode ?? null, closedAt: complaints[i]?.closedAt ?? null }));
    res.json({ items, total: items.length });
  });

  router.post('/api/complaints/:number/erase', coordinator, jsonBody(), deps.idempotent, async (req, res) => {
    const number = String(req.params.number);
    const { reason } = privacyReasonSchema.parse(req.body ?? {});
    const complaint = await complaintOf(number);
    if (!complaint.erasedAt) {
      // The dealer and the call center still work with the customer's data until the complaint closes.
      if (OPEN_STATUSES.includes(complaint.status as ComplaintStatus)) throw refused(`the complaint is ${complaint.status}: its personal data is erased once it is closed`);
      const hold = await models.LegalHold.findById(number).lean();
      if (hold) throw refused(`the complaint is on legal hold (${hold.reason}): release the hold first`);
    }
    const erasure = await eraseComplaint(models, number, { at: deps.now(), by: who(req), reason, because: 'request' }).catch((error: unknown) => {
      throw error instanceof OnLegalHold ? refused('the complaint was put on legal hold meanwhile: release the hold first') : error;
    });
    const { outcome, ...done } = erasure;
    res.json({ ...done, alreadyErased: outcome === 'already_erased' });
  });

  router.get('/api/complaints/:number/privacy-audit', coordinator, async (req, res) => {
    const number = String(req.params.number);
    if (!COMPLAINT_NUMBER_PATTERN.test(number)) throw notFound(`complaint ${number}`);
    const items = await privacyAuditOf(models, number);
    if (!items.length && !(await models.Complaint.exists({ _id: number }))) throw notFound(`complaint ${number}`);
    res.json({ items });
  });
  return router;
}
