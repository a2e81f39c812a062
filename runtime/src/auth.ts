import type { RequestHandler } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { HttpError } from './http';

import { visibleScope, type Role, type VisibleScope } from '@complaints/shared';

// SPEC §8: claims `sub`, `role` and, for dealers and regional managers, `dealerCode` / `region`.
const claimsSchema = z.discriminatedUnion('role', [
  z.object({ sub: z.string(), role: z.literal('dealer'), dealerCode: z.string() }),
  z.object({ sub: z.string(), role: z.literal('regional_manager'), region: z.string() }),
  z.object({ sub: z.string(), role: z.enum(['coordinator', 'call_center', 'hq', 'hotline']) }),
]);
export type Principal = z.infer<typeof claimsSchema>;

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

const unauthorized = (message: string) => new HttpError(401, 'unauthorized', message);

/** The principal of `Authorization: Bearer <JWT>` (HS256, AUTH_SECRET) if it may act in one of the roles, or why not. */
async function verifyBearer(key: Uint8Array, header: string | undefined, roles: readonly Role[]): Promise<Principal | HttpError> {
  if (!header?.startsWith('Bearer ')) return unauthorized('a bearer token is required');
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(header.slice('Bearer '.length), key, { algorithms: ['HS256'] }));
  } catch {
    return unauthorized('the token is invalid or expired');
  }
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) return unauthorized('the token lacks a valid role claim');
  if (!roles.includes(claims.data.role)) return new HttpError(403, 'forbidden', `role ${claims.data.role} may not do this`);
  return claims.data;
}

/** Verifies `Authorization: Bearer <JWT>` (HS256, AUTH_SECRET) and admits only the given roles. */
export function requireRole(secret: string, roles: readonly Role[]): RequestHandler {
  const key = new TextEncoder().encode(secret);
  return async (req, _res, next) => {
    const verified = await verifyBearer(key, req.headers.authorization, roles);
    if (verified instanceof HttpError) return next(verified);
    req.principal = verified;
    next();
  };
}

/** SPEC §7's scope (shared/src/visibility.ts) as a read-model filter: the complaints `principal` may see, none for the hotline. */
export function scopeFilter(principal: Principal): VisibleScope | { _id: { $in: string[] } } {
  return visibleScope(principal) ?? { _id: { $in: [] } };
}

/** The principal of a token given otherwise than in `Authorization` (a form field) if it may act in one of the roles; else throws the HttpError (401/403). */
export async function verifyToken(secret: string, token: string, roles: readonly Role[]): Promise<Principal> {
  const verified = await verifyBearer(new TextEncoder().encode(secret), `Bearer ${token}`, roles);
  if (verified instanceof HttpError) throw verified;
  return verified;
}

/** Signs a token with the given claims (for the local stack's printed token and for tests). */
export function signToken(secret: string, claims: Principal, expiresIn = '1h'): Promise<string> {
  const { sub, ...rest } = claims;
  return new SignJWT(rest)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

const refusedTokens = new WeakMap<object, HttpError>();

/**
 * For routes open to the public and to staff alike, in two steps around the public rate limit:
 * `identify` sets `req.principal` from a valid token and leaves everyone else anonymous, so that a
 * bogus `Authorization` header is limited like no header; `refuseBadToken` then answers a token
 * that was given but refused (401, or 403 for a role that may not) instead of ignoring it.
 */
export function optionalPrincipal(secret: string, roles: readonly Role[]): { identify: RequestHandler; refuseBadToken: RequestHandler } {
  const key = new TextEncoder().encode(secret);
  return {
    identify: async (req, _res, next) => {
      if (!req.headers.authorization) return next();
      const verified = await verifyBearer(key, req.headers.authorization, roles);
      if (verified instanceof HttpError) refusedTokens.set(req, verified);
      else req.principal = verified;
      next();
    },
    refuseBadToken: (req, _res, next) => next(refusedTokens.get(req)),
  };
}
