import express from 'express';
import type { Client } from '@temporalio/client';
import type { Connection as MongoConnection } from 'mongoose';
import type { Config } from '@complaints/shared';
import type { Models } from '@complaints/activities';
import { apiDocsPolicy, errorHandler, healthHandler, idempotency, notFound, securityHeaders, type Logger } from '@complaints/runtime';
import { newComplaintRoutes } from './newComplaints';
import { integrationRoutes } from './integrations';
import { actionRoutes } from './actions';
import { evidenceRoutes } from './evidence';
import { readRoutes } from './reads';
import { directoryRoutes } from './directory';
import { privacyRoutes } from './privacy';
import { codecRoutes } from './codec';
import { pageRoutes } from './pages';
import { openApiRoutes } from './openapi';
import { publicRateLimits } from './rateLimits';

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

  const { apiLimit, formLimit } = publicRateLimits(config);
  const submitDeps = { config, models, temporal, now, logger: deps.logger };
  app.use(pageRoutes({ ...submitDeps, formLimit }));
  app.use(newComplaintRoutes({ ...submitDeps, publicLimit: apiLimit }));
  app.use(integrationRoutes(submitDeps));
  app.use(readRoutes({ secret: config.AUTH_SECRET, models }));
  const idempotent = idempotency(deps.mongo);
  app.use(actionRoutes({ secret: config.AUTH_SECRET, models, temporal, idempotent }));
  app.use(evidenceRoutes({ secret: config.AUTH_SECRET, models, temporal, idempotent, uploads: config }));
  app.use(directoryRoutes({ secret: config.AUTH_SECRET, models, logger: deps.logger }));
  app.use(privacyRoutes({ secret: config.AUTH_SECRET, models, idempotent, now }));
  app.use(codecRoutes({ config, logger: deps.logger }));

  app.use((_req, _res, next) => next(notFound('route')));
  app.use(errorHandler(deps.logger));
  return app;
}
