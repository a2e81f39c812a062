import type { RequestHandler } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { HttpError } from './http';

import type { Role } from '../src/actions';

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

/** Verifies `Authorization: Bearer <JWT>` (HS256, AUTH_SECRET) and admits only the given roles. */
export function requireRole(secret: string, roles: readonly Role[]): RequestHandler {
  const key = new TextEncoder().encode(secret);
  return async (req, _res, next) => {
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) return next(unauthorized('a bearer token is required'));
    try {
      const { payload } = await jwtVerify(header.slice('Bearer '.length), key, { algorithms: ['HS256'] });
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) return next(unauthorized('the token lacks a valid role claim'));
      if (!roles.includes(claims.data.role)) return next(new HttpError(403, 'forbidden', `role ${claims.data.role} may not do this`));
      req.principal = claims.data;
      next();
    } catch {
      next(unauthorized('the token is invalid or expired'));
    }
  };
}

/** SPEC §7: a dealer sees its own work orders, a regional manager its region, other staff all. */
export function canSee(principal: Principal, complaint: { dealerCode?: string | null; region?: string | null }): boolean {
  if (principal.role === 'dealer') return complaint.dealerCode === principal.dealerCode;
  if (principal.role === 'regional_manager') return complaint.region === principal.region;
  return principal.role !== 'hotline';
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

/**
 * For routes open to the public and to staff alike: a bearer token, when given, must be valid and
 * sets `req.principal`; no token leaves the caller anonymous.
 */
export function optionalPrincipal(secret: string, roles: readonly Role[]): RequestHandler {
  const strict = requireRole(secret, roles);
  return (req, res, next) => (req.headers.authorization ? strict(req, res, next) : next());
}
