import express from 'express';
import type { Models } from '@complaints/activities';
import { createAuth, errorHandler, healthHandler, idempotency, notFound, securityHeaders, type HealthDeps, type Logger, type SessionSettings } from '@complaints/runtime';
import { scorecardRoutes } from './scorecards';
import { dashboardRoutes } from './dashboard';
import { quotaRoutes } from './quota';
import { freezeRoutes } from './freeze';
import { analysisRoutes } from './analysis';
import { listRoutes } from './lists';
import { claimReportRoutes } from './claims';
import { caseRoutes } from './cases';
import { reportingSessions } from './sessions';
import { reportingOpenApiRoutes } from './openapi';
import { consolePageRoutes } from './consolePages';
import { whatIfRoutes } from './whatIf';

/** Reporting's HTTP app: the monthly dealer scorecards and the reports beside them (SPEC §6). */
export function createApp(deps: HealthDeps & { logger: Logger; models: Models; secret: string; now?: () => Date; sessions?: SessionSettings; intakeBaseUrl?: string; reportingBaseUrl?: string }) {
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders());
  app.get('/health', healthHandler(deps, deps.logger));
  // Every write takes an Idempotency-Key, so that a client may repeat one it got no answer for.
  const idempotent = idempotency(deps.mongo);
  // Staff act through the session they opened at intake's /login (cookie-authenticated writes carry its CSRF token).
  const sessions = reportingSessions(deps.mongo, deps.sessions ?? { idleMinutes: 30, absoluteHours: 12 }, deps.now);
  app.use(sessions.middleware);
  app.use(sessions.router);
  // Machine tokens must name reporting in `aud`; a revoked one is refused on the next request.
  const auth = createAuth({ secret: deps.secret, audience: 'reporting', connection: deps.mongo, session: sessions.principal });
  app.use(reportingOpenApiRoutes(deps.reportingBaseUrl ?? 'http://127.0.0.1:3002'));
  app.use(dashboardRoutes({ intakeBaseUrl: deps.intakeBaseUrl }));
  app.use(consolePageRoutes({ intakeBaseUrl: deps.intakeBaseUrl, reportingBaseUrl: deps.reportingBaseUrl }));
  app.use(scorecardRoutes({ auth, models: deps.models }));
  app.use(quotaRoutes({ auth, models: deps.models, idempotent, ...(deps.now && { now: deps.now }) }));
  app.use(freezeRoutes({ auth, models: deps.models, idempotent }));
  app.use(analysisRoutes({ auth, models: deps.models }));
  app.use(listRoutes({ auth, models: deps.models, ...(deps.now && { now: deps.now }) }));
  app.use(claimReportRoutes({ auth, models: deps.models }));
  app.use(caseRoutes({ auth, models: deps.models, idempotent }));
  app.use(whatIfRoutes({ auth, models: deps.models, idempotent, ...(deps.now && { now: deps.now }) }));
  app.use((_req, _res, next) => next(notFound('route')));
  app.use(errorHandler(deps.logger));
  return app;
}
