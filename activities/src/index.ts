// What the workflows call, as Temporal activities (persistence, deadlines, notifications, digests,
// monthly scoring, retention), and the data access beneath them that the services use too (./store).
export * from './store';
export * from './persistence';
export * from './deadlines';
export * from './notifications';
export * from './digests';
export * from './scoring';
export * from './retention';
