// The workers' workflow bundle (workflowsPath): every workflow type they run, by its exported name.
export { complaintWorkflow } from './complaint/workflow';
export { coordinatorDigestWorkflow, dealerDigestWorkflow, regionalInternetListWorkflow, forcedClosureListWorkflow, monthlyScoringWorkflow, retentionWorkflow } from './schedules';
export { calendarCorrectionWorkflow } from './calendars';
export { noticeWorkflow } from './notices';
