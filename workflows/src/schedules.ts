import { proxyActivities } from '@temporalio/workflow';
import type { DigestActivities } from '@complaints/activities';

// Scheduled report workflows (SPEC §5), started by Temporal Schedules created at reporting start-up
// (services/reporting/src/schedules.ts). Each passes its start time; the activity derives the period.

function digests(notifications: string) {
  return proxyActivities<DigestActivities>({
    taskQueue: notifications,
    startToCloseTimeout: '10 minutes',
    retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' },
  });
}

export async function dealerDigestWorkflow(options: { notifications: string }): Promise<number> {
  return digests(options.notifications).sendDealerDigests(new Date(Date.now()).toISOString());
}

export async function regionalInternetListWorkflow(options: { notifications: string }): Promise<number> {
  return digests(options.notifications).sendRegionalInternetLists(new Date(Date.now()).toISOString());
}

export async function forcedClosureListWorkflow(options: { notifications: string }): Promise<number> {
  return digests(options.notifications).sendForcedClosureList(new Date(Date.now()).toISOString());
}
