// What clients may import: definitions and types. The workflow functions live in ./workflows,
// which only the worker loads (through workflowsPath).
export * from './definitions';
export * from './searchAttributes';
// The Temporal UI text a complaint starts with, which intake sets on the start.
export { initialSearchAttributes, operatorSummary } from './complaint/display';
export const workflowsPath = require.resolve('./workflows');
