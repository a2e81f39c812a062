import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import Handlebars from 'handlebars';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Config, Language } from '@complaints/shared';
import {
  decoyHash,
  endSession,
  endUserSessions,
  hashPassword,
  MIN_PASSWORD_LENGTH,
  passwordProblem,
  SESSION_COOKIE,
  sessionCookieOf,
  sessionView,
  sessionMiddleware as readSessions,
  startSession,
  verifyPassword,
  type AccountModels,
  type SessionSettings,
  type UserDoc,
} from '@complaints/runtime';
import { STRINGS } from '../locales';
import { ACCOUNT_STRINGS } from './strings';

// Staff sign in at /login with their own password; a server-side session (runtime/src/sessions.ts)
// then lets the work-order page and the API act for them. Every form and every write made with the
// session cookie carries the session's synchroniser token (csrf-sync). Failed sign-ins are limited
// per account and per client address, with one message whether or not the account exists.

const VIEWS_DIR = path.resolve(__dirname, '../../views');
const compile = (name: string) => Handlebars.compile(readFileSync(path.join(VIEWS_DIR, `${name}.hbs`), 'utf8'));
const views = { layout: compile('layout'), login: compile('login'), password: compile('password') };

const language = (req: Request): Language => (req.query.lang === 'en' ? 'en' : 'zh');
const langQuery = (lang: Language) => (lang === 'en' ? '?lang=en' : '');
const fill = (text: string, values: Record<string, string | number>) => text.replace(/\{(\w+)\}/g, (_, k: string) => String(values[k] ?? ''));

function render(res: Response, status: number, lang: Language, view: 'login' | 'password', values: Record<string, unknown>) {
  const a = ACCOUNT_STRINGS[lang];
  const body = views[view]({ a, query: langQuery(lang), ...values });
  const title = view === 'login' ? a.signInTitle : a.changeTitle;
  const switchHref = `/${view}${lang === 'en' ? '' : '?lang=en'}`;
  res.status(status).type('html').set('cache-control', 'no-store').send(views.layout({ t: STRINGS[lang], title, body, switchHref }));
}

export interface AccountDeps {
  config: Config;
  models: AccountModels;
  now?: () => Date;
}

export function sessionSettings(config: Config): SessionSettings {
  return { idleMinutes: config.SESSION_IDLE_MINUTES, absoluteHours: config.SESSION_ABSOLUTE_HOURS };
}

/**
 * Reads the session cookie once per request (req.signedIn) and refuses a write made with it that
 * lacks the session's CSRF token (form field `_csrf` or header `x-csrf-token`). A request with a
 * bearer token is a machine's: no cookie is read and no CSRF token is asked for.
 */
/** The session middleware (runtime/src/sessions.ts) with intake's settings. */
export function sessionMiddleware(deps: AccountDeps): RequestHandler {
  return readSessions({ models: deps.models, settings: sessionSettings(deps.config), ...(deps.now && { now: deps.now }) });
}

const WINDOW_SECONDS = 15 * 60;

export function accountRoutes(deps: AccountDeps): Router {
  const { config, models } = deps;
  const now = deps.now ?? (() => new Date());
  const secure = config.PUBLIC_BASE_URL.startsWith('https:');
  // Counted in this process's memory: behind several intake processes each counts its own.
  const perAccount = new RateLimiterMemory({ keyPrefix: 'login-account', points: config.LOGIN_FAILURES_PER_ACCOUNT, duration: WINDOW_SECONDS, blockDuration: WINDOW_SECONDS });
  const perAddress = new RateLimiterMemory({ keyPrefix: 'login-address', points: config.LOGIN_FAILURES_PER_ADDRESS, duration: WINDOW_SECONDS, blockDuration: WINDOW_SECONDS });

  const setCookie = (res: Response, value: string) =>
    res.cookie(SESSION_COOKIE, value, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: config.SESSION_ABSOLUTE_HOURS * 3_600_000 });
  const clearCookie = (res: Response) => res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure, path: '/' });

  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb' });

  router.get('/login', (req, res) => {
    if (req.signedIn && !req.signedIn.user.mustChangePassword) return res.redirect(303, `/complaints${langQuery(language(req))}`);
    const lang = language(req);
    render(res, 200, lang, 'login', { notice: req.query.signedOut !== undefined ? ACCOUNT_STRINGS[lang].signedOut : undefined });
  });

  router.post('/login', form, async (req: Request, res: Response, next: NextFunction) => {
    try {
      const lang = language(req);
      const a = ACCOUNT_STRINGS[lang];
      const username = String(req.body?.username ?? '').trim().toLowerCase().slice(0, 100);
      const password = String(req.body?.password ?? '');
      const accountKey = username || '-';
      const address = req.ip ?? 'unknown';
      const [account, client] = await Promise.all([perAccount.get(accountKey), perAddress.get(address)]);
      const blocked = [account, client].filter((r) => r && r.remainingPoints <= 0).map((r) => r!.msBeforeNext);
      if (blocked.length) {
        const wait = Math.max(...blocked);
        res.set('retry-after', String(Math.ceil(wait / 1000)));
        return render(res, 429, lang, 'login', { username, error: fill(a.throttled, { minutes: Math.max(1, Math.ceil(wait / 60_000)) }) });
      }
      const user = username ? await models.User.findById(username).lean<UserDoc>() : null;
      // The hash is checked even for an unknown or inactive user, so that the answer's time tells nothing.
      const matches = await verifyPassword(user?.passwordHash ?? (await decoyHash()), password);
      if (!user || !user.active || !matches) {
        await Promise.all([perAccount.penalty(accountKey, 1), perAddress.penalty(address, 1)]);
        return render(res, 401, lang, 'login', { username, error: a.refused });
      }
      await perAccount.delete(accountKey);
      const { cookie } = await startSession(models, user._id, now());
      setCookie(res, cookie);
      const lq = langQuery(user.language === 'en' || lang === 'en' ? 'en' : 'zh');
      res.redirect(303, user.mustChangePassword ? `/password${lq}` : `/complaints${lq}`);
    } catch (error) {
      next(error);
    }
  });

  router.post('/logout', form, async (req, res, next) => {
    try {
      const cookie = sessionCookieOf(req);
      if (cookie && req.signedIn) await endSession(models, cookie);
      clearCookie(res);
      res.redirect(303, `/login?signedOut${language(req) === 'en' ? '&lang=en' : ''}`);
    } catch (error) {
      next(error);
    }
  });

  /** Who is signed in and the CSRF token for the page's own requests (the work-order page reads it). */
  router.get('/api/session', (req, res) => {
    if (!req.signedIn) return res.status(401).json({ error: 'unauthorized', message: 'not signed in' });
    res.set('cache-control', 'no-store').json(sessionView(req.signedIn));
  });

  const passwordPage = (req: Request, res: Response, status: number, error?: string) =>
    render(res, status, language(req), 'password', { csrfToken: req.signedIn!.session.csrfToken, mustChange: req.signedIn!.user.mustChangePassword, minLength: MIN_PASSWORD_LENGTH, error });

  router.get('/password', (req, res) => {
    if (!req.signedIn) return res.redirect(303, `/login${langQuery(language(req))}`);
    passwordPage(req, res, 200);
  });

  router.post('/password', form, async (req, res, next) => {
    try {
      if (!req.signedIn) return res.redirect(303, `/login${langQuery(language(req))}`);
      const a = ACCOUNT_STRINGS[language(req)];
      const { user } = req.signedIn;
      const current = String(req.body?.current ?? '');
      const password = String(req.body?.password ?? '');
      if (!(await verifyPassword(user.passwordHash, current))) return passwordPage(req, res, 400, a.wrongCurrent);
      if (password !== String(req.body?.confirm ?? '')) return passwordPage(req, res, 400, a.mismatch);
      if (password === current) return passwordPage(req, res, 400, a.sameAsOld);
      const problem = passwordProblem(password, user._id);
      if (problem) {
        const message = problem.includes('least') ? fill(a.tooShort, { min: MIN_PASSWORD_LENGTH }) : problem.includes('common') ? a.common : problem.includes('username') ? a.containsUsername : problem;
        return passwordPage(req, res, 400, message);
      }
      await models.User.updateOne({ _id: user._id }, { $set: { passwordHash: await hashPassword(password), mustChangePassword: false } });
      // A new password ends every session of the account (another browser's too); this one starts afresh.
      await endUserSessions(models, user._id);
      const { cookie } = await startSession(models, user._id, now());
      setCookie(res, cookie);
      res.redirect(303, `/complaints${langQuery(language(req))}`);
    } catch (error) {
      next(error);
    }
  });

  return router;
}
