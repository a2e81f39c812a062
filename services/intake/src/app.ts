import express from 'express';
import type { Client } from '@temporalio/client';
import type { Connection as MongoConnection } from 'mongoose';
import type { Config } from '@complaints/shared';
import type { Models } from '@complaints/activities';
import { apiDocsPolicy, createAccountModels, createAuth, sessionPrincipal, errorHandler, healthHandler, idempotency, notFound, securityHeaders, type Logger } from '@complaints/runtime';
import { newComplaintRoutes } from './newComplaints';
import { integrationRoutes } from './integrations';
import { actionRoutes } from './actions';
import { evidenceRoutes } from './evidence';
import { claimRoutes } from './claims';
import { readRoutes } from './reads';
import { directoryRoutes } from './directory';
import { calendarRoutes } from './calendars';
import { privacyRoutes } from './privacy';
import { codecRoutes } from './codec';
import { pageRoutes } from './pages';
import { openApiRoutes } from './openapi';
import { publicRateLimits } from './rateLimits';
import { tokenRoutes } from './tokens';
import { userRoutes } from './users';
import { accountRoutes, sessionMiddleware } from './accounts/routes';

export interface IntakeDeps {
  config: Config;
  logger: Logger;
  mongo: MongoConnection;
  models: Models;
  temporal: Client;
  now?: () => Date;
}

/** The intake HTTP app, separate from its listener so tests drive it with supertest. */
export function createApp(deps: IntakeDeps) {
  const { config, models, temporal } = deps;
  const now = deps.now ?? (() => new Date());
  const app = express();
  app.disable('x-powered-by');
  if (config.TRUST_PROXY) app.set('trust proxy', /^\d+$/.test(config.TRUST_PROXY) ? Number(config.TRUST_PROXY) : config.TRUST_PROXY);
  app.use(securityHeaders());

  app.get('/health', healthHandler({ mongo: deps.mongo, temporal }, deps.logger));

  app.use('/docs', apiDocsPolicy());
  app.use(openApiRoutes(config.PUBLIC_BASE_URL));

  // Machine tokens must name intake in `aud`; a revoked one is refused on the next request.
  // Staff signed in at /login act through their session (read once per request by sessionMiddleware).
  const accounts = createAccountModels(deps.mongo);
  app.use(sessionMiddleware({ config, models: accounts, now }));
  const { apiLimit, formLimit, signInLimit } = publicRateLimits(config);
  app.get('/login/oidc', signInLimit);
  app.use(accountRoutes({ config, models: accounts, now, logger: deps.logger }));
  const auth = createAuth({ secret: config.AUTH_SECRET, audience: 'intake', connection: deps.mongo, session: sessionPrincipal });
  const submitDeps = { config, models, temporal, now, logger: deps.logger, auth };
  app.use(pageRoutes({ ...submitDeps, formLimit }));
  app.use(newComplaintRoutes({ ...submitDeps, publicLimit: apiLimit }));
  app.use(integrationRoutes(submitDeps));
  app.use(readRoutes({ auth, models }));
  const idempotent = idempotency(deps.mongo);
  app.use(actionRoutes({ auth, models, temporal, idempotent }));
  app.use(evidenceRoutes({ auth, models, temporal, idempotent, uploads: config }));
  app.use(claimRoutes({ auth, models, temporal, config, idempotent, uploads: config, logger: deps.logger, now }));
  app.use(directoryRoutes({ auth, models, logger: deps.logger }));
  app.use(calendarRoutes({ auth, models, temporal, config, logger: deps.logger, idempotent, now }));
  app.use(privacyRoutes({ auth, models, idempotent, now }));
  app.use(tokenRoutes({ auth, connection: deps.mongo, idempotent, now, secret: config.AUTH_SECRET, models, logger: deps.logger }));
  app.use(userRoutes({ auth, accounts, models, idempotent, logger: deps.logger }));
  app.use(codecRoutes({ config, logger: deps.logger, auth, connection: deps.mongo }));

  app.use((_req, _res, next) => next(notFound('route')));
  app.use(errorHandler(deps.logger));
  return app;
}
