import { OpenAPIRegistry, OpenApiGeneratorV3, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import express, { type Router } from 'express';
import { z } from 'zod';
import { whatIfRequestSchema } from '@complaints/shared';

// The OpenAPI 3 document of reporting's API that schemathesis checks, served at /openapi.json:
// the policy what-if, generated from the schema that validates its requests. (The scorecard and
// report routes are described in the README.)

const errorSchema = z
  .object({ error: z.string(), message: z.string(), details: z.array(z.object({ path: z.string(), message: z.string() })) })
  .meta({ id: 'Error', description: 'every error: a code, a message, and `details` naming each field at fault' });
const json = (schema: z.ZodType, description: string): ResponseConfig => ({ description, content: { 'application/json': { schema } } });
const failure = (description: string) => json(errorSchema, description);
const commonErrors = {
  400: failure('invalid input: `details` names each field at fault'),
  401: failure('no session or token, or an invalid or expired one'),
  403: failure('the role may not do this'),
  503: failure('the database does not answer right now: nothing was recorded; repeat after `Retry-After` seconds (with the same `Idempotency-Key`)'),
};
const idempotencyKeySchema = z.string().regex(/^[A-Za-z0-9._:-]{8,100}$/).optional().meta({ description: 'a repeat with the same key is answered as the first was' });

export function buildReportingOpenApi(serverUrl: string) {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'HS256 with AUTH_SECRET, `aud` naming reporting; or the signed-in session cookie with its CSRF token in `x-csrf-token`',
  });
  const secured = [{ [bearer.name]: [] }];

  const comparison = z.object({ dealerCode: z.string(), month: z.string(), region: z.string(), frozen: z.boolean(), actual: z.record(z.string(), z.unknown()).meta({ description: 'the scorecard as it is (frozen months: as frozen)' }), proposed: z.record(z.string(), z.unknown()).meta({ description: 'the scorecard under the proposal, same shape' }), differences: z.array(z.object({ kpi: z.string(), actual: z.union([z.number(), z.boolean()]).nullable(), proposed: z.union([z.number(), z.boolean()]).nullable() })), eligibilityFlips: z.boolean(), amountChange: z.number() });
  const money = z.object({ month: z.string(), region: z.string().meta({ description: 'empty for the network' }), actual: z.record(z.string(), z.unknown()), proposed: z.record(z.string(), z.unknown()), amountChange: z.number() });
  const run = z
    .object({
      id: z.string().uuid(),
      by: z.string(),
      from: z.string(),
      to: z.string(),
      months: z.array(z.string()),
      summary: z.object({ complaints: z.number(), complaintsChanged: z.number(), factsChanged: z.record(z.string(), z.number()), dealerMonths: z.number(), eligibilityFlips: z.number(), actualAmount: z.number(), proposedAmount: z.number(), amountChange: z.number(), unexplained: z.number() }),
      dealers: z.array(comparison).meta({ description: 'every dealer-month, those whose eligibility flips first' }),
      regions: z.array(money),
      network: z.array(money),
      complaints: z.array(z.object({ number: z.string(), month: z.string(), dealerCode: z.string(), fact: z.string(), actual: z.boolean().nullable(), proposed: z.boolean().nullable(), why: z.string().meta({ example: 'reply at 27 h (2026-11-24 13:00): late under the policy in force (due …), on time under the proposal (due …)' }) })),
    })
    .meta({ id: 'WhatIfRun' });
  registry.registerPath({
    method: 'post',
    path: '/api/reports/what-if',
    summary: 'Policy what-if (coordinator, HQ): how a proposed policy or calendar would have scored the months, nothing real changed',
    description:
      'Each complaint received in the months (at most 12) has its deadlines computed again under the proposal (merged over the policy it was received under; `{}` is the policy in force) and its KPI facts decided again from its recorded event times; ' +
      'the months are then scored by the real scorecard code, with the proposed quota and incentive numbers. Frozen months compare with their frozen cards. The proposal is checked as a policy or calendar load is (400, `details` naming `policy.reply.hours`…). ' +
      'The run is saved (who, when, the proposal, the result); no scorecard, policy or workflow changes.',
    security: secured,
    request: { headers: z.object({ 'idempotency-key': idempotencyKeySchema }), body: { required: true, content: { 'application/json': { schema: whatIfRequestSchema.meta({ id: 'WhatIfRequest' }) } } } },
    responses: { 201: json(run, 'the run, saved'), ...commonErrors, 409: failure('a request with the same Idempotency-Key is still running'), 422: failure('an Idempotency-Key used before with another body') },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/reports/what-if/{id}',
    summary: 'A saved what-if run (coordinator, HQ); `format=csv` for Excel (UTF-8 with BOM, as the scorecard CSV)',
    security: secured,
    request: { params: z.object({ id: z.string().uuid() }), query: z.object({ format: z.enum(['json', 'csv']).optional() }) },
    responses: { 200: { description: 'the run', content: { 'application/json': { schema: run }, 'text/csv': { schema: z.string() } } }, 401: commonErrors[401], 403: commonErrors[403], 404: failure('no such run'), 503: commonErrors[503] },
  });

  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: { title: 'Complaint closed-loop system — reporting API', version: '1.0.0', description: 'The policy what-if (README, "Policy what-if").' },
    servers: [{ url: serverUrl }],
  });
}

/** `/openapi.json` of reporting. */
export function reportingOpenApiRoutes(serverUrl: string): Router {
  const document = buildReportingOpenApi(serverUrl);
  const router = express.Router();
  router.get('/openapi.json', (_req, res) => res.json(document));
  return router;
}
