import type { Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { LABELS, complaintWorkflowId, type ComplaintFacts, type ComplaintWorkflowInput, type Config } from '@complaints/shared';
import {
  COMPLAINT_WORKFLOW,
  CategoryKey,
  ChannelKey,
  ComplaintStatusKey,
  DealerCodeKey,
  EscalatedKey,
  OverdueKey,
  RegionKey,
  SeverityKey,
  type ComplaintWorkflowOptions,
} from '@complaints/workflows';

/** SPEC §8's search attributes as a complaint starts (the workflow upserts them as it goes on). */
export function initialSearchAttributes(complaint: ComplaintFacts): SearchAttributePair[] {
  return [
    { key: ComplaintStatusKey, value: complaint.kind === 'complaint' || complaint.kind === 'repair_request' ? 'awaiting_dispatch' : 'awaiting_reply' },
    { key: CategoryKey, value: complaint.category },
    { key: SeverityKey, value: complaint.severity },
    { key: ChannelKey, value: complaint.channel },
    ...(complaint.dealerCode ? [{ key: DealerCodeKey, value: complaint.dealerCode }] : []),
    ...(complaint.region ? [{ key: RegionKey, value: complaint.region }] : []),
    { key: OverdueKey, value: false },
    { key: EscalatedKey, value: false },
  ];
}

/** What the Temporal UI shows an operator; never the customer's personal data (SPEC §7). */
export function operatorSummary(number: string, complaint: ComplaintFacts): { staticSummary: string; staticDetails: string } {
  const zh = LABELS.zh;
  const dealer = complaint.dealerCode ?? '—';
  return {
    staticSummary: `${number} · ${zh.kind[complaint.kind]} / ${zh.category[complaint.category]} · ${zh.channel[complaint.channel]} · ${dealer}`,
    staticDetails: [
      `**抱怨编号** ${number}`,
      `**类型** ${zh.kind[complaint.kind]} (${complaint.kind})`,
      `**分类** ${zh.category[complaint.category]} (${complaint.category})`,
      `**严重程度** ${zh.severity[complaint.severity]} (${complaint.severity})`,
      `**渠道** ${zh.channel[complaint.channel]} (${complaint.channel})`,
      `**服务商** ${dealer}`,
      `**受理时间** ${complaint.receivedAt}`,
      ...(complaint.recordedBy ? [`**录入人** ${complaint.recordedBy}`] : []),
    ].join('\n\n'),
  };
}

/** How long intake waits for Temporal to confirm a start before treating it as not answering. */
export const TEMPORAL_CALL_DEADLINE_MS = 5_000;

/**
 * Starts the complaint's workflow. The workflow id is the business id, so a second start of the
 * same number is refused by Temporal rather than creating a second complaint — also once the
 * first run has closed (reuse is rejected): a closed complaint is never reopened by a repeat.
 */
export async function startComplaintWorkflow(client: Client, config: Config, input: ComplaintWorkflowInput, options: Omit<ComplaintWorkflowOptions, 'notifications'> = {}) {
  const { number, facts } = input;
  return client.withDeadline(Date.now() + TEMPORAL_CALL_DEADLINE_MS, () => client.workflow.start(COMPLAINT_WORKFLOW, {
    taskQueue: config.TASK_QUEUE_COMPLAINTS,
    workflowId: complaintWorkflowId(number),
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    args: [input, { notifications: config.TASK_QUEUE_NOTIFICATIONS, ...options } satisfies ComplaintWorkflowOptions],
    typedSearchAttributes: initialSearchAttributes(facts),
    ...operatorSummary(number, facts),
  }));
}
