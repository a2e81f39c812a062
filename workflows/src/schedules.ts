import { ActivityFailure, log, patched, proxyActivities } from '@temporalio/workflow';
import type { DigestActivities, NotificationActivities, RetentionActivities, RetentionReport, ScoringActivities } from '@complaints/activities';

// Scheduled report workflows (SPEC §5), started by Temporal Schedules created at reporting start-up
// (services/reporting/src/schedules.ts). Each passes its start time; the activity derives the period.

/** A send's sign of life (activities/src/notifications.ts heartbeats well within it). */
export const SEND_HEARTBEAT_TIMEOUT = '20 seconds';

/** The notifier's send activity, on its task queue. SPEC §5: a failing send is retried until it succeeds or is reported undeliverable. */
export function notifier(taskQueue: string) {
  return proxyActivities<NotificationActivities>({
    taskQueue,
    startToCloseTimeout: '1 minute',
    // Under load Temporal can hand a send to a poll that is already gone (the 16:30 burst): the
    // attempt counts as started and nothing runs it. Without a heartbeat it is tried again after
    // this, not after the minute a send may take.
    heartbeatTimeout: SEND_HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '2 seconds', maximumInterval: '5 minutes', nonRetryableErrorTypes: ['Undeliverable', 'UnknownRecipient'] },
  });
}

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

export async function coordinatorDigestWorkflow(options: { notifications: string }): Promise<number> {
  return digests(options.notifications).sendCoordinatorDigest(new Date(Date.now()).toISOString());
}

export async function regionalInternetListWorkflow(options: { notifications: string }): Promise<number> {
  return digests(options.notifications).sendRegionalInternetLists(new Date(Date.now()).toISOString());
}

export async function forcedClosureListWorkflow(options: { notifications: string }): Promise<number> {
  return digests(options.notifications).sendForcedClosureList(new Date(Date.now()).toISOString());
}

/** Activities the reporting worker hosts on its own task queue (services/reporting/src/freeze.ts). */

/**
 * SPEC §6: after a month has closed, its scorecards are computed and frozen; the coordinator gets
 * the summary (with the analysis report and the incentive totals per region), each regional manager
 * the region's table and each dealer its own card. A run for a month already frozen (a re-run, a
 * catch-up) sends nothing again; each email is keyed by month, version and recipient, so a retried
 * send never sends it twice.
 */
export async function monthlyScoringWorkflow(options: { notifications: string; dashboardUrl?: string }): Promise<string> {
  const scoring = proxyActivities<ScoringActivities>({ startToCloseTimeout: '30 minutes', retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes' } });
  const result = await scoring.freezePreviousMonth(new Date(Date.now()).toISOString());
  if (!result.changed) return result.month;
  const { sendNotification } = notifier(options.notifications);
  if (!patched('scorecard-emails-to-dealers-and-regions')) {
    await sendNotification({
      key: `scorecard:${result.month}:v${result.version}`,
      template: 'monthly_scorecard',
      recipients: [{ role: 'coordinator' }],
      data: {
        month: result.month,
        version: String(result.version),
        count: String(result.dealers),
        eligible: String(result.eligible),
        notEligible: String(result.dealers - result.eligible),
        dashboardUrl: `${options.dashboardUrl ?? ''}/dashboard?month=${result.month}`,
      },
    });
    return result.month;
  }
  for (let page = 1; ; page++) {
    const { requests, more } = await scoring.scorecardEmails({ month: result.month, version: result.version, page, ...(options.dashboardUrl && { dashboardUrl: options.dashboardUrl }) });
    await Promise.all(
      requests.map(async (request) => {
        try {
          await sendNotification(request);
        } catch (error) {
          // Refused for good: reported to the coordinator by the send itself; the other emails still go.
          if (!(error instanceof ActivityFailure)) throw error;
          log.warn('scorecard email undeliverable', { key: request.key });
        }
      }),
    );
    if (!more) break;
  }
  return result.month;
}

/**
 * SPEC §7: every day, the personal data of complaints closed longer ago than their policy's
 * retention is erased (held ones are kept), as of the Schedule's Beijing date. A re-run the same day
 * erases nothing more; a failed run is retried, each erasure being safe to repeat.
 */
export async function retentionWorkflow(): Promise<RetentionReport> {
  const retention = proxyActivities<RetentionActivities>({ startToCloseTimeout: '1 hour', retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes' } });
  return retention.runRetention({ at: new Date(Date.now()).toISOString() });
}
