export * from './store/models';
export * from './persistence';
export * from './notifications';
export * from './numbers';
export * from './submissions';
export * from './rules';
export * from './directory';
export * from './digests';
