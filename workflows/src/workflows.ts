import {
  condition,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { DeadlineActivities, NotificationActivities, PersistenceActivities } from '@complaints/activities';
import {
  LABELS,
  type ComplaintEvent,
  type ComplaintStatus,
  type ComplaintWorkflowInput,
} from '@complaints/shared';
import { getStateQuery, type ComplaintState } from './definitions';
import { ClosureDeadlineKey, ComplaintStatusKey } from './searchAttributes';

const { recordComplaint, recordEvent, recordDeadlines, computeDeadlines } = proxyActivities<PersistenceActivities & DeadlineActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export interface WorkflowTaskQueues {
  notifications: string;
}

/**
 * One complaint, from receipt to archive (SPEC §3). This first slice records the complaint,
 * tells the coordinator and waits for dispatch; the rest of the loop builds on it.
 */
export async function complaintWorkflow(input: ComplaintWorkflowInput, queues: WorkflowTaskQueues): Promise<ComplaintState> {
  const { sendNotification } = proxyActivities<NotificationActivities>({
    taskQueue: queues.notifications,
    startToCloseTimeout: '1 minute',
    // SPEC §5: a failing send is retried until it succeeds or is reported undeliverable.
    retry: { initialInterval: '2 seconds', maximumInterval: '5 minutes', nonRetryableErrorTypes: ['Undeliverable'] },
  });

  const { number, facts: complaint } = input;
  const state: ComplaintState = { number, status: 'received', dealerCode: complaint.dealerCode, events: [] };
  setHandler(getStateQuery, () => state);

  async function record(type: string, status: ComplaintStatus, by: string, summary: string, at: string): Promise<void> {
    const event: ComplaintEvent = { id: `${number}:${state.events.length + 1}`, sequence: state.events.length + 1, type, at, by, summary, status };
    state.events.push(event);
    state.status = status;
    upsertSearchAttributes([{ key: ComplaintStatusKey, value: status }]);
    await recordEvent(number, event);
  }

  await recordComplaint(input);
  // SPEC §4: the policy and calendars in force at receipt fix the deadlines; later changes never move them.
  state.deadlines = await computeDeadlines({ receivedAt: complaint.receivedAt, kind: complaint.kind, category: complaint.category, channel: complaint.channel });
  if (state.deadlines.closureDeadline) upsertSearchAttributes([{ key: ClosureDeadlineKey, value: new Date(state.deadlines.closureDeadline) }]);
  await recordDeadlines(number, state.deadlines);
  await record('received', 'received', complaint.channel, `受理: ${LABELS.zh.kind[complaint.kind]} / ${LABELS.zh.category[complaint.category]}`, complaint.receivedAt);

  await sendNotification({
    key: `${number}:received`,
    template: 'complaint_received',
    recipients: [{ role: 'coordinator' }],
    data: {
      number,
      kind: complaint.kind,
      category: complaint.category,
      severity: complaint.severity,
      channel: complaint.channel,
      dealerCode: complaint.dealerCode ?? '',
      receivedAt: complaint.receivedAt,
    },
  });

  const closure = state.deadlines.closureDeadline ? ` · 闭环时限 closure deadline ${state.deadlines.closureDeadline}` : '';
  setCurrentDetails(`**${LABELS.zh.status[state.status]}** (received) — 等待派工: waiting for the coordinator to dispatch a work order${closure}`);
  // The dispatch action arrives with the full loop (issue 5); until then the complaint stays open.
  await condition(() => state.status !== 'received');
  return state;
}
