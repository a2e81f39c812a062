import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import { HttpError } from './http';
import { isRevoked } from './revokedTokens';

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

/** The services a machine token may name in `aud` (SPEC §8). */
export const TOKEN_AUDIENCES = ['intake', 'reporting'] as const;
export type TokenAudience = (typeof TOKEN_AUDIENCES)[number];

/**
 * The longest a machine token may live, by role, in days from its `iat`. The hotline's 400 system is
 * an integration configured once a year when its contract is renewed: 366 days, so that a token
 * issued on renewal day outlives the year by a day. Every other role's token is an ops script or a
 * monitoring job acting for people: 90 days, a quarter, so that a forgotten token dies within one
 * review cycle instead of living on (the coordinator revokes one sooner when it leaks).
 */
export const MAX_TOKEN_DAYS: Readonly<Record<Role, number>> = {
  hotline: 366,
  coordinator: 90,
  call_center: 90,
  hq: 90,
  dealer: 90,
  regional_manager: 90,
};
const DAY_SECONDS = 86_400;

const unauthorized = (message: string) => new HttpError(401, 'unauthorized', message);

/** Why jose refused a token, in words a caller can act on; never the token itself. */
function refusal(error: unknown, audience: TokenAudience): HttpError {
  if (error instanceof joseErrors.JWTExpired) return unauthorized('the token has expired');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const missing = error.reason === 'missing';
    switch (error.claim) {
      case 'exp':
        return unauthorized(missing ? 'the token has no expiry (exp): sign a new one with npm run -s cli -- token' : 'the token’s expiry (exp) is invalid');
      case 'aud':
        return unauthorized(missing ? 'the token names no audience (aud): sign a new one with npm run -s cli -- token' : `the token is not meant for ${audience} (aud)`);
      case 'jti':
        return unauthorized('the token has no id (jti): sign a new one with npm run -s cli -- token');
      case 'iat':
        return unauthorized(missing ? 'the token has no issue time (iat)' : 'the token’s issue time (iat) is invalid');
      case 'nbf':
        return unauthorized('the token is not valid yet (nbf)');
    }
  }
  return unauthorized('the token is invalid');
}

export interface AuthOptions {
  /** AUTH_SECRET (HS256). */
  secret: string;
  /** The service that receives the tokens: a token whose `aud` does not name it is refused. */
  audience: TokenAudience;
  /** The database of `revoked_tokens` (runtime/src/revokedTokens.ts), asked about a token at most once a second. */
  connection: Connection;
  /**
   * The signed-in person of a request, consulted before the bearer token: a session cookie's
   * principal, or undefined when the request carries no (valid) session, in which case the bearer
   * token decides. The role check applies to either.
   */
  session?: (req: Request) => Promise<Principal | undefined>;
}

export interface Auth {
  /** Admits only the given roles: a session (see AuthOptions.session) or `Authorization: Bearer <JWT>`. */
  requireRole(roles: readonly Role[]): RequestHandler;
  /**
   * For routes open to the public and to staff alike, in two steps around the public rate limit:
   * `identify` sets `req.principal` from a valid token and leaves everyone else anonymous, so that a
   * bogus `Authorization` header is limited like no header; `refuseBadToken` then answers a token
   * that was given but refused (401, or 403 for a role that may not) instead of ignoring it.
   */
  optionalPrincipal(roles: readonly Role[]): { identify: RequestHandler; refuseBadToken: RequestHandler };
  /** The principal of a token given otherwise than in `Authorization` (a form field) if it may act in one of the roles; else throws the HttpError (401/403). */
  verifyToken(token: string, roles: readonly Role[]): Promise<Principal>;
  /** As verifyToken, also the token's `jti` and `exp` (for what is derived from the token, e.g. the codec session). */
  verifyMachineToken(token: string, roles: readonly Role[]): Promise<{ principal: Principal; jti: string; expiresAt: Date }>;
}

const refusedTokens = new WeakMap<object, HttpError>();

/** The sign-in checks of one service: who may act, and as whom, on requests it receives. */
export function createAuth(options: AuthOptions): Auth {
  const key = new TextEncoder().encode(options.secret);
  const { audience, connection } = options;

  /** A bearer JWT's principal if it is well-formed, meant for this service, within its role's lifetime and not revoked; or why not. */
  async function verifyJwt(token: string, roles: readonly Role[]): Promise<{ principal: Principal; jti: string; expiresAt: Date } | HttpError> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, key, { algorithms: ['HS256'], audience, requiredClaims: ['exp', 'iat', 'jti'] }));
    } catch (error) {
      return refusal(error, audience);
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) return unauthorized('the token lacks a valid role claim');
    const { exp, iat, jti } = payload as { exp: number; iat: number; jti: unknown };
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 200) return unauthorized('the token’s id (jti) is invalid');
    const maxDays = MAX_TOKEN_DAYS[claims.data.role];
    if (exp - iat > maxDays * DAY_SECONDS) return unauthorized(`the token lives longer than a ${claims.data.role} token may (${maxDays} days from iat)`);
    if (await isRevoked(connection, jti)) return unauthorized('the token was revoked');
    if (!roles.includes(claims.data.role)) return new HttpError(403, 'forbidden', `role ${claims.data.role} may not do this`);
    return { principal: claims.data, jti, expiresAt: new Date(exp * 1000) };
  }

  /** The request's principal, from its session or else its bearer token, if it may act in one of the roles; or why not. */
  async function principalOf(req: Request, roles: readonly Role[]): Promise<Principal | HttpError> {
    const fromSession = options.session ? await options.session(req) : undefined;
    if (fromSession) return roles.includes(fromSession.role) ? fromSession : new HttpError(403, 'forbidden', `role ${fromSession.role} may not do this`);
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) return unauthorized(options.session ? 'sign in, or give a bearer token' : 'a bearer token is required');
    const verified = await verifyJwt(header.slice('Bearer '.length), roles);
    return verified instanceof HttpError ? verified : verified.principal;
  }

  return {
    requireRole: (roles) => async (req, _res, next) => {
      try {
        const verified = await principalOf(req, roles);
        if (verified instanceof HttpError) return next(verified);
        req.principal = verified;
        next();
      } catch (error) {
        next(error);
      }
    },
    optionalPrincipal: (roles) => ({
      identify: async (req, _res, next) => {
        try {
          const fromSession = options.session ? await options.session(req) : undefined;
          if (!fromSession && !req.headers.authorization) return next();
          const verified = await principalOf(req, roles);
          if (verified instanceof HttpError) refusedTokens.set(req, verified);
          else req.principal = verified;
          next();
        } catch (error) {
          next(error);
        }
      },
      refuseBadToken: (req, _res, next) => next(refusedTokens.get(req)),
    }),
    verifyToken: async (token, roles) => {
      const verified = await verifyJwt(token, roles);
      if (verified instanceof HttpError) throw verified;
      return verified.principal;
    },
    verifyMachineToken: async (token, roles) => {
      const verified = await verifyJwt(token, roles);
      if (verified instanceof HttpError) throw verified;
      return verified;
    },
  };
}

/** SPEC §7's scope (shared/src/visibility.ts) as a read-model filter: the complaints `principal` may see, none for the hotline. */
export function scopeFilter(principal: Principal): VisibleScope | { _id: { $in: string[] } } {
  return visibleScope(principal) ?? { _id: { $in: [] } };
}

export interface SignOptions {
  /** How long the token lives: a jose time span (`'1h'`, `'30d'`) or the expiry as a Date. Default 1 h. */
  expiresIn?: string | Date;
  /** The services it may be given to. Default both. */
  audience?: TokenAudience | readonly TokenAudience[];
  /** Its id, which the coordinator revokes. Default a random UUID. */
  jti?: string;
}

/**
 * Signs a machine token with the given claims (the CLI's `token`, the local stack's printed tokens,
 * tests). `options` as a string is the lifetime alone. Lifetimes beyond the role's maximum are signed
 * all the same and refused by the services (MAX_TOKEN_DAYS): the CLI checks before it signs.
 */
export function signToken(secret: string, claims: Principal, options: string | SignOptions = {}): Promise<string> {
  const { expiresIn = '1h', audience = TOKEN_AUDIENCES, jti = randomUUID() } = typeof options === 'string' ? { expiresIn: options } : options;
  const { sub, ...rest } = claims;
  return new SignJWT(rest)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .setAudience(typeof audience === 'string' ? audience : [...audience])
    .setJti(jti)
    .sign(new TextEncoder().encode(secret));
}
