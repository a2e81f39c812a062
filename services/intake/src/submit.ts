import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Response } from 'express';
import { beijingMonth, complaintFacts, complaintWorkflowId, policyIfAny, policyInForce, type ComplaintFacts, type Config, type NewComplaint, type Policy } from '@complaints/shared';
import { allocateComplaintNumber, attachmentsOf, findDealer, isDuplicateKeyError, loadPolicies, recordSubmission, submissionFields, type DealerEntry, type Models, type NewAttachment } from '@complaints/activities';
import { dependencyUnavailable, invalidFields, type Logger } from '@complaints/runtime';
import { startComplaintWorkflow } from './complaints';

export interface SubmitDeps {
  config: Config;
  models: Models;
  temporal: Client;
  now: () => Date;
  logger?: Logger;
}

export interface Submitted {
  number: string;
  /** false: the source's key was seen before, and this is the same complaint. */
  created: boolean;
  /** false: the complaint is stored and accepted, and its workflow starts when Temporal answers again. */
  started: boolean;
}

/** What every route that records a complaint answers (the `Created` schema): 201 new, 200 the same complaint again. */
export function answerSubmitted(res: Response, { number, created, started }: Submitted): void {
  res.status(created ? 201 : 200).json({ number, workflowId: complaintWorkflowId(number), workflowStarted: started });
}

/** Who took the complaint and what they may decide about it. */
export interface Submitter {
  /** `role:sub` of the staff member who recorded it, kept in the complaint's history. */
  recordedBy?: string;
  /** The public (the web form, an anonymous API caller): may not name a dealer that left the network. */
  public?: boolean;
}

/** The field message a customer gets for a dealer no longer in the network; the form shows it in its language (locales). */
export const DELISTED_DEALER_MESSAGE = 'is no longer in the service network: choose another dealer';

const invalid = (path: string, message: string) => invalidFields([{ path, message }]);

// What intake reads of the directory and the policies for every complaint, kept per process for a
// short while: a burst of complaints (a recall, a viral post) is not one directory read each. Both
// change rarely and never take effect at once anyway — a delisting counts from the next month, a
// policy from its effectiveFrom — so an entry some seconds old decides the same. Per database
// (Models), so that tests with databases of their own never share entries; a dealer the directory
// does not know is never kept (one added a moment ago is found on the next complaint).
const DIRECTORY_FRESH_MS = 30_000;
const POLICIES_FRESH_MS = 60_000;
const dealerReads = new WeakMap<Models, Map<string, { readAt: number; dealer: Promise<DealerEntry | null> }>>();
const policyReads = new WeakMap<Models, { readAt: number; policies: Promise<Policy[]> }>();

/** The dealer as the directory has it for the month, read at most every DIRECTORY_FRESH_MS per process. */
function dealerIn(models: Models, code: string, month: string): Promise<DealerEntry | null> {
  let entries = dealerReads.get(models);
  if (!entries) dealerReads.set(models, (entries = new Map()));
  const key = `${code}|${month}`;
  const kept = entries.get(key);
  if (kept && Date.now() - kept.readAt < DIRECTORY_FRESH_MS) return kept.dealer;
  const dealer = findDealer(models, code, month);
  const entry = { readAt: Date.now(), dealer };
  entries.set(key, entry);
  const forget = () => entries.get(key) === entry && entries.delete(key);
  dealer.then((found) => found ?? forget(), forget);
  return dealer;
}

/** The policies, read at most every POLICIES_FRESH_MS per process, or now (`fresh`). */
function policiesOf(models: Models, fresh = false): Promise<Policy[]> {
  const kept = policyReads.get(models);
  if (kept && !fresh && Date.now() - kept.readAt < POLICIES_FRESH_MS) return kept.policies;
  const entry = { readAt: Date.now(), policies: loadPolicies(models) };
  policyReads.set(models, entry);
  entry.policies.catch(() => policyReads.get(models) === entry && policyReads.delete(models));
  return entry.policies;
}

/**
 * A receipt time given by staff or an integration (a letter, a walk-in entered later) lies within
 * the policy's window back and never in the future, and a policy was in force then: without one
 * its clocks could not be set. An anonymous caller never gets here with a receipt time.
 */
async function assertReceiptTime(models: Models, receivedAt: Date, now: Date): Promise<void> {
  let policies = await policiesOf(models);
  try {
    policyInForce(policies, receivedAt);
  } catch {
    // Refused only on what the database says now: a policy loaded a moment ago counts at once.
    policies = await policiesOf(models, true);
    try {
      policyInForce(policies, receivedAt);
    } catch {
      const earliest = policies.map((p) => new Date(p.effectiveFrom)).sort((a, b) => a.getTime() - b.getTime())[0];
      const detail = earliest ? `the earliest policy starts ${earliest.toISOString()}` : 'no policy is loaded';
      throw invalid('receivedAt', `is before any policy in force (${detail})`);
    }
  }
  // A minute of grace for the caller's clock: a call center's system stamps the call as it ends.
  if (receivedAt.getTime() > now.getTime() + 60_000) throw invalid('receivedAt', 'must not be in the future');
  const { receivedAtWindowDays } = policyInForce(policies, now).intake;
  if (receivedAt.getTime() < now.getTime() - receivedAtWindowDays * 86_400_000) throw invalid('receivedAt', `must be at most ${receivedAtWindowDays} days back`);
}

/** What is refused before a complaint gets a number: a receipt time out of bounds, a dealer no longer in the network. */
async function assertAcceptable(models: Models, complaint: NewComplaint, receivedAt: Date, now: Date, submitter: Submitter): Promise<void> {
  if (complaint.receivedAt) await assertReceiptTime(models, receivedAt, now);
  // A customer choosing their dealer from a stale list, or naming one by code, is asked to choose
  // another: a delisted dealer (撤站, seed 002 重大抱怨 §5.1) takes no more work orders.
  if (submitter.public && complaint.dealerCode && (await dealerIn(models, complaint.dealerCode, beijingMonth(now)))?.active === false) {
    throw invalid('dealerCode', DELISTED_DEALER_MESSAGE);
  }
}

/**
 * Turns a validated complaint into a number, a stored submission and a running workflow.
 *
 * With an idempotency key (a hotline call id, a post URL, a form token, an `Idempotency-Key`) the
 * key is one complaint for good (SPEC §3), even when repeats arrive at once (the key is claimed by a
 * unique insert) or months after the complaint closed: a repeat finds the stored complaint and
 * changes nothing. Every step is safe to repeat, so a caller retrying after a crash anywhere
 * completes what the first attempt began instead of losing it.
 *
 * The workflow's start is durable: a pending record holding the workflow's input is stored before
 * the submission, and deleted once Temporal confirms the start. When Temporal does not answer, the
 * complaint is still accepted (the caller gets its number) and intake's reconciler starts it later,
 * its clocks counted from the stored receipt time.
 */
export async function submitComplaint(deps: SubmitDeps, complaint: NewComplaint, idempotencyKey?: string, attachments: NewAttachment[] = [], submitter: Submitter = {}): Promise<Submitted> {
  const { models } = deps;
  const now = deps.now();
  const receivedAt = complaint.receivedAt ? new Date(complaint.receivedAt) : now;

  // The common case costs no read of the key: the complaint is checked, numbered and its key
  // claimed by the one insert. A key seen before is still answered as it was — also when the
  // check now refuses it (a call center repeating a call months later gets its number, though its
  // receipt time is long out of the window by then).
  try {
    await assertAcceptable(models, complaint, receivedAt, now, submitter);
  } catch (error) {
    const existing = idempotencyKey && (await models.IntakeKey.findById(idempotencyKey).lean());
    // A refused repeat is answered only for a complaint stored in full: what the check refused is
    // never what gets stored (a first attempt that stopped before storing is finished by a repeat
    // the check accepts).
    if (!existing || !(await models.Submission.exists({ _id: existing.number }))) throw error;
    return {
      ...(await resume(deps, existing.number, () => {
        throw error;
      })),
      created: false,
    };
  }
  const number = await allocateComplaintNumber(models, receivedAt);
  if (idempotencyKey) {
    try {
      await insertTogether(models.IntakeKey, withTimestamps({ _id: idempotencyKey, number }));
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // The key was claimed before (a repeat) or at the same moment (a double click): its number
      // is the complaint's, and this one stays unused (numbers may have gaps).
      const winner = (await models.IntakeKey.findById(idempotencyKey).lean())!.number;
      return { ...(await resume(deps, winner, () => store(deps, winner, complaint, receivedAt, attachments, submitter))), created: false };
    }
  }
  const facts = await store(deps, number, complaint, receivedAt, attachments, submitter);
  // Without a key the number is fresh: a workflow already there means the database's numbering is
  // behind Temporal's history (e.g. a restored database), never "the same complaint".
  const started = await startPending(deps, number, facts, { fresh: !idempotencyKey, confirm: 'soon' });
  return { number, created: true, started };
}

/**
 * Inserts a document into the model's collection together with those other requests insert at the
 * same moment: while one write is at the database the next ones wait and go as one insertMany (one
 * transaction of the database's file). An idle intake writes each at once; a burst of complaints
 * costs the database a write per batch instead of one each. Each caller learns its own outcome: a
 * document already there fails its caller alone, with the duplicate-key error.
 */
const INSERT_BATCH = 100;
/** What insertTogether needs of a mongoose model: its collection. */
interface InsertModel {
  collection: { insertMany(docs: never[], options: { ordered: boolean }): Promise<unknown> };
}
const insertQueues = new WeakMap<InsertModel, { queue: { doc: object; settle: (error?: unknown) => void }[]; writing: boolean }>();

async function insertTogether(model: InsertModel, doc: object): Promise<void> {
  let writer = insertQueues.get(model);
  if (!writer) insertQueues.set(model, (writer = { queue: [], writing: false }));
  const w = writer;
  return new Promise<void>((resolve, reject) => {
    w.queue.push({ doc, settle: (error) => (error ? reject(error) : resolve()) });
    if (w.writing) return;
    w.writing = true;
    void (async () => {
      while (w.queue.length) {
        const batch = w.queue.splice(0, INSERT_BATCH);
        try {
          await model.collection.insertMany(batch.map((b) => b.doc) as never[], { ordered: false });
          batch.forEach((b) => b.settle());
        } catch (error) {
          const writeErrors = (error as { writeErrors?: { index: number; code?: number; errmsg?: string }[] }).writeErrors;
          if (!Array.isArray(writeErrors)) batch.forEach((b) => b.settle(error));
          else {
            const failed = new Map(writeErrors.map((e) => [e.index, Object.assign(new Error(e.errmsg ?? 'insert failed'), { code: e.code })]));
            batch.forEach((b, i) => b.settle(failed.get(i)));
          }
        }
      }
      w.writing = false;
    })();
  });
}

/**
 * A document as its model would store it, for the collection's insert: what intake writes for every
 * complaint was checked by its schema (zod) at the door, so building and validating a mongoose
 * document for it again only costs the request time. Nothing undefined is stored (as mongoose
 * leaves it out), and the model's timestamps are set (`withTimestamps`).
 */
function plain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(plain) as T;
  if (!value || typeof value !== 'object' || value instanceof Date || Buffer.isBuffer(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, plain(v)])) as T;
}

function withTimestamps<T extends object>(fields: T): T & { createdAt: Date; updatedAt: Date } {
  const at = new Date();
  return { ...plain(fields), createdAt: at, updatedAt: at };
}

/**
 * SPEC §3.2 triage: anyone can fill in the public form, so its complaints always wait for the
 * coordinator (who sees the dealer the customer named) and count against no dealer until dispatched;
 * staff and hotline complaints go to the customer's own dealer when the policy routes their channel.
 */
async function awaitsCoordinator(models: Models, complaint: NewComplaint, receivedAt: Date, submitter: Submitter): Promise<boolean> {
  if (!complaint.dealerCode) return false;
  if (submitter.public || complaint.channel === 'web_form') return true;
  const inForce = policyIfAny(await policiesOf(models), receivedAt);
  return inForce ? !inForce.routing.autoDispatchChannels.includes(complaint.channel) : false;
}

/** Stores the pending start, then the submission (personal data to the database only, SPEC §7). */
async function store(deps: SubmitDeps, number: string, complaint: NewComplaint, receivedAt: Date, attachments: NewAttachment[], submitter: Submitter): Promise<ComplaintFacts> {
  const { models } = deps;
  // SPEC §3: a known dealer gets the work order at once (automatic routing), with its region. One
  // delisted is still named (the complaint may count against it) but not routed to: the
  // coordinator dispatches it (staff and integrations record such complaints; the public is refused).
  const dealer = complaint.dealerCode ? await dealerIn(models, complaint.dealerCode, beijingMonth(receivedAt)) : null;
  const routable = dealer && dealer.active !== false ? dealer : undefined;
  const facts = complaintFacts(complaint, receivedAt, routable, submitter.recordedBy, { awaitsCoordinator: await awaitsCoordinator(models, complaint, receivedAt, submitter) });
  let startWith = facts;
  try {
    await insertTogether(models.PendingStart, plain({ _id: number, facts, since: deps.now(), attempts: 0 }));
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    // A concurrent repeat stored first: its facts are the ones the workflow starts with.
    const stored = await models.PendingStart.findById(number).lean();
    if (stored) startWith = stored.facts as ComplaintFacts;
  }
  if (attachments.length) await recordSubmission(models, number, complaint, receivedAt, attachments);
  else {
    // Without files (the API's and the integrations' complaints): the submission as the model
    // stores it (the customer's request defaults to empty), inserted with the others of the moment.
    const fields = submissionFields(number, complaint, receivedAt, attachmentsOf([]));
    try {
      await insertTogether(models.Submission, withTimestamps({ ...fields, request: fields.request ?? '' }));
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }
  return startWith;
}

/**
 * A key seen before: the complaint it became, as it is. Its workflow is started only if its start
 * was never confirmed; a submission the first attempt did not get to store is stored now.
 */
async function resume(deps: SubmitDeps, number: string, storeAgain: () => Promise<ComplaintFacts>): Promise<Omit<Submitted, 'created'>> {
  const { models } = deps;
  const [pending, submission] = await Promise.all([models.PendingStart.findById(number).lean(), models.Submission.exists({ _id: number })]);
  if (submission && !pending) return { number, started: true };
  const facts = submission && pending ? (pending.facts as ComplaintFacts) : await storeAgain();
  return { number, started: await startPending(deps, number, facts, { fresh: false }) };
}

/**
 * Pending records of started workflows, cleared together: one delete for a burst of complaints
 * instead of one each, off the caller's answer. A record left by a process that stopped before
 * its batch went out is harmless: the reconciler's next start of it finds the workflow there,
 * which confirms it.
 */
const CONFIRM_BATCH_MS = 250;
const confirmations = new WeakMap<Models, Set<string>>();

function confirmSoon(models: Models, number: string): void {
  let batch = confirmations.get(models);
  if (batch) {
    batch.add(number);
    return;
  }
  confirmations.set(models, (batch = new Set([number])));
  const flush = () => {
    confirmations.delete(models);
    models.PendingStart.deleteMany({ _id: { $in: [...batch] } }).catch(() => undefined);
  };
  setTimeout(flush, CONFIRM_BATCH_MS).unref();
}

/**
 * Starts a stored complaint's workflow and clears its pending record (at once, or with the next
 * batch: `confirm: 'soon'`). Temporal not answering leaves it pending (false), for the reconciler;
 * a workflow already there is the start confirmed.
 */
export async function startPending(deps: Pick<SubmitDeps, 'config' | 'models' | 'temporal' | 'logger'>, number: string, facts: ComplaintFacts, options: { fresh: boolean; confirm?: 'now' | 'soon' }): Promise<boolean> {
  try {
    await startComplaintWorkflow(deps.temporal, deps.config, { number, facts });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      if (options.fresh) throw new Error(`complaint number ${number} already has a workflow: the numbering is behind Temporal's history`);
    } else {
      // Down, or answering with a refusal (a namespace it lacks, a limit): the complaint is stored,
      // its caller gets its number, and the reconciler tries again and tells the coordinator why.
      const down = dependencyUnavailable(error);
      deps.logger?.warn(
        { number, err: { name: (error as Error).name, code: (error as { code?: unknown }).code, message: (error as Error).message } },
        down ? 'Temporal does not answer: the complaint is stored and its workflow will be started' : 'Temporal refused the start: the complaint is stored and its start is tried again',
      );
      await deps.models.PendingStart.updateOne({ _id: number }, { $inc: { attempts: 1 }, $set: { lastError: (error as Error).message.slice(0, 200) } }).catch(() => undefined);
      return false;
    }
  }
  if (options.confirm === 'soon') confirmSoon(deps.models, number);
  else await deps.models.PendingStart.deleteOne({ _id: number });
  return true;
}
