import type { ActionName } from './actions';
import { isDealerLoop } from './loop';
import { EVIDENCE_ROLES, type Role } from './roles';
import { OPEN_STATUSES, REPLYABLE_STATUSES, WITH_DEALER_STATUSES, type ComplaintStatus } from './statuses';
import type { Kind, Severity } from './domain';

// SPEC §3, §8: which actions a role may take on a complaint in its present state, in one place. The
// complaint's API answer lists them (`actions`) and the console draws exactly those; the workflow's
// validators stay the last word (a state that moved on meanwhile is refused with 409).

/** What the availability of an action depends on. */
export interface ActionSubject {
  status: ComplaintStatus | 'received';
  kind: Kind;
  severity: Severity;
  /** A major complaint already acknowledged (seed 002 重大抱怨 §4: the first report). */
  majorAcknowledged?: boolean;
}

/** `attachments`: adding files (evidence) after intake. */
export type AvailableAction = ActionName | 'attachments';

export function availableActions(role: Role, c: ActionSubject): AvailableAction[] {
  const s = c.status as ComplaintStatus;
  const open = OPEN_STATUSES.includes(s);
  const loop = isDealerLoop(c.kind);
  const major = c.severity === 'major';
  const staff = role === 'coordinator' || role === 'call_center';
  const rules: [AvailableAction, boolean][] = [
    // The call center dispatches repair requests itself (seed 002 400抱怨 §6.2.6); complaints the coordinator.
    ['dispatch', staff && s === 'awaiting_dispatch' && loop && (role === 'coordinator' || c.kind === 'repair_request')],
    ['acknowledge', role === 'dealer' && s === 'awaiting_acknowledgement'],
    ['contact', role === 'dealer' && REPLYABLE_STATUSES.includes(s)],
    // The dealer replies in the dealer loop; the call center (or the coordinator) answers an inquiry or a suggestion.
    ['reply', role === 'dealer' ? loop && REPLYABLE_STATUSES.includes(s) : staff && !loop && (s === 'awaiting_reply' || s === 'in_progress')],
    ['request-closure', role === 'coordinator' && s === 'awaiting_closure_request'],
    // A major complaint's follow-up is its regional manager's visit (seed 003).
    ['follow-up', (role === 'call_center' || (role === 'regional_manager' && major)) && s === 'awaiting_follow_up'],
    ['reassign', role === 'coordinator' && WITH_DEALER_STATUSES.includes(s)],
    ['upgrade', role === 'coordinator' && open && !major],
    ['acknowledge-major', (role === 'coordinator' || role === 'regional_manager') && open && major && !c.majorAcknowledged],
    ['written-report', role === 'dealer' && open && major],
    ['invalidate', role === 'coordinator' && s === 'awaiting_dispatch'],
    ['classify', role === 'coordinator' && open],
    ['force-close', role === 'coordinator' && open],
    ['attachments', open && EVIDENCE_ROLES.includes(role)],
  ];
  return rules.filter(([, allowed]) => allowed).map(([action]) => action);
}
