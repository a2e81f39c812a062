import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Response } from 'express';
import { beijingMonth, complaintFacts, complaintWorkflowId, policyInForce, type ComplaintFacts, type Config, type NewComplaint } from '@complaints/shared';
import { allocateComplaintNumber, findDealer, isDuplicateKeyError, loadPolicies, recordSubmission, type Models, type NewAttachment } from '@complaints/activities';
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

/**
 * A receipt time given by staff or an integration (a letter, a walk-in entered later) lies within
 * the policy's window back and never in the future, and a policy was in force then: without one
 * its clocks could not be set. An anonymous caller never gets here with a receipt time.
 */
async function assertReceiptTime(models: Models, receivedAt: Date, now: Date): Promise<void> {
  const policies = await loadPolicies(models);
  try {
    policyInForce(policies, receivedAt);
  } catch {
    const earliest = policies.map((p) => new Date(p.effectiveFrom)).sort((a, b) => a.getTime() - b.getTime())[0];
    const detail = earliest ? `the earliest policy starts ${earliest.toISOString()}` : 'no policy is loaded';
    throw invalid('receivedAt', `is before any policy in force (${detail})`);
  }
  // A minute of grace for the caller's clock: a call center's system stamps the call as it ends.
  if (receivedAt.getTime() > now.getTime() + 60_000) throw invalid('receivedAt', 'must not be in the future');
  const { receivedAtWindowDays } = policyInForce(policies, now).intake;
  if (receivedAt.getTime() < now.getTime() - receivedAtWindowDays * 86_400_000) throw invalid('receivedAt', `must be at most ${receivedAtWindowDays} days back`);
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

  // A key seen before is answered first: a call center repeating a call months later gets its
  // number, even though its receipt time is long out of the window by then.
  if (idempotencyKey) {
    const existing = await models.IntakeKey.findById(idempotencyKey).lean();
    if (existing) return { ...(await resume(deps, existing.number, () => store(deps, existing.number, complaint, receivedAt, attachments, submitter))), created: false };
  }
  if (complaint.receivedAt) await assertReceiptTime(models, receivedAt, now);
  // A customer choosing their dealer from a stale list, or naming one by code, is asked to choose
  // another: a delisted dealer (撤站, seed 002 重大抱怨 §5.1) takes no more work orders.
  if (submitter.public && complaint.dealerCode && (await findDealer(models, complaint.dealerCode, beijingMonth(now)))?.active === false) {
    throw invalid('dealerCode', DELISTED_DEALER_MESSAGE);
  }
  const number = await allocateComplaintNumber(models, receivedAt);
  if (idempotencyKey) {
    try {
      await models.IntakeKey.create({ _id: idempotencyKey, number });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // A concurrent repeat claimed the key first: its number is the complaint's (this one stays unused).
      const winner = (await models.IntakeKey.findById(idempotencyKey).lean())!.number;
      return { ...(await resume(deps, winner, () => store(deps, winner, complaint, receivedAt, attachments, submitter))), created: false };
    }
  }
  const facts = await store(deps, number, complaint, receivedAt, attachments, submitter);
  // Without a key the number is fresh: a workflow already there means the database's numbering is
  // behind Temporal's history (e.g. a restored database), never "the same complaint".
  const started = await startPending(deps, number, facts, { fresh: !idempotencyKey });
  return { number, created: true, started };
}

/** Stores the pending start, then the submission (personal data to the database only, SPEC §7). */
async function store(deps: SubmitDeps, number: string, complaint: NewComplaint, receivedAt: Date, attachments: NewAttachment[], submitter: Submitter): Promise<ComplaintFacts> {
  const { models } = deps;
  // SPEC §3: a known dealer gets the work order at once (automatic routing), with its region. One
  // delisted is still named (the complaint may count against it) but not routed to: the
  // coordinator dispatches it (staff and integrations record such complaints; the public is refused).
  const dealer = complaint.dealerCode ? await findDealer(models, complaint.dealerCode, beijingMonth(receivedAt)) : null;
  const routable = dealer && dealer.active !== false ? dealer : undefined;
  const facts = complaintFacts(complaint, receivedAt, routable, submitter.recordedBy);
  let startWith = facts;
  try {
    await models.PendingStart.create({ _id: number, facts, since: deps.now() });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    // A concurrent repeat stored first: its facts are the ones the workflow starts with.
    const stored = await models.PendingStart.findById(number).lean();
    if (stored) startWith = stored.facts as ComplaintFacts;
  }
  await recordSubmission(models, number, complaint, receivedAt, attachments);
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
 * Starts a stored complaint's workflow and clears its pending record. Temporal not answering leaves
 * it pending (false), for the reconciler; a workflow already there is the start confirmed.
 */
export async function startPending(deps: Pick<SubmitDeps, 'config' | 'models' | 'temporal' | 'logger'>, number: string, facts: ComplaintFacts, options: { fresh: boolean }): Promise<boolean> {
  try {
    await startComplaintWorkflow(deps.temporal, deps.config, { number, facts });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      if (options.fresh) throw new Error(`complaint number ${number} already has a workflow: the numbering is behind Temporal's history`);
    } else if (dependencyUnavailable(error)) {
      deps.logger?.warn({ number, err: { name: (error as Error).name, message: (error as Error).message } }, 'Temporal does not answer: the complaint is stored and its workflow will be started');
      await deps.models.PendingStart.updateOne({ _id: number }, { $inc: { attempts: 1 }, $set: { lastError: (error as Error).message.slice(0, 200) } }).catch(() => undefined);
      return false;
    } else throw error;
  }
  await deps.models.PendingStart.deleteOne({ _id: number });
  return true;
}
