import express, { type RequestHandler, type Router } from 'express';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import { jsonBody, listRevokedTokens, revokeToken, type Auth, type RevokedToken } from '@complaints/runtime';

// SPEC §8: the coordinator withdraws a machine token (a leaked hotline key, the token of a script
// whose owner left) by its `jti`; every service refuses it from the next request on. Audited with
// who, when and why; the token itself is never sent or kept, only its id.

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

const view = ({ _id, reason, revokedBy, revokedAt }: RevokedToken) => ({ jti: _id, reason, revokedBy, revokedAt: revokedAt.toISOString() });

export function tokenRoutes(deps: { auth: Auth; connection: Connection; idempotent: RequestHandler; now: () => Date }): Router {
  const router = express.Router();
  const coordinator = deps.auth.requireRole(['coordinator']);

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
