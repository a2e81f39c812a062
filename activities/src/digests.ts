import { ApplicationFailure } from '@temporalio/common';
import { beijingDate, calendarWarnings, OPEN_STATUSES, previousMonth, type NotificationRequest, type NotificationResult } from '@complaints/shared';
import type { Models } from './store/models';
import { forcedClosuresIn } from './store/complaints';
import { listCalendars } from './store/rules';

// SPEC §5: the periodic emails — the dealer's daily digest of open work orders, the regional
// manager's weekly list of open internet complaints, the coordinator's monthly forced-closure list.
// Each is keyed by its period, so a retried or re-run schedule never sends one twice.

const text = (value: unknown) => (value === undefined || value === null ? '' : String(value));

export interface DigestDeps {
  models: Models;
  sendNotification(request: NotificationRequest): Promise<NotificationResult>;
}

export function createDigestActivities({ models, sendNotification: send }: DigestDeps) {
  /** A refused address is recorded and reported by the send itself; the other recipients still get theirs. */
  async function sendNotification(request: NotificationRequest): Promise<void> {
    try {
      await send(request);
    } catch (error) {
      if (!(error instanceof ApplicationFailure && error.type === 'Undeliverable')) throw error;
    }
  }
  const open = () => models.Complaint.find({ status: { $in: [...OPEN_STATUSES] } }).sort({ _id: 1 }).lean();

  function groupBy<T>(items: T[], key: (item: T) => string | undefined | null): Map<string, T[]> {
    const groups = new Map<string, T[]>();
    for (const item of items) {
      const k = key(item);
      if (k) groups.set(k, [...(groups.get(k) ?? []), item]);
    }
    return groups;
  }

  return {
    /** One email per dealer with open work orders. */
    async sendDealerDigests(at: string): Promise<number> {
      const date = beijingDate(at);
      const byDealer = groupBy(await open(), (c) => c.dealerCode);
      for (const [dealerCode, complaints] of byDealer) {
        await sendNotification({
          key: `digest:dealer:${dealerCode}:${date}`,
          template: 'dealer_digest',
          recipients: [{ dealerCode }],
          data: {
            dealerCode,
            date,
            count: String(complaints.length),
            items: complaints.map((c) => ({ number: c._id, status: c.status, overdue: c.overdue ? 'yes' : '', replyDue: text(c.replyDue), closureDeadline: c.closureDeadline ? c.closureDeadline.toISOString() : '' })),
          },
        });
      }
      return byDealer.size;
    },

    /**
     * The coordinator's day (SPEC §5): the queues to work, and what the calendars lack (SPEC §4: from
     * November 1 until next year's calendar is loaded). Sent every day, even with empty queues.
     */
    async sendCoordinatorDigest(at: string): Promise<number> {
      const date = beijingDate(at);
      const complaints = await open();
      const count = (test: (c: (typeof complaints)[number]) => boolean) => String(complaints.filter(test).length);
      const warnings = calendarWarnings((await listCalendars(models)).map((c) => c.year), new Date(at));
      await sendNotification({
        key: `digest:coordinator:${date}`,
        template: 'coordinator_digest',
        recipients: [{ role: 'coordinator' }],
        data: {
          date,
          awaitingDispatch: count((c) => c.status === 'awaiting_dispatch'),
          awaitingClosureRequest: count((c) => c.status === 'awaiting_closure_request'),
          overdue: count((c) => Boolean(c.overdue)),
          major: count((c) => c.severity === 'major'),
          escalated: count((c) => Boolean(c.escalated)),
          calendarWarnings: warnings.map((w) => ({ code: w.code, year: String(w.year) })),
        },
      });
      return complaints.length;
    },

    /** One email per region with open internet complaints. */
    async sendRegionalInternetLists(at: string): Promise<number> {
      const date = beijingDate(at);
      const byRegion = groupBy((await open()).filter((c) => c.channel === 'internet'), (c) => c.region);
      for (const [region, complaints] of byRegion) {
        await sendNotification({
          key: `list:internet:${region}:${date}`,
          template: 'regional_internet_list',
          recipients: [{ region }],
          data: {
            region,
            date,
            count: String(complaints.length),
            items: complaints.map((c) => ({ number: c._id, dealerCode: text(c.dealerCode), status: c.status, overdue: c.overdue ? 'yes' : '', source: text(c.source), receivedAt: c.receivedAt.toISOString() })),
          },
        });
      }
      return byRegion.size;
    },

    /** Last month's forced closures, to the coordinator (sent even when there were none). */
    async sendForcedClosureList(at: string): Promise<number> {
      const month = previousMonth(new Date(at));
      const closed = await forcedClosuresIn(models, month);
      await sendNotification({
        key: `list:forced-closures:${month}`,
        template: 'forced_closure_list',
        recipients: [{ role: 'coordinator' }],
        data: {
          month,
          count: String(closed.length),
          items: closed.map((c) => ({ number: c._id, dealerCode: text(c.dealerCode), category: c.category, closedAt: text(c.closedAt), reason: text(c.closeReason) })),
        },
      });
      return closed.length;
    },
  };
}

export type DigestActivities = ReturnType<typeof createDigestActivities>;
