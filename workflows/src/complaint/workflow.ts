import { allHandlersFinished, condition, continueAsNew, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ComplaintWorkflowInput } from '@complaints/shared';
import { calendarLoadedSignal, getStateQuery, type ComplaintState, type ComplaintWorkflowOptions } from '../definitions';
import { registerActions } from './actions';
import { nextClock } from './clocks';
import { publisher } from './display';
import { correctDeadlines } from './recalendar';
import { createEffects } from './effects';
import { receive } from './lifecycle';
import { runOut } from './runOut';
import { initialState, isOpen } from './state';

const HISTORY_EVENTS_LIMIT = 2_000;

/** How long before a far-off clock runs out the workflow wakes to arm it again (see `punctual` below). */
const CLOCK_REARM_MS = 60_000;

/** Where in a minute a complaint wakes to arm its clocks: the same for its whole life, spread over numbers. */
function spreadOf(number: string): number {
  let hash = 0;
  for (const c of number) hash = (hash * 31 + c.charCodeAt(0)) % 1_000_003;
  return (hash * 7_919) % CLOCK_REARM_MS;
}

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
  // Complaints begun before this patch replay as they ran. A timer starts when the workflow task that
  // arms it completes, but its length is counted from the task's start, and a task that waited on the
  // read model's writes (a burst of receipts) armed its clocks that much late: every closure deadline
  // of a day falls at the cutoff, and its overdue notices came seconds after it. Since it, a clock
  // far off wakes the workflow a minute before it runs out, in a task with nothing to write, which
  // arms the rest of it to the millisecond.
  const punctual = patched('punctual-clocks');
  // Complaints begun before this patch replay as they ran: a clock that ran out wrote its event to
  // the read model (a local write, which holds the task) before its emails were asked for, and at
  // the cutoff the overdue notices waited on the queue of writes. Since it, the emails are asked for
  // in the task the clock wakes, beside the write.
  const besideEmails = patched('emails-beside-projections');

  const state = resume ?? initialState(input);
  const publish = publisher(state, { onlyChanges: lean });
  const effects = createEffects(state, { notifications: options.notifications, localProjections: lean, notificationLane, publish });
  registerActions(state, effects);
  setHandler(getStateQuery, () => ({ ...state, idle: effects.idle() }));
  // SPEC §4: a calendar loaded late places the pending deadlines again, in the read model's lane.
  setHandler(calendarLoadedSignal, (loaded) => {
    if (isOpen(state)) effects.project(() => correctDeadlines(state, effects, loaded));
  });

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
    if (punctual && timeout !== undefined && timeout > 3 * CLOCK_REARM_MS) {
      // Woken by the early timer (or an action): the loop arms the clock again from now. Complaints
      // due at the same instant wake at different moments of the minute before (by their number),
      // so that their waking tasks do not queue behind each other and arm late again.
      await condition(effects.recorded, timeout - CLOCK_REARM_MS - spreadOf(state.number));
      continue;
    }
    const acted = timeout === undefined ? await condition(effects.recorded) : timeout === 0 ? effects.recorded() : await condition(effects.recorded, timeout);
    if (!acted && next) {
      state.firedClocks.push(next.id);
      runOut(next, state, effects);
      publish();
      if (besideEmails) await effects.runProjections({ besideEmails });
    }
  }

  await condition(allHandlersFinished);
  await effects.drain();
  publish();
  return state;
}
