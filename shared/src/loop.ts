import type { Kind } from './domain';

// SPEC §3: complaints and repair requests go round the dealer loop (dispatch, reply, follow-up,
// closure); inquiries and suggestions are answered without a dealer. Light enough for workflow
// code: no value imports.

/** The kinds a dealer handles as a work order. */
export const DEALER_LOOP_KINDS: readonly Kind[] = ['complaint', 'repair_request'];

/** Whether a complaint of this kind goes to a dealer (and is counted in the reports) or is answered directly. */
export function isDealerLoop(kind: Kind): boolean {
  return DEALER_LOOP_KINDS.includes(kind);
}
