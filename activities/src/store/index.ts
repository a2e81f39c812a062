// Data access the services and the activities share: the read model's mongoose models, the
// directory, complaint numbers, submissions (personal data), the rules in force, report queries.
// Every write is keyed (by number, key or _id) so that a retry changes nothing.
export * from './models';
export * from './directory';
export * from './numbers';
export * from './submissions';
export * from './rules';
export * from './complaints';
export * from './aggregates';
