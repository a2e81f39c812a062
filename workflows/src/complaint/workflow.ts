import { allHandlersFinished, condition, continueAsNew, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ComplaintWorkflowInput } from '@complaints/shared';
import { getStateQuery, type ComplaintState, type ComplaintWorkflowOptions } from '../definitions';
import { registerActions } from './actions';
import { nextClock } from './clocks';
import { publisher } from './display';
import { createEffects } from './effects';
import { receive } from './lifecycle';
import { runOut } from './runOut';
import { initialState, isOpen } from './state';

const HISTORY_EVENTS_LIMIT = 2_000;

/**
 * One complaint, from receipt to archive (SPEC §3), with every clock of SPEC §4. Actions arrive as
 * updates (actions.ts); the loop runs their side effects (effects.ts) and, when nothing happens
 * before the next clock runs out (clocks.ts), what that clock does (runOut.ts).
 */
export async function complaintWorkflow(input: ComplaintWorkflowInput, options: ComplaintWorkflowOptions, resume?: ComplaintState): Promise<ComplaintState> {
  // Complaints begun before this patch replay as they ran. Since it, a complaint's workflow tasks are
  // fewer: the read model's projections and the deadline rules, quick MongoDB calls on this worker,
  // run as local activities inside the workflow task that asks for them; and the search attributes
  // are upserted only when they changed.
  const lean = patched('local-projections');
  // Complaints begun before this patch replay as they ran: one queue, so an email retried through
  // an SMTP outage held back every later history and status write, and a scorecard frozen in that
  // window read stale facts. Since it, emails wait in a lane of their own (effects.ts).
  const notificationLane = patched('notification-lane');

  const state = resume ?? initialState(input);
  const publish = publisher(state, { onlyChanges: lean });
  const effects = createEffects(state, { notifications: options.notifications, localProjections: lean, notificationLane, publish });
  registerActions(state, effects);
  setHandler(getStateQuery, () => ({ ...state, idle: effects.idle() }));

  if (!resume) await receive(input, state, effects);
  publish();
  if (notificationLane) void effects.sendNotifications();

  // Run the projections, then wait for an action or the next clock.
  for (;;) {
    await effects.runProjections();
    if (!isOpen(state)) break;
    if (workflowInfo().historyLength > (options.historyLimit ?? HISTORY_EVENTS_LIMIT) || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await effects.drain();
      // The state carries everything: history, deadlines, fired clocks; the clocks re-arm from it.
      await continueAsNew<typeof complaintWorkflow>(input, options, state);
    }
    const next = nextClock(state);
    const timeout = next ? Math.max(new Date(next.at).getTime() - Date.now(), 0) : undefined;
    const acted = timeout === undefined ? await condition(effects.recorded) : timeout === 0 ? effects.recorded() : await condition(effects.recorded, timeout);
    if (!acted && next) {
      state.firedClocks.push(next.id);
      runOut(next, state, effects);
      publish();
    }
  }

  await condition(allHandlersFinished);
  await effects.drain();
  publish();
  return state;
}
