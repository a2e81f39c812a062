import { ActivityFailure, condition, log, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { DeadlineActivities, PersistenceActivities } from '@complaints/activities';
import type { ComplaintEvent, RecipientRef, TemplateName } from '@complaints/shared';
import type { ComplaintState } from '../definitions';
import { notifier } from '../schedules';
import { replyDueNow } from './state';

// The complaint's side effects, queued by the steps that change the state and run in two lanes:
// the history and read model (projections), which the main loop runs in the order the facts
// happened, and the emails, which a lane of their own sends meanwhile.

type ProjectionActivities = PersistenceActivities & DeadlineActivities;
const projectionOptions = { startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumInterval: '1 minute' } } as const;
const remoteProjections = proxyActivities<ProjectionActivities>(projectionOptions);
const localProjections = proxyLocalActivities<ProjectionActivities>(projectionOptions);

/** Now, as the workflow knows it (deterministic on replay), for the times events happened. */
export const nowIso = () => new Date(Date.now()).toISOString();

export interface EffectOptions {
  /** The notifier's task queue. */
  notifications: string;
  /** The read model's projections and the deadline rules run as local activities (quick MongoDB calls on this worker). */
  localProjections: boolean;
  /** Emails wait in a lane of their own; without it, in the projections' queue. */
  notificationLane: boolean;
  /** Shows the state in the Temporal UI (display.ts). */
  publish(): void;
}

export type Effects = ReturnType<typeof createEffects>;

export function createEffects(state: ComplaintState, options: EffectOptions) {
  const { sendNotification } = notifier(options.notifications);
  const activities = options.localProjections ? localProjections : remoteProjections;
  const { number } = state;
  // The read model's projections, run one after another in the order the facts happened.
  const projections: (() => Promise<void>)[] = [];
  // Emails, one after another in their own order; without the lane, the same queue.
  const notifications: (() => Promise<void>)[] = options.notificationLane ? [] : projections;

  function readModel() {
    const { status, severity, dealerCode, region, attributedDealerCode, overdue, escalated, kpi, closedAt, closeReason, major, repairCase, classifiedAt, facts } = state;
    return {
      ...{ status, severity, dealerCode, region, attributedDealerCode, overdue, escalated, kpi, closedAt, closeReason, replyDue: replyDueNow(state), major },
      ...(repairCase && { repairCase }),
      // Classified by the coordinator (SPEC §3.2): the lists, reports and scorecards read the new ones.
      // A work order withdrawn so leaves no dealer that still sees the complaint.
      ...(classifiedAt && { kind: facts.kind, category: facts.category, dealerCode: dealerCode ?? null }),
    };
  }

  /** Records an event (who, when, what) and projects the state into the read model with it. */
  function record(type: string, by: string, summary: string, data?: Record<string, unknown>): void {
    const sequence = state.events.length + 1;
    const event: ComplaintEvent = { id: `${number}:${sequence}`, sequence, type, at: nowIso(), by, summary, status: state.status, ...(data && { data }) };
    state.events.push(event);
    const snapshot = readModel();
    projections.push(() => writer.recordEvent(number, event, snapshot));
    options.publish(); // at once, even while an earlier effect waits (an email the SMTP server refuses)
  }

  function templateData(extra: Record<string, string | undefined>): Record<string, string> {
    const { facts, deadlines: d } = state;
    const values: Record<string, string | undefined> = {
      number,
      kind: facts.kind,
      category: facts.category,
      severity: state.severity,
      channel: facts.channel,
      dealerCode: state.dealerCode ?? '',
      region: state.region ?? '',
      receivedAt: facts.receivedAt,
      closureDeadline: d?.closureDeadline ?? '',
      replyDue: replyDueNow(state) ?? '',
      // The notifier states the numbers of the complaint's own policy version (SPEC §4: a policy
      // change applies to complaints received afterwards).
      policyVersion: state.policy?.version,
      ...extra,
    };
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v ?? '']));
  }

  /**
   * Asks the notifier for an email. The key names the business fact ("reply overdue for dispatch 2"),
   * so a retried activity or a replayed workflow never sends it twice. An email that the SMTP server
   * keeps refusing is retried for hours; it waits in its own lane so that the history and the status
   * in the read model (what the dashboard shows and the monthly scorecard freezes) never wait for it.
   */
  function notify(key: string, template: TemplateName, recipients: RecipientRef[], extra: Record<string, string | undefined> = {}): void {
    send(key, template, recipients, templateData(extra));
  }

  /**
   * An email to the customer (seeds 000, 001, 003), by the complaint's number: the notifier reads the
   * address, the language and the name for the greeting from the stored submission. Its data is the
   * complaint's number, kind, category and dates only: nothing about the dealer or the staff.
   */
  function notifyCustomer(key: string, template: TemplateName, extra: Record<string, string> = {}): void {
    const { facts } = state;
    const data = { number, kind: facts.kind, category: facts.category, receivedAt: facts.receivedAt, policyVersion: state.policy?.version ?? '', ...extra };
    send(key, template, [{ customer: number }], data);
  }

  function send(key: string, template: TemplateName, recipients: RecipientRef[], data: Record<string, string>): void {
    notifications.push(async () => {
      try {
        await sendNotification({ key: `${number}:${key}`, template, recipients, data });
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        // Undeliverable: reported, and the complaint goes on (the coordinator sees it in the history,
        // written by the projections like every other event).
        log.warn('notification undeliverable', { key, template });
        record('notification_undeliverable', 'system', `邮件无法投递: ${template}`, { key, template });
      }
    });
  }

  /** Queues a step of the read model's lane that is not an event (a deadline the calendar decides). */
  function project(step: () => Promise<void>): void {
    projections.push(step);
  }

  // Who writes the queued events: the local activities, or (beside an email) the worker's activities.
  let writer = activities;
  let projecting = true; // until receipt is recorded
  /**
   * Runs the queued projections in order. `besideEmails`: when an email waits to leave in this very
   * task, the writes go as ordinary activities, scheduled in the same task as the email: a local
   * write would hold the task, and the email's schedule with it, until the write is done (at the
   * cutoff hundreds of clocks run out at once and their writes queue for the read model).
   */
  async function runProjections({ besideEmails = false } = {}): Promise<void> {
    projecting = true;
    if (besideEmails && !sending && notifications.length > 0) writer = remoteProjections;
    try {
      while (projections.length) await projections.shift()!();
    } finally {
      writer = activities;
      projecting = false;
    }
  }

  let sending = false;
  /** The notification lane: runs beside the main loop for the workflow's whole life. */
  async function sendNotifications(): Promise<never> {
    for (;;) {
      await condition(() => notifications.length > 0);
      sending = true;
      while (notifications.length) await notifications.shift()!();
      sending = false;
    }
  }

  /** Nothing queued or running in either lane: the read model and the emails have caught up with the state. */
  const idle = () => !projecting && projections.length === 0 && !sending && notifications.length === 0;

  /** Until both lanes are empty: an undeliverable email still has its event to record. */
  async function drain(): Promise<void> {
    await runProjections();
    while (!idle()) {
      await condition(() => projections.length > 0 || (!sending && notifications.length === 0));
      await runProjections();
    }
  }

  /** Something was recorded since the projections last ran: every action and every undeliverable email records an event. */
  const recorded = () => projections.length > 0;

  return { activities, record, notify, notifyCustomer, project, runProjections, sendNotifications, idle, drain, recorded };
}
