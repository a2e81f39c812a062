import { createHash, randomBytes } from 'node:crypto';
import express, { type Request, type RequestHandler } from 'express';
import { csrfSync } from 'csrf-sync';
import { HttpError } from './http';
import { parse as parseCookies } from 'cookie';
import type { AccountModels, SessionDoc, UserDoc } from './accountModels';
import type { Principal } from './auth';

// Server-side sessions of signed-in staff, in MongoDB, read by intake and reporting alike: the
// cookie carries only a random id; the session ends at sign-out, after an idle while, after an
// absolute lifetime, and at once when the account's role, dealer, region or password changes.

export const SESSION_COOKIE = 'complaints_session';

export interface SessionSettings {
  /** Minutes without a request after which a session ends. */
  idleMinutes: number;
  /** Hours after sign-in after which a session ends, however busy. */
  absoluteHours: number;
}

export interface SignedIn {
  session: SessionDoc;
  user: UserDoc;
}

const digest = (value: string) => createHash('sha256').update(value).digest('hex');

/** Starts a session for `username`; returns the cookie's value (shown once, stored only as a digest). */
export async function startSession(models: AccountModels, username: string, now: Date): Promise<{ cookie: string; csrfToken: string }> {
  const cookie = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  await models.Session.create({ _id: digest(cookie), username, createdAt: now, lastSeenAt: now, csrfToken });
  return { cookie, csrfToken };
}

export async function endSession(models: AccountModels, cookie: string): Promise<void> {
  await models.Session.deleteOne({ _id: digest(cookie) });
}

/** Ends every session of `username`: its access changed, or it was deactivated. */
export async function endUserSessions(models: AccountModels, username: string): Promise<void> {
  await models.Session.deleteMany({ username });
}

export function sessionCookieOf(req: Request): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  return parseCookies(header)[SESSION_COOKIE] || undefined;
}

/** The live session of a request's cookie and its active user, touching it; undefined (and the session deleted) when it has expired. */
export async function currentSession(models: AccountModels, settings: SessionSettings, req: Request, now: Date): Promise<SignedIn | undefined> {
  const cookie = sessionCookieOf(req);
  if (!cookie) return undefined;
  const id = digest(cookie);
  const session = await models.Session.findById(id).lean<SessionDoc>();
  if (!session) return undefined;
  const idleSince = now.getTime() - session.lastSeenAt.getTime();
  const age = now.getTime() - session.createdAt.getTime();
  if (idleSince > settings.idleMinutes * 60_000 || age > settings.absoluteHours * 3_600_000) {
    await models.Session.deleteOne({ _id: id });
    return undefined;
  }
  const user = await models.User.findById(session.username).lean<UserDoc>();
  if (!user || !user.active) {
    await models.Session.deleteOne({ _id: id });
    return undefined;
  }
  await models.Session.updateOne({ _id: id }, { $set: { lastSeenAt: now } });
  return { session: { ...session, lastSeenAt: now }, user };
}

/** The principal a user acts as (SPEC §8's claims), its username as `sub`. */
/** What `GET /api/session` answers (intake and reporting alike): who is signed in, and the CSRF token for the page's own writes. */
export function sessionView({ user, session }: SignedIn) {
  return {
    username: user._id,
    displayName: user.displayName,
    role: user.role,
    dealerCode: user.dealerCode ?? undefined,
    region: user.region ?? undefined,
    language: user.language,
    mustChangePassword: user.mustChangePassword,
    csrfToken: session.csrfToken,
  };
}

export function principalOf(user: UserDoc): Principal | undefined {
  const sub = user._id;
  switch (user.role) {
    case 'dealer':
      return user.dealerCode ? { sub, role: 'dealer', dealerCode: user.dealerCode } : undefined;
    case 'regional_manager':
      return user.region ? { sub, role: 'regional_manager', region: user.region } : undefined;
    default:
      return { sub, role: user.role };
  }
}

/**
 * Who may act by the session the middleware read (`req.signedIn`): undefined without one, or for a
 * user who must first change a one-time password. The one place that says so, for both services'
 * auth and for the pages that skip sign-in when it holds.
 */
export function signedInActor(req: Request): SignedIn | undefined {
  return req.signedIn && !req.signedIn.user.mustChangePassword ? req.signedIn : undefined;
}

/** The hook for createAuth's `session` option: the principal of the request's usable session. */
export async function sessionPrincipal(req: Request): Promise<Principal | undefined> {
  const signedIn = signedInActor(req);
  return signedIn && principalOf(signedIn.user);
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The person signed in by the session cookie (sessionMiddleware), when there is one. */
    signedIn?: SignedIn;
  }
}

/**
 * Reads the session cookie once per request into `req.signedIn` (intake and reporting alike: the
 * cookie belongs to the host), and refuses a write made with the cookie that lacks the session's
 * synchroniser token (csrf-sync): the `x-csrf-token` header, or a plain form's `_csrf` field. A
 * request with a bearer token is a machine's: no cookie is read.
 */
export function sessionMiddleware(deps: { models: AccountModels; settings: SessionSettings; now?: () => Date }): RequestHandler {
  const now = deps.now ?? (() => new Date());
  const { isRequestValid } = csrfSync({
    getTokenFromState: (req) => req.signedIn?.session.csrfToken,
    getTokenFromRequest: (req) => (req.headers['x-csrf-token'] as string | undefined) ?? (req.body as Record<string, string> | undefined)?._csrf,
  });
  const formBody = express.urlencoded({ extended: false, limit: '16kb' });
  return async (req, res, next) => {
    try {
      if (req.headers.authorization || !sessionCookieOf(req)) return next();
      req.signedIn = await currentSession(deps.models, deps.settings, req, now());
      if (!req.signedIn || ['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return next();
      // A plain form post carries its token in the body; read it here (the parsed body stays for the route).
      if (!req.headers['x-csrf-token'] && req.is('application/x-www-form-urlencoded')) await new Promise<void>((resolve, reject) => formBody(req, res, (e?: unknown) => (e ? reject(e) : resolve())));
      if (!isRequestValid(req)) return next(new HttpError(403, 'csrf_refused', 'the request lacks this session’s CSRF token; reload the page'));
      next();
    } catch (error) {
      next(error);
    }
  };
}

/**
 * For what only a person may do (accounts, machine tokens): a signed-in session, not a bearer
 * token, which is refused 403. A leaked coordinator token could otherwise issue its own successors
 * and reset people's passwords, outliving its revocation.
 */
export const requireSignedIn: RequestHandler = (req, _res, next) => {
  next(req.signedIn ? undefined : new HttpError(403, 'forbidden', 'accounts and machine tokens are changed by a signed-in coordinator, not with a machine token'));
};
