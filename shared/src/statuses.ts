// SPEC §3: the closed loop, named by what each state waits for, and its groups, defined once: the
// workflow, the read model's queries, the scorecards and the console (served to the browser as
// /assets/console/vocabulary.js) all read them here. Shown in the Temporal UI as the
// ComplaintStatus search attribute (e.g. ComplaintStatus="awaiting_reply" AND Overdue=true).

export const STATUSES = [
  'awaiting_dispatch', // received (受理), no dealer yet
  'awaiting_acknowledgement', // dispatched (派工), the dealer has not confirmed
  'awaiting_reply', // confirmed (信息确认), or sent back after a follow-up; no reply since
  'in_progress', // replied with a progress reply (回复), not final yet
  'awaiting_closure_request', // the dealer's final reply is in; the coordinator decides (申请关闭)
  'awaiting_follow_up', // closure requested; the call center calls the customer (回访)
  'closed', // satisfied follow-up or answered inquiry (闭环)
  'closed_unreachable', // customer unreachable after the policy's attempts (联系不上)
  'force_closed', // forced closure with a reason (强制闭环)
  'invalid', // marked invalid by the coordinator (无效: spam, a duplicate, not a complaint): counts nowhere
] as const;
export type ComplaintStatus = (typeof STATUSES)[number];

/** Still being worked on: its clocks run. */
export const OPEN_STATUSES: readonly ComplaintStatus[] = ['awaiting_dispatch', 'awaiting_acknowledgement', 'awaiting_reply', 'in_progress', 'awaiting_closure_request', 'awaiting_follow_up'];
/** A dealer holds the work order. */
export const WITH_DEALER_STATUSES: readonly ComplaintStatus[] = OPEN_STATUSES.filter((s) => s !== 'awaiting_dispatch');
/** The dealer (or, for an inquiry, the call center) may reply. */
export const REPLYABLE_STATUSES: readonly ComplaintStatus[] = ['awaiting_reply', 'in_progress', 'awaiting_closure_request'];
/** Ended by the loop: closed, closed as unreachable, or force-closed (an invalid complaint never was one). */
export const FINISHED_STATUSES: readonly ComplaintStatus[] = ['closed', 'force_closed', 'closed_unreachable'];
/** Counted as closed in the monthly closure rate: a satisfied follow-up, or a forced closure (SPEC §6). */
export const RESOLVED_STATUSES: readonly ComplaintStatus[] = ['closed', 'force_closed'];
/** Not open: finished, or marked invalid. */
export const CLOSED_STATUSES: readonly ComplaintStatus[] = STATUSES.filter((s) => !OPEN_STATUSES.includes(s));
