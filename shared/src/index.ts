// Pure domain code: safe to import from workflows (no Node, no I/O).
export * from './domain';
export * from './config';
export * from './notifications';
export * from './labels';
export * from './calendar';
export * from './policy';
export * from './deadlines';
export * from './clocks';
export * from './kpi';
export * from './directory';
export * from './actions';
export * from './scoring';
export * from './months';
export * from './loop';
export * from './visibility';
export * from './summary';
export * from './incentives';
