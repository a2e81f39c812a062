import express from 'express';
import { errorHandler, healthHandler, notFound, type HealthDeps, type Logger } from '@complaints/shared/runtime';

/** Reporting's HTTP app. Scorecards and the dashboard arrive with issue 8. */
export function createApp(deps: HealthDeps & { logger: Logger }) {
  const app = express();
  app.disable('x-powered-by');
  app.get('/health', healthHandler(deps));
  app.use((_req, _res, next) => next(notFound('route')));
  app.use(errorHandler(deps.logger));
  return app;
}
