import type { RequestHandler, Router } from 'express';
import express from 'express';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ACTION_NAMES, ACTION_ROLES, actionSchemas, complaintWorkflowId, COMPLAINT_NUMBER_PATTERN, type ActionName, type ActionRequest } from '@complaints/shared';
import { findDealer, type Models } from '@complaints/activities';
import { actionUpdates, type ComplaintState } from '@complaints/workflows';
import { type Auth, HttpError, inactiveDealer, jsonBody, notFound, unknownDealer } from '@complaints/runtime';

/** How long an action waits for its complaint's workflow to take it. */
export const ACTION_DEADLINE_MS = 15_000;

/**
 * What an action answers: the complaint's state after it, without the full history; a dealer is not
 * told which dealer the customer named (the coordinator's triage, SPEC §3.2).
 */
export function stateView(state: ComplaintState, role?: string) {
  const { events, policy: _policy, firedClocks: _fired, ...rest } = state;
  const { namedDealerCode: _named, ...facts } = state.facts;
  return { ...rest, ...(role === 'dealer' && { facts }), lastEvent: events.at(-1) };
}

/** Maps a refusal from the workflow's update validator to HTTP (SPEC §8: 409 with the reason). */
export function refusal(error: unknown): HttpError | undefined {
  if (error instanceof WorkflowNotFoundError) return undefined;
  if (!(error instanceof WorkflowUpdateFailedError) || !(error.cause instanceof ApplicationFailure)) return undefined;
  const { type, message } = error.cause;
  if (type === 'NotYourWorkOrder') return new HttpError(404, 'not_found', 'complaint not found');
  if (type === 'IncompleteAction') return new HttpError(422, 'incomplete', message);
  return new HttpError(409, 'refused', message);
}

/**
 * Seed 002 重大抱怨 §4: the written report comes with its documents, which are files of this
 * complaint (its own attachments or evidence added since): 422 naming each id that is not.
 */
async function assertAttachmentsOf(models: Models, number: string, ids: readonly string[]): Promise<void> {
  const found = await Promise.all(ids.map((id) => models.Attachment.exists({ _id: `${number}:${id}` })));
  const missing = ids.flatMap((_, i) => (found[i] ? [] : [{ path: `attachmentIds.${i}`, message: 'is not an attachment of this complaint' }]));
  if (missing.length) throw new HttpError(422, 'unknown_attachment', 'the written report names files that are not attachments of this complaint', missing);
}

/** `POST /api/complaints/:number/<action>`: each action validated, then sent to the workflow as an update. */
export function actionRoutes(deps: { auth: Auth; models: Models; temporal: Client; idempotent: RequestHandler }): Router {
  const router = express.Router();
  for (const action of ACTION_NAMES) {
    // A client that got no answer repeats with the same Idempotency-Key: the action is taken once
    // (a second "contact" or progress reply would be a second event in the complaint's history).
    router.post(`/api/complaints/:number/${action}`, deps.auth.requireRole(ACTION_ROLES[action]), jsonBody(), deps.idempotent, async (req, res) => {
      const number = String(req.params.number);
      if (!COMPLAINT_NUMBER_PATTERN.test(number)) throw notFound(`complaint ${number}`);
      const input = actionSchemas[action].parse(req.body ?? {});
      const principal = req.principal!;
      // Scope is checked by the workflow, the source of truth (the read model may lag an action
      // behind): another dealer's work order answers 404 like a number that does not exist.

      let region: string | undefined;
      if ('dealerCode' in input && (action === 'dispatch' || action === 'reassign')) {
        const dealer = await findDealer(deps.models, input.dealerCode);
        if (!dealer) throw unknownDealer(input.dealerCode);
        // A delisted dealer (撤站, seed 002 重大抱怨 §5.1) takes no more work orders.
        if (dealer.active === false) throw inactiveDealer(dealer.code, dealer.delistedFrom);
        region = dealer.region;
      }
      if (action === 'written-report' && 'attachmentIds' in input && input.attachmentIds) await assertAttachmentsOf(deps.models, number, input.attachmentIds);
      const request: ActionRequest<ActionName> = { actor: principal, input: input as never, ...(region && { region }) };
      try {
        const handle = deps.temporal.workflow.getHandle(complaintWorkflowId(number));
        // A workflow whose worker does not answer holds an update: answer 503 well before a client's own timeout.
        // With an Idempotency-Key, the update's id is derived from it: an update Temporal admitted but
        // whose answer was lost (a deadline, a 503) is not applied again when the client repeats it.
        const updateId = typeof res.locals.idempotencyId === 'string' ? `${action}:${res.locals.idempotencyId}` : undefined;
        const state = await deps.temporal.withDeadline(Date.now() + ACTION_DEADLINE_MS, () => handle.executeUpdate(actionUpdates[action] as never, { args: [request], ...(updateId && { updateId }) }));
        res.json(stateView(state as ComplaintState, principal.role));
      } catch (error) {
        throw refusal(error) ?? (error instanceof WorkflowNotFoundError ? notFound(`complaint ${number}`) : error);
      }
    });
  }
  return router;
}
