import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import express, { type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import {
  approveClaimSchema,
  CLAIM_DOCUMENT_KINDS,
  CLAIM_TYPES,
  claimDocumentFieldsSchema,
  claimFieldsSchema,
  COMPLAINT_NUMBER_PATTERN,
  documentKindsFor,
  LABELS,
  missingClaimDocuments,
  rejectClaimSchema,
  type ClaimDocumentKind,
  type ClaimStatus,
  type ClaimType,
  type Config,
  type NotificationRequest,
} from '@complaints/shared';
import { complaintPolicy, isDuplicateKeyError, loadPolicies, type ClaimDoc, type Models, type NewAttachment } from '@complaints/activities';
import { NOTICE_WORKFLOW, noticeWorkflowId } from '@complaints/workflows';
import { type Auth, dependencyUnavailable, HttpError, invalidFields, jsonBody, type Logger, notFound, type Principal } from '@complaints/runtime';
import { acceptedAttachments, createMultipartForm, fingerprintFiles, type UploadSettings } from './attachments';

// SPEC §3.10 特殊索赔 (seed 002 重大抱怨 §3, §4.3, §5.2): the dealer of a major complaint files claims
// for money it spent (compensation agreed with the customer, travel when sent on site) while the
// complaint is open or within the policy's window after its closure; the coordinator approves (never
// above the amount claimed, and only with every listed document) or rejects with a reason; finance
// reads the approved ones monthly (reporting). A claim outlives the complaint's workflow (the window
// runs after closure), so it is a document of its own with its own audit: who filed, who decided.
// Its documents (ID and licence copies) are the coordinator's and the owning dealer's only (SPEC §7).

/** A claim as the API answers it (the OpenAPI document's schema). */
export const claimSchema = z
  .object({
    id: z.string(),
    number: z.string(),
    dealerCode: z.string(),
    region: z.string().optional(),
    type: z.enum(CLAIM_TYPES),
    amount: z.number(),
    description: z.string(),
    status: z.enum(['pending', 'approved', 'rejected']),
    filedBy: z.string(),
    filedAt: z.string(),
    documents: z.array(z.object({ id: z.string(), kind: z.enum(CLAIM_DOCUMENT_KINDS), filename: z.string(), contentType: z.string(), size: z.number(), uploadedBy: z.string(), uploadedAt: z.string() })),
    missingDocuments: z.array(z.enum(CLAIM_DOCUMENT_KINDS)),
    decidedBy: z.string().optional(),
    decidedAt: z.string().optional(),
    approvedAmount: z.number().optional(),
    rejectReason: z.string().optional(),
    erasedAt: z.string().optional(),
  })
  .meta({ id: 'Claim' });
export const claimListSchema = z.object({ claims: z.array(claimSchema) }).meta({ id: 'ClaimList' });
export const claimIdParamSchema = z.object({ id: z.string().meta({ example: 'K3f2a9c1b7d4e5f60' }) });
export const claimQuerySchema = z.object({ status: z.enum(['pending', 'approved', 'rejected']).optional() });

/** The multipart field a claim's documents come in; `documentKinds` names each file's kind, in order. */
export const CLAIM_DOCUMENTS_FIELD = 'documents';
export const CLAIM_ID = /^K[0-9a-f]{16}$/;
const DOCUMENT_ID = /^d[0-9a-f]{12}$/;

const CLAIM_ROLES = ['coordinator', 'dealer'] as const;
const WINDOW_MS_PER_DAY = 86_400_000;

interface ClaimsDeps {
  auth: Auth;
  models: Models;
  temporal: Client;
  config: Pick<Config, 'TASK_QUEUE_COMPLAINTS' | 'TASK_QUEUE_NOTIFICATIONS'>;
  idempotent: RequestHandler;
  uploads: UploadSettings;
  logger: Logger;
  now: () => Date;
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const yuan = (n: number) => (Math.round(n * 100) / 100).toString();
const by = (p: Principal) => `${p.role}:${p.sub}`;

type ClaimRecord = ClaimDoc & { _id: string };

/** What a claim shows: a document by its entry, never its bytes. */
export function claimView(claim: ClaimRecord) {
  const { _id, createdAt: _c, updatedAt: _u, ...fields } = claim as ClaimRecord & { createdAt?: Date; updatedAt?: Date };
  return { id: _id, ...fields, missingDocuments: missingClaimDocuments(claim.type as ClaimType, claim.documents.map((d) => d.kind)) };
}

/** A claim visible to the caller, or 404 (another dealer's claim is not found, like its complaint). */
async function visibleClaim(models: Models, id: string, principal: Principal) {
  const claim = CLAIM_ID.test(id) ? await models.Claim.findById(id).lean() : null;
  if (!claim || (principal.role === 'dealer' && principal.dealerCode !== claim.dealerCode)) throw notFound(`claim ${id}`);
  return claim as ClaimDoc & { _id: string };
}

/** Reads the files of a post, stores each under the claim, and returns their entries. */
async function storeDocuments(models: Models, claimId: string, number: string, files: NewAttachment[], kinds: ClaimDocumentKind[], uploadedBy: string, salt: string, at: Date) {
  const entries = [];
  for (const [i, file] of files.entries()) {
    const data = await readFile(file.path);
    const digest = createHash('sha256').update(data).digest('hex');
    // The same post repeated stores the same document under the same id: nothing twice.
    const id = `d${sha(`${salt}:${i}:${digest}`).slice(0, 12)}`;
    try {
      await models.ClaimDocument.create({ _id: `${claimId}:${id}`, claimId, number, sha256: digest, data });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error; // stored by the same post a moment ago
    }
    entries.push({ id, kind: kinds[i]!, filename: file.filename, contentType: file.contentType, size: file.size, uploadedBy, uploadedAt: at });
  }
  return entries;
}

/**
 * Owes an email outside a complaint's workflow, then starts its workflow (its id the notice's key: a
 * repeat sends nothing twice). Temporal not answering leaves it owed, for the reconciler.
 */
async function owe(deps: Pick<ClaimsDeps, 'models' | 'temporal' | 'config' | 'logger'>, notice: NotificationRequest): Promise<void> {
  try {
    await deps.models.PendingNotice.create({ _id: notice.key, template: notice.template, recipients: notice.recipients, data: notice.data });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
  try {
    await startNotice(deps, notice.key);
  } catch (error) {
    // Owed all the same: the reconciler starts it (the decision or the claim is stored already).
    deps.logger.warn({ key: notice.key, err: { name: (error as Error).name, message: (error as Error).message } }, 'the email could not be started yet');
  }
}

async function startNotice(deps: Pick<ClaimsDeps, 'models' | 'temporal' | 'config' | 'logger'>, key: string): Promise<boolean> {
  const owed = await deps.models.PendingNotice.findById(key).lean();
  if (!owed) return true;
  const notice = { key, template: owed.template, recipients: owed.recipients, data: owed.data } as NotificationRequest;
  try {
    await deps.temporal.workflow.start(NOTICE_WORKFLOW, {
      taskQueue: deps.config.TASK_QUEUE_COMPLAINTS,
      workflowId: noticeWorkflowId(key),
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [{ notifications: deps.config.TASK_QUEUE_NOTIFICATIONS, notice }],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) {
      if (!dependencyUnavailable(error)) throw error;
      deps.logger.warn({ key }, 'Temporal does not answer: the email is sent once it does');
      return false;
    }
  }
  await deps.models.PendingNotice.deleteOne({ _id: key });
  return true;
}

/** The reconciler's round: the emails owed while Temporal did not answer. */
export async function startPendingNotices(deps: Pick<ClaimsDeps, 'models' | 'temporal' | 'config' | 'logger'>): Promise<number> {
  const owed = await deps.models.PendingNotice.find({}, { _id: 1 }).sort({ createdAt: 1 }).limit(200).lean();
  let started = 0;
  for (const { _id } of owed) {
    try {
      if (await startNotice(deps, _id)) started += 1;
    } catch (error) {
      // One notice Temporal refuses does not hold back the others.
      deps.logger.warn({ key: _id, err: { name: (error as Error).name, message: (error as Error).message } }, 'an owed email could not be started');
    }
  }
  return started;
}

export function claimRoutes(deps: ClaimsDeps): Router {
  const { models } = deps;
  const router = express.Router();
  const multipartForm = createMultipartForm(deps.uploads, CLAIM_DOCUMENTS_FIELD);

  /** The files of a post with their kinds, every problem named at once. */
  function documentsOf(req: express.Request, documentKinds: string | undefined, problems: { path: string; message: string }[]) {
    let files: NewAttachment[] = [];
    try {
      files = acceptedAttachments(req, CLAIM_DOCUMENTS_FIELD);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      problems.push(...error.details);
    }
    const named = documentKindsFor(documentKinds, files.length);
    if ('problem' in named) problems.push({ path: 'documentKinds', message: named.problem });
    return { files, kinds: 'kinds' in named ? named.kinds : [] };
  }

  // The dealer files a claim on its major complaint.
  router.post('/api/complaints/:number/claims', deps.auth.requireRole(['dealer']), multipartForm, fingerprintFiles(CLAIM_DOCUMENTS_FIELD), deps.idempotent, async (req, res) => {
    const number = String(req.params.number);
    if (!COMPLAINT_NUMBER_PATTERN.test(number)) throw notFound(`complaint ${number}`);
    const problems: { path: string; message: string }[] = [];
    const parsed = claimFieldsSchema.safeParse((req.body as { fields: unknown }).fields ?? {});
    if (!parsed.success) problems.push(...parsed.error.issues.map((i) => ({ path: i.path.join('.') || 'body', message: i.message })));
    const documentKinds = parsed.success ? parsed.data.documentKinds : ((req.body as { fields?: { documentKinds?: unknown } }).fields?.documentKinds as string | undefined);
    const { files, kinds } = documentsOf(req, typeof documentKinds === 'string' ? documentKinds : undefined, problems);
    if (problems.length || !parsed.success) throw invalidFields(problems);
    const { type, amount, description } = parsed.data;

    const principal = req.principal!;
    const dealerCode = principal.role === 'dealer' ? principal.dealerCode : undefined;
    const complaint = await models.Complaint.findById(number, { dealerCode: 1, region: 1, severity: 1, status: 1, closedAt: 1, receivedAt: 1, policyVersion: 1, 'deadlines.policyVersion': 1, erasedAt: 1 }).lean();
    // Another dealer's complaint is not found, whatever it is.
    if (!complaint || !dealerCode || complaint.dealerCode !== dealerCode) throw notFound(`complaint ${number}`);
    if (complaint.severity !== 'major') throw new HttpError(409, 'not_major', 'special and travel claims are for major complaints (seed 002 重大抱怨 §4.3, §5.2)');
    if (complaint.status === 'invalid') throw new HttpError(409, 'refused', 'the complaint was marked invalid');
    if (complaint.erasedAt) throw new HttpError(409, 'erased', 'the complaint’s personal data was erased: no documents about the customer are taken any more');
    // The complaint's own policy: its ceilings and window (SPEC §4, a change applies to complaints received afterwards).
    const policy = complaintPolicy(complaint, await loadPolicies(models));
    if (!policy) throw new Error(`complaint ${number}: no policy was in force at its receipt`);
    const now = deps.now();
    if (complaint.closedAt && now.getTime() > new Date(complaint.closedAt).getTime() + policy.claims.windowDays * WINDOW_MS_PER_DAY) {
      throw new HttpError(409, 'window_closed', `claims are filed while the complaint is open or within ${policy.claims.windowDays} days of its closure (closed ${new Date(complaint.closedAt).toISOString()})`);
    }
    const ceiling = policy.claims.ceilingYuan[type];
    if (amount > ceiling) throw invalidFields([{ path: 'amount', message: `must be at most ${ceiling} yuan for a ${type} claim (policy ${policy.version})` }]);

    // One claim per content: the same claim posted again (a double click, ten copies at once, a
    // retry with another Idempotency-Key) is the same id, stored once. A repeat that says it is one
    // (an Idempotency-Key) is answered with the claim; one that does not is told it is filed already.
    const idempotencyId = typeof res.locals.idempotencyId === 'string' ? res.locals.idempotencyId : undefined;
    const id = `K${sha(`${number}|${dealerCode}|${type}|${yuan(amount)}|${description}`).slice(0, 16)}`;
    const existing = await models.Claim.findById(id).lean();
    if (existing && !idempotencyId) throw new HttpError(409, 'already_filed', `this claim is already filed as ${id} (${existing.status})`);
    if (existing) return void res.status(201).json(claimView(existing as ClaimRecord));
    const documents = await storeDocuments(models, id, number, files, kinds, by(principal), id, now);
    const missing = missingClaimDocuments(type, documents.map((d) => d.kind));
    const notice: NotificationRequest = {
      key: `claim:${id}:filed`,
      template: 'claim_filed',
      recipients: [{ role: 'coordinator' }],
      data: { number, claimId: id, claimType: type, amount: yuan(amount), dealerCode: complaint.dealerCode!, region: complaint.region ?? '', missingDocuments: missing.map((k) => LABELS.zh.claimDocument[k]).join('、') },
    };
    try {
      await models.Claim.create({
        _id: id,
        number,
        dealerCode: complaint.dealerCode!,
        ...(complaint.region && { region: complaint.region }),
        type,
        amount,
        description,
        status: 'pending',
        filedBy: by(principal),
        filedAt: now,
        documents,
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      if (!idempotencyId) throw new HttpError(409, 'already_filed', `this claim is already filed as ${id}`);
    }
    await owe(deps, notice);
    res.status(201).json(claimView((await models.Claim.findById(id).lean()) as ClaimRecord));
  });

  // The dealer adds a listed document it lacked to its claim, while the claim waits for a decision.
  router.post('/api/claims/:id/documents', deps.auth.requireRole(['dealer']), multipartForm, fingerprintFiles(CLAIM_DOCUMENTS_FIELD), deps.idempotent, async (req, res) => {
    const claim = await visibleClaim(models, String(req.params.id), req.principal!);
    const problems: { path: string; message: string }[] = [];
    const parsed = claimDocumentFieldsSchema.safeParse((req.body as { fields: unknown }).fields ?? {});
    if (!parsed.success) problems.push(...parsed.error.issues.map((i) => ({ path: i.path.join('.') || 'body', message: i.message })));
    const { files, kinds } = documentsOf(req, parsed.success ? parsed.data.documentKinds : undefined, problems);
    if (!files.length && !problems.some((p) => p.path === CLAIM_DOCUMENTS_FIELD)) problems.push({ path: CLAIM_DOCUMENTS_FIELD, message: 'is required: at least one document' });
    if (problems.length) throw invalidFields(problems);
    if (claim.erasedAt) throw new HttpError(409, 'erased', 'the complaint’s personal data was erased: no documents about the customer are taken any more');
    if (claim.status !== 'pending' || (await models.ClaimDecision.exists({ _id: claim._id }))) throw new HttpError(409, 'already_decided', `claim ${claim._id} is decided: documents are added while it waits for a decision`);
    const idempotencyId = typeof res.locals.idempotencyId === 'string' ? res.locals.idempotencyId : String(Date.now());
    const documents = await storeDocuments(models, claim._id, claim.number, files, kinds, by(req.principal!), idempotencyId, deps.now());
    // FerretDB writes a document as read, change, write: two uploads at once may each write the list
    // without the other's entries, so each checks that its own are there and adds them again if not.
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await models.Claim.findById(claim._id, { documents: 1 }).lean();
      const absent = documents.filter((d) => !current?.documents.some((e) => e.id === d.id));
      if (!absent.length) break;
      await models.Claim.updateOne({ _id: claim._id, status: 'pending' }, { $push: { documents: { $each: absent } } });
    }
    res.status(201).json(claimView((await models.Claim.findById(claim._id).lean()) as ClaimRecord));
  });

  // The claims queue (the coordinator's, all dealers; a dealer's own), newest first.
  router.get('/api/claims', deps.auth.requireRole([...CLAIM_ROLES]), async (req, res) => {
    const status = typeof req.query.status === 'string' ? req.query.status : undefined;
    if (status !== undefined && !['pending', 'approved', 'rejected'].includes(status)) throw invalidFields([{ path: 'status', message: 'must be pending, approved or rejected' }]);
    const principal = req.principal!;
    const filter = { ...(status && { status: status as ClaimStatus }), ...(principal.role === 'dealer' && { dealerCode: principal.dealerCode }) };
    const claims = await models.Claim.find(filter).sort({ filedAt: -1 }).limit(500).lean();
    res.json({ claims: claims.map((c) => claimView(c as ClaimRecord)) });
  });

  // A complaint's claims, on its page.
  router.get('/api/complaints/:number/claims', deps.auth.requireRole([...CLAIM_ROLES]), async (req, res) => {
    const number = String(req.params.number);
    const principal = req.principal!;
    const complaint = COMPLAINT_NUMBER_PATTERN.test(number) ? await models.Complaint.findById(number, { dealerCode: 1 }).lean() : null;
    if (!complaint || (principal.role === 'dealer' && complaint.dealerCode !== principal.dealerCode)) throw notFound(`complaint ${number}`);
    const claims = await models.Claim.find({ number, ...(principal.role === 'dealer' && { dealerCode: principal.dealerCode }) }).sort({ filedAt: 1 }).lean();
    res.json({ claims: claims.map((c) => claimView(c as ClaimRecord)) });
  });

  router.get('/api/claims/:id/documents/:documentId', deps.auth.requireRole([...CLAIM_ROLES]), async (req, res) => {
    const claim = await visibleClaim(models, String(req.params.id), req.principal!);
    const documentId = String(req.params.documentId);
    const entry = DOCUMENT_ID.test(documentId) ? claim.documents.find((d) => d.id === documentId) : undefined;
    const stored = entry && (await models.ClaimDocument.findById(`${claim._id}:${documentId}`).lean());
    if (!entry || !stored) throw notFound('document');
    res
      .type(entry.contentType)
      .set('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(entry.filename)}`)
      .set('cache-control', 'private, no-store')
      .send(Buffer.from(stored.data.buffer));
  });

  type Decision = { status: 'approved'; approvedAmount: number } | { status: 'rejected'; rejectReason: string };
  type Taken = { status: 'approved' | 'rejected'; approvedAmount?: number | null; rejectReason?: string | null; decidedBy: string; decidedAt: Date };

  /**
   * Shows a decision taken on the claim and owes the dealer its email: after the decision's insert,
   * and again whenever a claim still shows pending under a decision (a crash in between, or a
   * concurrent write of the claim that did not carry it).
   */
  async function showDecision(claim: ClaimRecord, taken: Taken): Promise<void> {
    const shown = {
      status: taken.status,
      decidedBy: taken.decidedBy,
      decidedAt: taken.decidedAt,
      ...(taken.approvedAmount !== undefined && taken.approvedAmount !== null && { approvedAmount: taken.approvedAmount }),
      ...(taken.rejectReason && { rejectReason: taken.rejectReason }),
    };
    for (let attempt = 0; attempt < 5; attempt++) {
      await models.Claim.updateOne({ _id: claim._id }, { $set: shown });
      if ((await models.Claim.findById(claim._id, { status: 1 }).lean())?.status === taken.status) break;
    }
    await owe(deps, {
      key: `claim:${claim._id}:decided`,
      template: 'claim_decided',
      recipients: [{ dealerCode: claim.dealerCode }],
      data: {
        number: claim.number,
        claimId: claim._id,
        claimType: claim.type,
        amount: yuan(claim.amount),
        dealerCode: claim.dealerCode,
        decision: taken.status,
        approvedAmount: taken.approvedAmount === undefined || taken.approvedAmount === null ? '' : yuan(taken.approvedAmount),
        reason: taken.rejectReason ?? '',
      },
    });
  }

  /** The claim's one decision (a unique insert): this one, the same one repeated, or 409 naming the one taken. */
  async function decide(req: express.Request, res: express.Response, claim: ClaimRecord, decision: Decision) {
    const decidedBy = by(req.principal!);
    let taken: Taken | null = null;
    try {
      await models.ClaimDecision.create({ _id: claim._id, ...decision, decidedBy, decidedAt: deps.now() });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    taken = (await models.ClaimDecision.findById(claim._id).lean()) as Taken | null;
    if (!taken) throw new Error(`claim ${claim._id}: its decision is not readable`);
    await showDecision(claim, taken);
    // The same decision repeated (its answer was lost) is answered as it was; another is refused.
    const same = taken.status === decision.status && taken.decidedBy === decidedBy && (decision.status === 'approved' ? taken.approvedAmount === decision.approvedAmount : taken.rejectReason === decision.rejectReason);
    if (!same) throw new HttpError(409, 'already_decided', `claim ${claim._id} is already ${taken.status} by ${taken.decidedBy}`);
    res.json(claimView((await models.Claim.findById(claim._id).lean()) as ClaimRecord));
  }

  /** A claim the coordinator may still decide: not decided, its complaint's documents not erased. */
  async function undecided(req: express.Request): Promise<ClaimRecord> {
    const claim = await visibleClaim(models, String(req.params.id), req.principal!);
    const taken = (await models.ClaimDecision.findById(claim._id).lean()) as Taken | null;
    if (taken) {
      await showDecision(claim, taken);
      throw new HttpError(409, 'already_decided', `claim ${claim._id} is already ${taken.status} by ${taken.decidedBy}`);
    }
    if (claim.erasedAt) throw new HttpError(409, 'erased', 'the complaint’s personal data was erased with the claim’s documents: reject it, or the dealer files it again');
    return claim;
  }

  router.post('/api/claims/:id/approve', deps.auth.requireRole(['coordinator']), jsonBody(), deps.idempotent, async (req, res) => {
    const { amount } = approveClaimSchema.parse(req.body ?? {});
    const claim = await undecided(req);
    if (amount > claim.amount) throw invalidFields([{ path: 'amount', message: `must not be more than the ${yuan(claim.amount)} yuan claimed` }]);
    const missing = missingClaimDocuments(claim.type as ClaimType, claim.documents.map((d) => d.kind));
    if (missing.length) throw new HttpError(409, 'documents_missing', `the claim lacks ${missing.join(', ')}: it cannot be approved until the dealer adds them (seed 002 重大抱怨 §4.3)`);
    await decide(req, res, claim, { status: 'approved', approvedAmount: amount });
  });

  router.post('/api/claims/:id/reject', deps.auth.requireRole(['coordinator']), jsonBody(), deps.idempotent, async (req, res) => {
    const { reason } = rejectClaimSchema.parse(req.body ?? {});
    // A claim whose documents were erased can still be rejected; one decided already is refused (decide).
    await decide(req, res, await visibleClaim(models, String(req.params.id), req.principal!), { status: 'rejected', rejectReason: reason });
  });

  return router;
}
