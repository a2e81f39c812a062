import { defineQuery } from '@temporalio/workflow';
import type { ComplaintEvent, ComplaintStatus, Deadlines } from '@complaints/shared';

/** The workflow type name, for clients that start it without importing workflow code. */
export const COMPLAINT_WORKFLOW = 'complaintWorkflow';

/** What a query answers: the complaint's state as the workflow holds it. */
export interface ComplaintState {
  number: string;
  status: ComplaintStatus;
  dealerCode?: string;
  events: ComplaintEvent[];
  /** Computed once at receipt, with the policy and calendar versions used. */
  deadlines?: Deadlines;
}

export const getStateQuery = defineQuery<ComplaintState>('getState');
