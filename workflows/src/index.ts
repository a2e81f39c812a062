// What clients may import: definitions and types. The workflow functions live in ./workflows,
// which only the worker loads (through workflowsPath).
export * from './definitions';
export * from './searchAttributes';
export type { ComplaintWorkflowOptions } from './workflows';
export const workflowsPath = require.resolve('./workflows');
export type { ScoringActivities } from './schedules';
