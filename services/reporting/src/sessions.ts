import { timingSafeEqual } from 'node:crypto';
import express, { type Request, type RequestHandler } from 'express';
import type { Connection } from 'mongoose';
import { createAccountModels, currentSession, HttpError, principalOf, sessionCookieOf, sessionView, type Principal, type SessionSettings, type SignedIn } from '@complaints/runtime';

// Staff sign in at intake's /login; the session cookie belongs to the host, so the dashboard on
// this port receives it too and acts as the same person. A write made with the cookie must carry
// the session's CSRF token in `x-csrf-token` (a bearer token is a machine's: no cookie is read).

const signedInOf = new WeakMap<Request, SignedIn | undefined>();

export function reportingSessions(mongo: Connection, settings: SessionSettings, now: () => Date = () => new Date()) {
  const accounts = createAccountModels(mongo);
  const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

  const middleware: RequestHandler = async (req, _res, next) => {
    try {
      if (req.headers.authorization || !sessionCookieOf(req)) return next();
      const signedIn = await currentSession(accounts, settings, req, now());
      signedInOf.set(req, signedIn);
      if (!signedIn || ['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return next();
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !same(sent, signedIn.session.csrfToken)) return next(new HttpError(403, 'csrf_refused', 'the request lacks this session’s CSRF token; reload the page'));
      next();
    } catch (error) {
      next(error);
    }
  };

  /** The hook for createAuth: the signed-in person, unless a one-time password must first be changed (at intake's /password). */
  const principal = async (req: Request): Promise<Principal | undefined> => {
    const signedIn = signedInOf.get(req);
    return signedIn && !signedIn.user.mustChangePassword ? principalOf(signedIn.user) : undefined;
  };

  const router = express.Router();
  /** Who is signed in and the CSRF token for the dashboard's own writes. */
  router.get('/api/session', (req, res) => {
    const signedIn = signedInOf.get(req);
    if (!signedIn) return res.status(401).json({ error: 'unauthorized', message: 'not signed in' });
    res.set('cache-control', 'no-store').json(sessionView(signedIn));
  });

  return { middleware, principal, router };
}
