import express from 'express';
import type { Client } from '@temporalio/client';
import type { Connection as MongoConnection } from 'mongoose';
import { complaintInputSchema, COMPLAINT_NUMBER_PATTERN, complaintWorkflowId, type Config } from '@complaints/shared';
import { listDealers, type Models } from '@complaints/activities';
import { errorHandler, healthHandler, jsonBody, notFound, type Logger } from '@complaints/shared/runtime';
import { canSee, requireRole } from './auth';
import { submitComplaint } from './submit';
import { integrationRoutes } from './integrations';
import { actionRoutes } from './actions';
import { webFormPage } from './webForm';

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

  app.get('/health', healthHandler({ mongo: deps.mongo, temporal }));
  app.get('/', (_req, res) => res.type('html').send(webFormPage()));

  // SPEC §8: a new complaint from the public web form (no token) or from staff.
  const submitDeps = { config, models, temporal, now };
  app.post('/api/complaints', jsonBody(), async (req, res) => {
    const complaint = complaintInputSchema.parse(req.body);
    const { number } = await submitComplaint(submitDeps, complaint);
    deps.logger.info({ number, channel: complaint.channel, kind: complaint.kind }, 'complaint received');
    res.status(201).json({ number, workflowId: complaintWorkflowId(number) });
  });
  app.use(integrationRoutes({ ...submitDeps, logger: deps.logger }));

  const staff = requireRole(config.AUTH_SECRET, ['coordinator', 'call_center', 'dealer', 'regional_manager', 'hq']);

  app.get('/api/complaints/:number', staff, async (req, res) => {
    const number = String(req.params.number);
    if (!COMPLAINT_NUMBER_PATTERN.test(number)) throw notFound(`complaint ${number}`);
    const [complaint, submission] = await Promise.all([models.Complaint.findById(number).lean(), models.Submission.findById(number).lean()]);
    // Another dealer's complaint answers 404 too, so numbers do not leak (SPEC §7).
    if (!complaint || !canSee(req.principal!, complaint)) throw notFound(`complaint ${number}`);
    const { _id, ...fields } = complaint;
    const { _id: _s, createdAt: _c, updatedAt: _u, receivedAt: _r, ...submitted } = submission ?? {};
    res.json({ number: _id, ...fields, ...submitted, history: fields.history ?? [] });
  });

  app.use(actionRoutes({ secret: config.AUTH_SECRET, models, temporal }));

  app.get('/api/dealers', requireRole(config.AUTH_SECRET, ['coordinator', 'call_center', 'regional_manager', 'hq']), async (_req, res) => {
    res.json({ dealers: (await listDealers(models)).map(({ code, name, region }) => ({ code, name, region })) });
  });

  app.use((_req, _res, next) => next(notFound('route')));
  app.use(errorHandler(deps.logger));
  return app;
}
