// SPEC §5: who is told what. The workflow names recipients by role or dealer; the notifier
// resolves them to addresses and languages, so workflows never hold an email address.

export const TEMPLATES = [
  'complaint_received', // coordinator: a new complaint to dispatch
  'work_order', // dealer: new work order (服务派工单)
  'reply_due_soon', // dealer: the 24 h reply is due in a few hours
  'reply_overdue', // dealer, regional manager: no reply in time
  'contact_overdue', // dealer, regional manager: internet complaint, customer not contacted in time
  'repair_feedback_overdue', // dealer: repair request feedback late
  'closure_deadline_near', // dealer
  'closure_overdue', // dealer, regional manager, coordinator
  'returned_to_dealer', // dealer: unsatisfied follow-up or false reply
  'closure_request_due', // coordinator: the dealer's final reply is in
  'follow_up_due', // call center: a follow-up call to make
  'follow_up_reminder', // call center: the follow-up is late
  'major_complaint', // coordinator, regional manager: at once
  'major_clock_missed', // coordinator (first report), coordinator's head (solution)
  'major_report_reminder', // dealer, regional manager: written report due
  'escalation', // headquarters: open past 3 months
  'dealer_digest', // dealer, daily: its open work orders
  'regional_internet_list', // regional manager, weekly: open internet complaints in the region
  'forced_closure_list', // coordinator, monthly: last month's forced closures
  'undeliverable', // coordinator: an email was refused for good (bad address, 5xx)
  'monthly_scorecard', // coordinator, monthly: the month's scorecards were frozen
  'workflow_pending', // coordinator: a stored complaint's workflow has not started for a while (sent by intake)
  'acknowledgement_due_soon', // dealer: the work order is to be confirmed today (当日确认)
  'acknowledgement_overdue', // dealer, regional manager: the work order was not confirmed in time
  'customer_acknowledgement', // customer (when an email was given): complaint received, its number
  'customer_closure', // customer: the complaint is closed
  'dealer_scorecard', // dealer, monthly at the freeze: its own scorecard, no customer data
  'regional_scorecard', // regional manager, monthly at the freeze: the region's table
  'deadline_moved', // dealer: a calendar loaded late moved a deadline of its work order (SPEC §4)
  'coordinator_digest', // coordinator, daily: the queues to work, and what the calendars lack (SPEC §4)
  'dispatch_due_soon', // coordinator: a complaint waiting for dispatch is due soon (SPEC §4 派工)
  'dispatch_overdue', // coordinator's head: a complaint was not dispatched in time
  'repeated_return', // coordinator, regional manager: a complaint sent back to its dealer a second time or more (seed 003 四(2)5)
  'claim_filed', // coordinator: a dealer filed a special or travel claim on a major complaint (SPEC §3.10)
  'claim_decided', // dealer: its claim was approved (with the amount) or rejected (with the reason)
  'reclassified', // dealer: the coordinator changed the kind, category or severity of its work order; its deadlines follow (SPEC §3.2)
] as const;
export type TemplateName = (typeof TEMPLATES)[number];

export const LANGUAGES = ['zh', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * Who an email goes to. `customer` names a complaint: the notifier reads the address and language
 * from its stored submission, so that the workflow never holds them.
 */
export type RecipientRef = { role: 'coordinator' | 'coordinator_head' | 'call_center' | 'hq' } | { dealerCode: string } | { region: string } | { customer: string };

/** Values for a template: strings, and lists of rows for the digests. */
export type NotificationData = Record<string, string | Record<string, string>[]>;

export interface NotificationRequest {
  /** Unique per email the business means to send once, e.g. `C20261123-0001:received`. */
  key: string;
  template: TemplateName;
  recipients: RecipientRef[];
  /** Template values. Never personal data (SPEC §5: no phone number in emails). */
  data: NotificationData;
}

export interface NotificationResult {
  sent: number;
  alreadySent: number;
}
