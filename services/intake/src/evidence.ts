import { createHash, randomBytes } from 'node:crypto';
import express, { type RequestHandler, type Router } from 'express';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { canSee, complaintWorkflowId, COMPLAINT_NUMBER_PATTERN, EVIDENCE_ROLES, OPEN_STATUSES } from '@complaints/shared';
import { storeAttachment, type Models, type NewAttachment } from '@complaints/activities';
import { addEvidenceUpdate, type ComplaintState, type EvidenceRequest } from '@complaints/workflows';
import { type Auth, HttpError, invalidFields, notFound, type Principal } from '@complaints/runtime';
import { acceptedAttachments, createMultipartForm, fingerprintFiles, type UploadSettings } from './attachments';
import { ACTION_DEADLINE_MS, refusal, stateView } from './actions';

// Evidence after intake (SPEC §3; seed 002 重大抱怨 §4: a major complaint's written report comes
// with its documents): the dealer, the coordinator and the call center add photos, reports and
// invoices to an open complaint, with the web form's type and size checks. The files are stored
// first, then the complaint's workflow is told their ids and records who added what; a refusal
// (a closed complaint, another dealer's work order) takes the stored files back.

/** The multipart field the files come in. */
export const EVIDENCE_FIELD = 'files';

/** The text fields that may come with the files. */
export const evidenceFieldsSchema = z.object({ note: z.string().trim().max(2000).optional() }).strict();


/**
 * The ids of a post's files. With an Idempotency-Key they derive from it: a repeat after a lost
 * answer stores the same files under the same ids, which its workflow update (the same update id)
 * already names, instead of leaving a second, unreferenced copy.
 */
function evidenceIds(count: number, idempotencyId: unknown): string[] {
  return Array.from({ length: count }, (_, i) =>
    typeof idempotencyId === 'string' ? `e${createHash('sha256').update(`${idempotencyId}:${i}`).digest('hex').slice(0, 16)}` : `e${randomBytes(8).toString('hex')}`,
  );
}

/** The files added to a complaint after intake, as its history names them, for the complaint's staff view. */
export async function evidenceOf(models: Models, number: string, history: readonly { type: string; data?: unknown }[] = []) {
  const ids = history.filter((e) => e.type === 'evidence_added').flatMap((e) => ((e.data as { attachmentIds?: unknown })?.attachmentIds as string[] | undefined) ?? []);
  const docs = await Promise.all(ids.map((id) => models.Attachment.findById(`${number}:${id}`, { data: 0 }).lean()));
  return docs.flatMap((doc, i) => (doc ? [attachmentView(ids[i]!, doc)] : []));
}

/** Of these ids, those no `evidence_added` event of the complaint's history names. */
async function unnamed(models: Models, number: string, ids: string[]): Promise<string[]> {
  const doc = await models.Complaint.findById(number, { history: 1 }).lean();
  const named = new Set((doc?.history ?? []).filter((e) => e.type === 'evidence_added').flatMap((e) => ((e.data as { attachmentIds?: string[] } | undefined)?.attachmentIds ?? [])));
  return ids.filter((id) => !named.has(id));
}

function attachmentView(id: string, doc: { filename: string; contentType: string; size: number; uploadedBy?: string | null; createdAt?: Date }) {
  return { id, filename: doc.filename, contentType: doc.contentType, size: doc.size, ...(doc.uploadedBy && { uploadedBy: doc.uploadedBy }), ...(doc.createdAt && { uploadedAt: doc.createdAt.toISOString() }) };
}


/**
 * The answer for a complaint whose workflow is not running: closed and archived (its workflow
 * completed) is a refusal the caller can read; no complaint, or one the caller may not see, is not found.
 */
async function finished(models: Models, number: string, principal: Principal): Promise<HttpError> {
  const doc = await models.Complaint.findById(number, { status: 1, dealerCode: 1, region: 1 }).lean();
  if (!doc || !canSee(principal, doc)) return notFound(`complaint ${number}`);
  if (OPEN_STATUSES.includes(doc.status)) return notFound(`complaint ${number}`); // its workflow is not running: not found for now
  return new HttpError(409, 'refused', `the complaint is ${doc.status}: files are added to open complaints only`);
}

export function evidenceRoutes(deps: { auth: Auth; models: Models; temporal: Client; idempotent: RequestHandler; uploads: UploadSettings }): Router {
  const { models } = deps;
  const router = express.Router();
  // Slots and hourly bytes of their own: staff uploads never wait behind a burst of public forms.
  const multipartForm = createMultipartForm(deps.uploads, EVIDENCE_FIELD);

  router.post(`/api/complaints/:number/attachments`, deps.auth.requireRole(EVIDENCE_ROLES), multipartForm, fingerprintFiles(EVIDENCE_FIELD), deps.idempotent, async (req, res) => {
    const number = String(req.params.number);
    if (!COMPLAINT_NUMBER_PATTERN.test(number)) throw notFound(`complaint ${number}`);
    // Every field's problem at once: the files' and the note's.
    const problems: { path: string; message: string }[] = [];
    const parsed = evidenceFieldsSchema.safeParse((req.body as { fields: unknown }).fields);
    if (!parsed.success) problems.push(...parsed.error.issues.map((i) => ({ path: i.path.join('.') || 'note', message: i.message })));
    let files: NewAttachment[] = [];
    try {
      files = acceptedAttachments(req, EVIDENCE_FIELD);
      if (!files.length) problems.push({ path: EVIDENCE_FIELD, message: 'is required: at least one photo or document' });
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      problems.push(...error.details);
    }
    if (problems.length || !parsed.success) throw invalidFields(problems);

    const principal = req.principal!;
    // Refused before anything is stored where the read model already knows the answer: another
    // dealer's work order, a closed complaint. (A complaint it does not know yet is the workflow's to decide.)
    const known = await models.Complaint.findById(number, { status: 1, dealerCode: 1, region: 1 }).lean();
    if (known && (!canSee(principal, known) || !OPEN_STATUSES.includes(known.status))) throw await finished(models, number, principal);
    const uploadedBy = `${principal.role}:${principal.sub}`;
    const ids = evidenceIds(files.length, res.locals.idempotencyId);
    for (const [i, file] of files.entries()) await storeAttachment(models, number, ids[i]!, file, uploadedBy);
    const request: EvidenceRequest = { actor: principal, input: { attachmentIds: ids, ...(parsed.data.note && { note: parsed.data.note }) } };
    let state: ComplaintState;
    try {
      const handle = deps.temporal.workflow.getHandle(complaintWorkflowId(number));
      const updateId = typeof res.locals.idempotencyId === 'string' ? `add-evidence:${res.locals.idempotencyId}` : undefined;
      state = await deps.temporal.withDeadline(Date.now() + ACTION_DEADLINE_MS, () => handle.executeUpdate(addEvidenceUpdate, { args: [request], ...(updateId && { updateId }) }));
    } catch (error) {
      const refused = refusal(error) ?? (error instanceof WorkflowNotFoundError ? await finished(models, number, principal) : undefined);
      // Refused: the workflow names none of these files, so none are kept. Any other failure (a
      // deadline, Temporal not answering) may have been taken all the same: the files stay.
      // A repeat of a post whose files the workflow already took (then the complaint closed) keeps them.
      if (refused) for (const id of await unnamed(models, number, ids)) await models.Attachment.deleteOne({ _id: `${number}:${id}` });
      throw refused ?? error;
    }
    const stored = await Promise.all(ids.map((id) => models.Attachment.findById(`${number}:${id}`, { data: 0 }).lean()));
    res.status(201).json({ ...stateView(state, req.principal!.role), attachments: stored.flatMap((doc, i) => (doc ? [attachmentView(ids[i]!, doc)] : [])) });
  });
  return router;
}
