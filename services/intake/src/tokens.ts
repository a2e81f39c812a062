import express, { type RequestHandler, type Router } from 'express';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import { ROLES } from '@complaints/shared';
import type { Models } from '@complaints/activities';
import {
  invalidFields,
  issueToken,
  jsonBody,
  listIssuedTokens,
  listRevokedTokens,
  revokeToken,
  TOKEN_AUDIENCES,
  tokenRequestSchema,
  unknownDealer,
  type Auth,
  type IssuedTokenView,
  type Logger,
  type RevokedToken,
  requireSignedIn,
  HttpError,
  createAccountModels,
} from '@complaints/runtime';

// SPEC §8: the coordinator withdraws a machine token (a leaked hotline key, the token of a script
// whose owner left) by its `jti`; every service refuses it from the next request on. Audited with
// who, when and why; the token itself is never sent or kept, only its id.
//
// The coordinator also issues tokens from the console (the same code as the CLI's `token`,
// runtime/src/tokens.ts): the token is shown once, to the coordinator, and kept nowhere — not in
// the list, not in the answer kept for a repeated submission (a repeat answers the status alone).

export const revokeTokenSchema = z
  .object({
    jti: z.string().trim().min(1, 'is required').max(200),
    reason: z.string().trim().min(1, 'is required').max(2000),
  })
  .strict();

const revokedFields = {
  jti: z.string(),
  reason: z.string(),
  revokedBy: z.string().meta({ description: '`role:sub` of the coordinator' }),
  revokedAt: z.string(),
};
export const revokedTokenSchema = z.object({ ...revokedFields, alreadyRevoked: z.boolean().optional() }).meta({ id: 'RevokedToken' });
export const revokedTokenListSchema = z.object({ items: z.array(z.object(revokedFields)), total: z.number().int() }).meta({ id: 'RevokedTokens' });

export { tokenRequestSchema };
const issuedFields = {
  jti: z.string(),
  subject: z.string(),
  role: z.enum(ROLES),
  dealerCode: z.string().optional(),
  region: z.string().optional(),
  audience: z.array(z.enum(TOKEN_AUDIENCES)),
  issuedAt: z.string(),
  expiresAt: z.string(),
  issuedBy: z.string().meta({ description: '`role:sub` of the coordinator, or `cli:<operator>`' }),
};
export const issuedTokenAnswerSchema = z.object({ ...issuedFields, token: z.string().meta({ description: 'The token, shown this once' }) }).meta({ id: 'IssuedTokenAnswer' });
export const issuedTokenSchema = z
  .object({ ...issuedFields, expired: z.boolean(), revoked: z.boolean(), revokedAt: z.string().optional(), revokedBy: z.string().optional(), revokedReason: z.string().optional() })
  .meta({ id: 'IssuedToken' });
export const issuedTokenListSchema = z.object({ items: z.array(issuedTokenSchema), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() }).meta({ id: 'IssuedTokens' });
export const issuedTokenQuerySchema = z
  .object({
    role: z.enum(ROLES).optional(),
    state: z.enum(['valid', 'expired', 'revoked']).optional(),
    sort: z.enum(['issuedAt', '-issuedAt', 'expiresAt', '-expiresAt', 'subject', '-subject']).default('-issuedAt'),
    page: z.coerce.number().int().min(1).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

const issuedView = (t: IssuedTokenView, now: Date) => ({
  jti: t.jti,
  subject: t.subject,
  role: t.role,
  ...(t.dealerCode && { dealerCode: t.dealerCode }),
  ...(t.region && { region: t.region }),
  audience: t.audience,
  issuedAt: t.issuedAt.toISOString(),
  expiresAt: t.expiresAt.toISOString(),
  issuedBy: t.issuedBy,
  expired: t.expiresAt.getTime() <= now.getTime(),
  revoked: Boolean(t.revoked),
  ...(t.revoked && { revokedAt: t.revoked.revokedAt.toISOString(), revokedBy: t.revoked.revokedBy, revokedReason: t.revoked.reason }),
});

const view = ({ _id, reason, revokedBy, revokedAt }: RevokedToken) => ({ jti: _id, reason, revokedBy, revokedAt: revokedAt.toISOString() });

export function tokenRoutes(deps: { auth: Auth; connection: Connection; idempotent: RequestHandler; now: () => Date; secret: string; models: Models; logger: Logger }): Router {
  const router = express.Router();
  const coordinator = deps.auth.requireRole(['coordinator']);
  const accounts = createAccountModels(deps.connection);

  router.post('/api/tokens', coordinator, requireSignedIn, jsonBody(), deps.idempotent, async (req, res) => {
    const request = tokenRequestSchema.parse(req.body ?? {});
    if (request.dealerCode && !(await deps.models.Dealer.exists({ _id: request.dealerCode }))) throw unknownDealer(request.dealerCode);
    if (request.region && !(await deps.models.Region.exists({ _id: request.region }))) throw invalidFields([{ path: 'region', message: `region ${request.region} is not in the directory` }]);
    // A token acting under a person's username would read as that person in every history and log.
    if (request.subject && (await accounts.User.exists({ _id: request.subject.toLowerCase() })))
      throw new HttpError(409, 'subject_taken', 'a machine token cannot be issued in the name of a person who signs in', [{ path: 'subject', message: `${request.subject} is a user's username: name the machine instead, e.g. hotline-400` }]);
    const issuedBy = `${req.principal!.role}:${req.principal!.sub}`;
    const issued = await issueToken(deps.secret, request, { issuedBy, connection: deps.connection });
    deps.logger.info({ jti: issued.jti, role: issued.role, subject: issued.subject, audience: issued.audience, by: issuedBy }, 'machine token issued');
    const { token, ...rest } = issued;
    const body = { ...issuedView({ ...rest, issuedBy }, deps.now()), token };
    delete (body as Partial<typeof body>).expired;
    delete (body as Partial<typeof body>).revoked;
    // Sent as text so that the answer kept for a repeated submission holds the status alone, never the token.
    res.status(201).type('application/json').set('cache-control', 'no-store').send(JSON.stringify(body));
  });

  router.get('/api/tokens', coordinator, async (req, res) => {
    const query = issuedTokenQuerySchema.parse(req.query);
    const now = deps.now();
    // Issued tokens are few (integrations, scripts): filtered here rather than in the database.
    const all = (await listIssuedTokens(deps.connection)).map((t) => issuedView(t, now));
    const chosen = all.filter((t) => (!query.role || t.role === query.role) && (!query.state || (query.state === 'revoked' ? t.revoked : query.state === 'expired' ? !t.revoked && t.expired : !t.revoked && !t.expired)));
    const field = query.sort.replace(/^-/, '') as 'issuedAt' | 'expiresAt' | 'subject';
    const direction = query.sort.startsWith('-') ? -1 : 1;
    chosen.sort((a, b) => direction * a[field].localeCompare(b[field]));
    const items = chosen.slice((query.page - 1) * query.pageSize, query.page * query.pageSize);
    res.set('cache-control', 'no-store').json({ items, total: chosen.length, page: query.page, pageSize: query.pageSize });
  });

  router.post('/api/tokens/revoked', coordinator, jsonBody(), deps.idempotent, async (req, res) => {
    const { jti, reason } = revokeTokenSchema.parse(req.body ?? {});
    const revokedBy = `${req.principal!.role}:${req.principal!.sub}`;
    const revoked = await revokeToken(deps.connection, { _id: jti, reason, revokedBy, revokedAt: deps.now() });
    // 201 for a new revocation; 200 with the first record when the token was revoked before.
    res.status(revoked.alreadyRevoked ? 200 : 201).json({ ...view(revoked), alreadyRevoked: revoked.alreadyRevoked });
  });

  router.get('/api/tokens/revoked', coordinator, async (_req, res) => {
    const items = (await listRevokedTokens(deps.connection)).map(view);
    res.json({ items, total: items.length });
  });

  return router;
}
