import express from 'express';
import type { Client } from '@temporalio/client';
import type { Connection as MongoConnection } from 'mongoose';
import { rateLimit } from 'express-rate-limit';
import swaggerUi from 'swagger-ui-express';
import type { Config } from '@complaints/shared';
import type { Models } from '@complaints/activities';
import { errorHandler, healthHandler, HttpError, idempotency, notFound, type Logger } from '@complaints/runtime';
import { newComplaintRoutes } from './newComplaints';
import { integrationRoutes } from './integrations';
import { actionRoutes } from './actions';
import { readRoutes } from './reads';
import { directoryRoutes } from './directory';
import { pageRoutes } from './pages';
import { buildOpenApiDocument } from './openapi';

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
  app.use((_req, res, next) => {
    res.set({ 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin', 'x-frame-options': 'DENY' });
    next();
  });

  app.get('/health', healthHandler({ mongo: deps.mongo, temporal }));

  const openapi = buildOpenApiDocument(config.PUBLIC_BASE_URL);
  app.get('/openapi.json', (_req, res) => res.json(openapi));
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(openapi, { customSiteTitle: 'Complaint intake API' }));

  // Flood protection for every request without a verified principal: the public form and API
  // callers without a token, or with one that did not verify (it must not buy a way round the limit).
  const limit = (answer: (res: express.Response) => void) =>
    rateLimit({ windowMs: 60_000, limit: config.PUBLIC_RATE_LIMIT, standardHeaders: 'draft-8', legacyHeaders: false, skip: (req) => Boolean(req.principal), handler: (_req, res) => answer(res) });
  const tooMany = new HttpError(429, 'rate_limited', 'Too many submissions from this address: try again in a minute');
  const apiLimit = limit((res) => res.status(429).json({ error: tooMany.code, message: tooMany.message, details: [] }));
  const formLimit = limit((res) => res.status(429).type('text').send('提交过于频繁，请稍后再试。Too many submissions: please try again in a minute.'));

  const submitDeps = { config, models, temporal, now, logger: deps.logger };
  app.use(pageRoutes({ ...submitDeps, formLimit }));
  app.use(newComplaintRoutes({ ...submitDeps, publicLimit: apiLimit }));
  app.use(integrationRoutes(submitDeps));
  app.use(readRoutes({ secret: config.AUTH_SECRET, models }));
  app.use(actionRoutes({ secret: config.AUTH_SECRET, models, temporal, idempotent: idempotency(deps.mongo) }));
  app.use(directoryRoutes({ secret: config.AUTH_SECRET, models, logger: deps.logger }));

  app.use((_req, _res, next) => next(notFound('route')));
  app.use(errorHandler(deps.logger));
  return app;
}
