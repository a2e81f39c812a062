import express from 'express';
import type { Connection } from 'mongoose';
import { createAccountModels, endSession, SESSION_COOKIE, sessionCookieOf, sessionMiddleware, sessionPrincipal, sessionView, type SessionSettings } from '@complaints/runtime';

// Staff sign in at intake's /login; the session cookie belongs to the host, so the dashboard on
// this port receives it too and acts as the same person. A write made with the cookie must carry
// the session's CSRF token in `x-csrf-token` (runtime/src/sessions.ts).

export function reportingSessions(mongo: Connection, settings: SessionSettings, now: () => Date = () => new Date()) {
  const models = createAccountModels(mongo);
  const middleware = sessionMiddleware({ models, settings, now });

  /** The hook for createAuth: the signed-in person, unless a one-time password must first be changed (at intake's /password). */
  const principal = sessionPrincipal;

  const router = express.Router();
  /** Who is signed in and the CSRF token for the dashboard's own writes. */
  router.get('/api/session', (req, res) => {
    const signedIn = req.signedIn;
    if (!signedIn) return res.status(401).json({ error: 'unauthorized', message: 'not signed in' });
    res.set('cache-control', 'no-store').json(sessionView(signedIn));
  });
  // Signing out from a reporting page ends the one session staff have on every service. The session
  // middleware has already refused a cookie write without the session's CSRF token, so another site
  // cannot sign anyone out.
  router.post('/logout', async (req, res) => {
    const cookie = sessionCookieOf(req);
    if (cookie && req.signedIn) await endSession(models, cookie);
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', path: '/' }).status(204).end();
  });

  return { middleware, principal, router };
}
