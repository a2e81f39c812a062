import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ActionName, ActionRequest, Actor, ComplaintEvent, ComplaintFacts, ComplaintStatus, Deadlines, EvidenceInput, KpiFacts, Policy, RepairCase, Severity } from '@complaints/shared';

/** The workflow type name, for clients that start it without importing workflow code. */
export const COMPLAINT_WORKFLOW = 'complaintWorkflow';

/** The complaint workflow's options, as its clients start it. */
export interface ComplaintWorkflowOptions {
  /** The notifier's task queue. */
  notifications: string;
  /** Continue-as-new past this many history events (a complaint can live 3+ months with many replies). */
  historyLimit?: number;
}

/** The clocks that start at dispatch (SPEC §4), for the dealer the complaint is with. */
export interface DispatchClocks {
  generation: number;
  at: string;
  replyDue: string;
  replyReminderAt: string;
  contactDue: string;
  /** 当日确认 (SPEC §3.3): from the calendar, a moment after dispatch (an activity); absent for dispatches before it was a clock. */
  acknowledgementDue?: string;
  acknowledgementReminderAt?: string;
  repairFeedbackDue?: string;
  /** A repair request answers on its working-day feedback clock, not the 24 h reply clock (SPEC §4). */
  onFeedbackClock?: boolean;
  /** This dealer's first reply and contact: they disarm this dispatch's clocks. */
  repliedAt?: string;
  contactedAt?: string;
}

/** SPEC §4 "reply after a return": the dealer's new reply clock after an `unsatisfied` or `false_reply` follow-up. */
export interface ReturnedReplyClock {
  /** Which return this is (1, 2, …): one clock per return. */
  count: number;
  at: string;
  replyDue: string;
  replyReminderAt: string;
  /** The dealer's next reply disarms it. */
  repliedAt?: string;
}

export interface MajorClocks {
  since: string;
  reason: string;
  firstReportDue: string;
  solutionDue: string;
  writtenReportDue: string;
  acknowledgedAt?: string;
  solutionAt?: string;
  writtenReportAt?: string;
  /** The coordinator classified it minor again (SPEC §3.2): its clocks stop; the record stays. */
  downgradedAt?: string;
}

/** The complaint's state as its workflow holds it: what a query answers, and what continue-as-new carries. */
export interface ComplaintState {
  number: string;
  facts: ComplaintFacts;
  status: ComplaintStatus;
  severity: Severity;
  dealerCode?: string;
  region?: string;
  /** Who the complaint counts against (SPEC §3 reassignment): the first dealer unless moved for other reasons. */
  attributedDealerCode?: string;
  events: ComplaintEvent[];
  /** Fixed at receipt with the policy and calendar versions used. */
  deadlines?: Deadlines;
  policy?: Policy;
  dispatch?: DispatchClocks;
  /** Which of seed 002's repair cases (400抱怨 §6.2) a repair request is, as its dispatcher said. */
  repairCase?: RepairCase;
  /** The reply clock of the last return to the dealer, if any. */
  returned?: ReturnedReplyClock;
  acknowledgedAt?: string;
  contactedAt?: string;
  firstReplyAt?: string;
  finalReplyAt?: string;
  /** SPEC §4 申请关闭: by when the coordinator requests closure after the final reply (the calendar's working day). */
  closureRequestDue?: string;
  closureRequests: number;
  closureRequestedAt?: string;
  followUpAttempts: number;
  major?: MajorClocks;
  /** When the coordinator last changed the kind, category or severity (SPEC §3.2); the facts hold the new ones. */
  classifiedAt?: string;
  /** Work orders withdrawn by a change of kind: the next dispatch is numbered after them. */
  previousDispatches?: number;
  /** Closure clocks armed again by a reclassification (their clock ids and emails are new ones). */
  closureRound?: number;
  overdue: boolean;
  escalated: boolean;
  closedAt?: string;
  closeReason?: string;
  kpi: KpiFacts;
  /** Clock ids that have fired, so a clock never fires twice (also across continue-as-new). */
  firedClocks: string[];
  /** In query answers only: no side effect is queued or running (history, read model, emails are current). */
  idle?: boolean;
}

export const getStateQuery = defineQuery<ComplaintState>('getState');

/** One update per business action (SPEC §8); the HTTP layer and tests use these, never string names. */
function action<A extends ActionName>(name: A) {
  return defineUpdate<ComplaintState, [ActionRequest<A>], A>(name);
}

export const actionUpdates = {
  dispatch: action('dispatch'),
  acknowledge: action('acknowledge'),
  contact: action('contact'),
  reply: action('reply'),
  'request-closure': action('request-closure'),
  'follow-up': action('follow-up'),
  'force-close': action('force-close'),
  reassign: action('reassign'),
  upgrade: action('upgrade'),
  invalidate: action('invalidate'),
  classify: action('classify'),
  'acknowledge-major': action('acknowledge-major'),
  'written-report': action('written-report'),
} as const satisfies { [A in ActionName]: ReturnType<typeof action<A>> };

/** Evidence added after intake: intake stores the files first, then tells the workflow their ids. */
export interface EvidenceRequest {
  actor: Actor;
  input: EvidenceInput;
}
export const addEvidenceUpdate = defineUpdate<ComplaintState, [EvidenceRequest]>('add-evidence');

/**
 * SPEC §4: a year's calendar was loaded (or corrected). The complaint computes its pending deadlines
 * again with it, never earlier than announced; sent to every open complaint by the correction workflow.
 */
export interface CalendarLoaded {
  year: number;
  version: string;
}
export const calendarLoadedSignal = defineSignal<[CalendarLoaded]>('calendar-loaded');

/** The workflow that tells the open complaints of a loaded calendar, one per calendar version. */
export const CALENDAR_CORRECTION_WORKFLOW = 'calendarCorrectionWorkflow';
/** An email outside a complaint's workflow (a claim filed or decided), one workflow per notice key. */
export const NOTICE_WORKFLOW = 'noticeWorkflow';
export const noticeWorkflowId = (key: string) => `notice-${key}`;
export const calendarCorrectionWorkflowId = ({ year, version }: CalendarLoaded) => `calendar-correction-${year}-${version}`;

/** A deadline moved later by a loaded calendar, or kept where it was announced (SPEC §4: never earlier). */
export interface MovedDeadline {
  deadline: 'closureDeadline' | 'acknowledgementDue' | 'repairFeedbackDue';
  from: string;
  to: string;
}
export interface KeptDeadline {
  deadline: MovedDeadline['deadline'];
  announced: string;
  computed: string;
}
