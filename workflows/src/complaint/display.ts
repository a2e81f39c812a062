import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { SearchAttributePair, SearchAttributeUpdatePair } from '@temporalio/common';
import type { ComplaintFacts, ComplaintStatus } from '@complaints/shared';
import { followUpDue, isDealerLoop, LABELS } from '@complaints/shared/workflow';
import type { ComplaintState } from '../definitions';
import { replyDueNow } from './state';
import { CategoryKey, ChannelKey, ClosureDeadlineKey, ComplaintStatusKey, DealerCodeKey, EscalatedKey, OverdueKey, RegionKey, SeverityKey } from '../searchAttributes';

// What the Temporal UI shows operations staff (SPEC §8): the search attributes they filter on, a
// static summary set at start, and the current details the workflow keeps up to date. Never the
// customer's personal data (SPEC §7).

/** The search attributes as a complaint starts; the workflow upserts them as it goes on. */
export function initialSearchAttributes(facts: ComplaintFacts): SearchAttributePair[] {
  return [
    { key: ComplaintStatusKey, value: isDealerLoop(facts.kind) ? 'awaiting_dispatch' : 'awaiting_reply' },
    { key: CategoryKey, value: facts.category },
    { key: SeverityKey, value: facts.severity },
    { key: ChannelKey, value: facts.channel },
    ...(facts.dealerCode ? [{ key: DealerCodeKey, value: facts.dealerCode }] : []),
    ...(facts.region ? [{ key: RegionKey, value: facts.region }] : []),
    { key: OverdueKey, value: false },
    { key: EscalatedKey, value: false },
  ];
}

/** The static summary and details of a complaint's workflow: what it is, where it came from. */
export function operatorSummary(number: string, facts: ComplaintFacts): { staticSummary: string; staticDetails: string } {
  const zh = LABELS.zh;
  const dealer = facts.dealerCode ?? '—';
  return {
    staticSummary: `${number} · ${zh.kind[facts.kind]} / ${zh.category[facts.category]} · ${zh.channel[facts.channel]} · ${dealer}`,
    staticDetails: [
      `**抱怨编号** ${number}`,
      `**类型** ${zh.kind[facts.kind]} (${facts.kind})`,
      `**分类** ${zh.category[facts.category]} (${facts.category})`,
      `**严重程度** ${zh.severity[facts.severity]} (${facts.severity})`,
      `**渠道** ${zh.channel[facts.channel]} (${facts.channel})`,
      `**服务商** ${dealer}`,
      `**受理时间** ${facts.receivedAt}`,
      ...(facts.recordedBy ? [`**录入人** ${facts.recordedBy}`] : []),
    ].join('\n\n'),
  };
}

/** The search attributes that change with the state. */
export function searchAttributes(state: ComplaintState): SearchAttributeUpdatePair[] {
  return [
    { key: ComplaintStatusKey, value: state.status },
    { key: SeverityKey, value: state.severity },
    // The category as received was set at start; one the coordinator changed follows (SPEC §3.2).
    ...(state.classifiedAt ? [{ key: CategoryKey, value: state.facts.category }] : []),
    { key: OverdueKey, value: state.overdue },
    { key: EscalatedKey, value: state.escalated },
    ...(state.dealerCode ? [{ key: DealerCodeKey, value: state.dealerCode }] : []),
    ...(state.region ? [{ key: RegionKey, value: state.region }] : []),
    ...(state.deadlines?.closureDeadline ? [{ key: ClosureDeadlineKey, value: new Date(state.deadlines.closureDeadline) }] : []),
  ];
}

/** The current details: the status, its flags, and who the complaint waits for, by when. */
export function currentDetails(state: ComplaintState): string {
  const waiting: Record<ComplaintStatus, string> = {
    awaiting_dispatch: '等待派工 — the coordinator dispatches a work order',
    awaiting_acknowledgement: `等待服务商 ${state.dealerCode} 确认 — the dealer confirms the work order by ${state.dispatch?.acknowledgementDue ?? 'the end of the day'}; reply due ${replyDueNow(state) ?? ''}`,
    awaiting_reply: `等待服务商 ${state.dealerCode ?? '客服'} 回复 — reply due ${replyDueNow(state) ?? ''}`,
    in_progress: `处理中 — the dealer sends progress replies until a final one; closure deadline ${state.deadlines?.closureDeadline ?? ''}`,
    awaiting_closure_request: '待申请关闭 — the coordinator reviews the final reply and requests closure',
    awaiting_follow_up: `待回访 — the call center calls the customer by ${state.closureRequestedAt && state.policy ? followUpDue(state.closureRequestedAt, state.policy) : ''}`,
    closed: '已闭环 — closed after a satisfied follow-up',
    closed_unreachable: '联系不上关闭 — closed, customer unreachable',
    force_closed: `强制闭环 — ${state.closeReason ?? ''}`,
    invalid: `无效 — marked invalid: ${state.closeReason ?? ''}`,
  };
  const flags = [state.overdue && '**超时 overdue**', state.severity === 'major' && '**重大 major**', state.escalated && '**已立项 escalated**'].filter(Boolean).join(' ');
  return `**${LABELS.zh.status[state.status]}** (${state.status}) ${flags}\n\n${waiting[state.status]}`;
}

/**
 * Shows the state in the Temporal UI, at once on every change. `onlyChanges`: upsert the search
 * attributes only when they changed (one command fewer per workflow task); complaints begun before
 * that replay with an upsert on every change, as they ran.
 */
export function publisher(state: ComplaintState, { onlyChanges }: { onlyChanges: boolean }): () => void {
  let published = '';
  return () => {
    const attributes = searchAttributes(state);
    const values = JSON.stringify(attributes.map(({ key, value }) => [key.name, value]));
    if (!onlyChanges || values !== published) upsertSearchAttributes(attributes);
    published = values;
    setCurrentDetails(currentDetails(state));
  };
}
