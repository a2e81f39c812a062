// Node-side plumbing shared by the services: logging, database and Temporal connections,
// health checks and graceful shutdown. Never imported by workflow code (see eslint.config.mjs).
export * from './logger';
export * from './connections';
export * from './payloadCodec';
export * from './http';
export * from './security';
export * from './rules';
export * from './service';
export * from './directory';
export * from './auth';
export * from './revokedTokens';
export * from './idempotency';
export * from './accountModels';
export * from './passwords';
export * from './sessions';
export * from './users';
export * from './console';
export * from './tokens';
export * from './oidc';
