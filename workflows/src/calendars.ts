import { getExternalWorkflowHandle, log, proxyActivities } from '@temporalio/workflow';
import type { DeadlineActivities } from '@complaints/activities';
import { calendarLoadedSignal, type CalendarLoaded } from './definitions';

// SPEC §4: when a year's calendar is loaded (or corrected), every open complaint that may have a
// deadline in that year is told, and places its pending deadlines again (complaint/recalendar.ts).
// One run per calendar version (its id says which), so a repeated load tells nobody twice.

const SIGNALS_AT_ONCE = 50;

export async function calendarCorrectionWorkflow(loaded: CalendarLoaded): Promise<number> {
  const { complaintsToCorrect } = proxyActivities<DeadlineActivities>({ startToCloseTimeout: '5 minutes', retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' } });
  const workflowIds = await complaintsToCorrect({ year: loaded.year });
  let told = 0;
  for (let i = 0; i < workflowIds.length; i += SIGNALS_AT_ONCE) {
    await Promise.all(
      workflowIds.slice(i, i + SIGNALS_AT_ONCE).map(async (workflowId) => {
        try {
          await getExternalWorkflowHandle(workflowId).signal(calendarLoadedSignal, loaded);
          told += 1;
        } catch (error) {
          // Closed since it was listed (or its workflow not started yet, and it will use the new calendar).
          log.info('complaint not told of the calendar', { workflowId, error: (error as Error).message });
        }
      }),
    );
  }
  return told;
}
