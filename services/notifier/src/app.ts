import express from 'express';
import { errorHandler, healthHandler, securityHeaders, type HealthDeps, type Logger } from '@complaints/runtime';

/** The notifier's HTTP face: health only; its work arrives as Temporal activity tasks. */
export function createApp(deps: HealthDeps & { logger: Logger }) {
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders());
  app.get('/health', healthHandler(deps, deps.logger));
  app.use(errorHandler(deps.logger));
  return app;
}
