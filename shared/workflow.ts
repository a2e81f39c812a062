// The entry point of `shared` for workflow code: the values a workflow may use, from modules with no
// value imports. The worker evaluates a workflow's imports again for each workflow it creates or
// replays, so the package's index (every zod schema, luxon) would cost memory and time for each.
// Types come from the index as usual (`import type … from '@complaints/shared'`).
export * from './src/labels';
export * from './src/clocks';
export * from './src/kpi';
export * from './src/loop';
export * from './src/statuses';
export * from './src/roles';
