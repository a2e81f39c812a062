import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { complaintFacts, policyInForce, type Config, type NewComplaint } from '@complaints/shared';
import { allocateComplaintNumber, findDealer, isDuplicateKeyError, loadPolicies, recordSubmission, type Models, type NewAttachment } from '@complaints/activities';
import { HttpError } from '@complaints/shared/runtime';
import { startComplaintWorkflow } from './complaints';

export interface SubmitDeps {
  config: Config;
  models: Models;
  temporal: Client;
  now: () => Date;
}

export interface Submitted {
  number: string;
  /** false: the source's key was seen before, and this is the same complaint. */
  created: boolean;
}

/**
 * A complaint recorded with an earlier receipt time (a letter, a walk-in entered later) needs a policy
 * in force at that time: without one its clocks cannot be set, and its workflow would wait forever.
 */
async function assertPolicyInForce(models: Models, receivedAt: Date): Promise<void> {
  const policies = await loadPolicies(models);
  try {
    policyInForce(policies, receivedAt);
  } catch {
    const earliest = policies.map((p) => new Date(p.effectiveFrom)).sort((a, b) => a.getTime() - b.getTime())[0];
    const detail = earliest ? `the earliest policy starts ${earliest.toISOString()}` : 'no policy is loaded';
    throw new HttpError(400, 'validation_failed', 'The request has invalid fields', [{ path: 'receivedAt', message: `is before any policy in force (${detail})` }]);
  }
}

/**
 * Turns a validated complaint into a number, a stored submission and a running workflow.
 *
 * With an idempotency key (a hotline call id, a post URL, a form token) a repeat is the same complaint, never a
 * second one (SPEC §3), even when repeats arrive at once: the key is claimed by a unique insert.
 * Every step is safe to repeat, so a caller retrying after a crash anywhere completes what the
 * first attempt began (the submission is stored, the workflow started) instead of losing it.
 */
export async function submitComplaint(deps: SubmitDeps, complaint: NewComplaint, idempotencyKey?: string, attachments: NewAttachment[] = []): Promise<Submitted> {
  const { models } = deps;
  const receivedAt = complaint.receivedAt ? new Date(complaint.receivedAt) : deps.now();
  if (complaint.receivedAt) await assertPolicyInForce(models, receivedAt);
  let number: string;
  let created = true;
  const existing = idempotencyKey ? await models.IntakeKey.findById(idempotencyKey).lean() : null;
  if (existing) {
    number = existing.number;
    created = false;
  } else {
    number = await allocateComplaintNumber(models, receivedAt);
    if (idempotencyKey) {
      try {
        await models.IntakeKey.create({ _id: idempotencyKey, number });
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        // A concurrent repeat claimed the key first: its number is the complaint's (this one stays unused).
        number = (await models.IntakeKey.findById(idempotencyKey).lean())!.number;
        created = false;
      }
    }
  }
  // Personal data goes to the database only; the workflow gets the facts (SPEC §7). SPEC §3: a
  // known dealer gets the work order at once (automatic routing), with its region.
  const [, dealer] = await Promise.all([
    recordSubmission(models, number, complaint, receivedAt, attachments),
    complaint.dealerCode ? findDealer(models, complaint.dealerCode) : null,
  ]);
  try {
    await startComplaintWorkflow(deps.temporal, deps.config, { number, facts: complaintFacts(complaint, receivedAt, dealer ?? undefined) });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    // With a key, a repeat (or the first call, when a concurrent repeat got there first) finds the
    // workflow started, which is what it came to ensure. Without one, a fresh number whose workflow
    // exists means the database's counters are behind Temporal's workflows (e.g. a reset database).
    if (!idempotencyKey) throw new Error(`complaint number ${number} already has a workflow: the numbering is behind Temporal's history`);
  }
  return { number, created };
}
