import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import Handlebars from 'handlebars';
import { RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config, Language } from '@complaints/shared';
import {
  createOidcLogin,
  OIDC_COOKIE,
  OIDC_LOGIN_MINUTES,
  oidcCookieOf,
  oidcSettings,
  OidcRefused,
  type Logger,
  type OidcRefusal,
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
  signedInActor,
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

/**
 * Where a sign-in goes on to: the page of this site that sent the person to sign in (a complaint an
 * email linked to), else the complaint list. Never another site: only a path of this one, printable
 * and without a backslash, which some browsers read as `//`.
 */
function nextPage(value: unknown, lang: Language): string {
  return typeof value === 'string' && /^\/(?!\/)[\x21-\x7e]{0,300}$/.test(value) && !value.includes('\\') ? value : `/complaints${langQuery(lang)}`;
}
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
  logger?: Logger;
}

/** The sign-in page's words for each refused single sign-on, and its status. */
const REFUSALS: Record<OidcRefusal, { status: number; text: keyof (typeof ACCOUNT_STRINGS)['zh'] }> = {
  failed: { status: 400, text: 'oidcFailed' },
  unavailable: { status: 503, text: 'oidcUnavailable' },
  no_username: { status: 403, text: 'oidcNoUsername' },
  unknown_role: { status: 403, text: 'oidcUnknownRole' },
  ambiguous_role: { status: 403, text: 'oidcAmbiguousRole' },
  no_dealer: { status: 403, text: 'oidcNoDealer' },
  no_region: { status: 403, text: 'oidcNoRegion' },
  inactive: { status: 403, text: 'oidcInactive' },
  taken: { status: 403, text: 'oidcTaken' },
};

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
  const read = readSessions({ models: deps.models, settings: sessionSettings(deps.config), ...(deps.now && { now: deps.now }) });
  // The Temporal UI's codec requests decode by the codec session or a bearer token only, and cannot
  // carry the sign-in's CSRF token: where the UI shares intake's host (npm start) they bring the
  // sign-in cookie along, which must not make them refused.
  return (req, res, next) => (CODEC_CALLS.includes(req.path) ? next() : read(req, res, next));
}
const CODEC_CALLS = ['/codec/decode', '/codec/encode'];

const WINDOW_SECONDS = 15 * 60;

/**
 * Runs the attempts on one account one after another in this process. MongoDB counts a point
 * atomically, FerretDB (the local default) does not: two attempts at once could both read the
 * same count.
 */
const queues = new Map<string, Promise<unknown>>();
function oneAtATime<T>(key: string, task: () => Promise<T>): Promise<T> {
  const run = (queues.get(key) ?? Promise.resolve()).then(task, task);
  const settled = run.catch(() => undefined);
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return run;
}
/** Failed sign-ins of the last window, per account and per client address. */
const LOGIN_FAILURES = 'login_failures';

export function accountRoutes(deps: AccountDeps): Router {
  const { config, models } = deps;
  const now = deps.now ?? (() => new Date());
  const secure = config.PUBLIC_BASE_URL.startsWith('https:');
  // Counted in the database, so that every intake process behind the proxy sees the same failures
  // (one collection, keyed per account or address). FerretDB keeps no TTL index: the counts of
  // windows gone by are swept by the next failure after a window, rather than by the database.
  const failures = models.User.db;
  const limiter = (keyPrefix: string, points: number) =>
    new RateLimiterMongo({ storeClient: failures, tableName: LOGIN_FAILURES, keyPrefix, points, duration: WINDOW_SECONDS, blockDuration: WINDOW_SECONDS, disableIndexesCreation: true });
  const perAccount = limiter('login-account', config.LOGIN_FAILURES_PER_ACCOUNT);
  const perAddress = limiter('login-address', config.LOGIN_FAILURES_PER_ADDRESS);
  let indexed: Promise<unknown> | undefined;
  // The unique key makes two processes' first failures for one account meet in one count.
  const ready = () => (indexed ??= failures.collection(LOGIN_FAILURES).createIndex({ key: 1 }, { unique: true }).catch((error: unknown) => {
    indexed = undefined;
    throw error;
  }));
  let sweptAt = 0;
  const sweep = async () => {
    if (Date.now() - sweptAt < WINDOW_SECONDS * 1000) return;
    sweptAt = Date.now();
    await failures.collection(LOGIN_FAILURES).deleteMany({ expire: { $lte: new Date() } });
  };

  const setCookie = (res: Response, value: string) =>
    res.cookie(SESSION_COOKIE, value, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: config.SESSION_ABSOLUTE_HOURS * 3_600_000 });
  const clearCookie = (res: Response) => res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure, path: '/' });
  // Single sign-on, when configured. Its cookie must come back on the provider's redirect, a
  // top-level navigation from another site: SameSite=Lax, and only to /login/oidc.
  const settings = oidcSettings(config);
  const oidc = settings && createOidcLogin(settings, models, deps.logger);
  const oidcCookie = { httpOnly: true, sameSite: 'lax', secure, path: '/login/oidc' } as const;

  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb' });

  router.get('/login', (req, res) => {
    if (signedInActor(req)) return res.redirect(303, nextPage(req.query.next, language(req)));
    const lang = language(req);
    const next = nextPage(req.query.next, lang);
    render(res, 200, lang, 'login', { oidc: Boolean(oidc), ...(next !== `/complaints${langQuery(lang)}` && { next }), notice: req.query.signedOut !== undefined ? ACCOUNT_STRINGS[lang].signedOut : undefined });
  });

  const refuseOidc = (res: Response, error: OidcRefused) => {
    const { status, text } = REFUSALS[error.reason];
    render(res, status, error.language, 'login', { oidc: true, error: ACCOUNT_STRINGS[error.language][text] });
  };

  router.get('/login/oidc', async (req, res, next) => {
    if (!oidc) return next();
    try {
      const { url, cookie } = await oidc.begin(language(req), now());
      res.cookie(OIDC_COOKIE, cookie, { ...oidcCookie, maxAge: OIDC_LOGIN_MINUTES * 60_000 });
      res.set('cache-control', 'no-store').redirect(303, url.href);
    } catch (error) {
      if (error instanceof OidcRefused) return refuseOidc(res, error);
      next(error);
    }
  });

  router.get('/login/oidc/callback', async (req, res, next) => {
    if (!oidc) return next();
    try {
      res.clearCookie(OIDC_COOKIE, oidcCookie);
      const cookie = oidcCookieOf(req);
      const { user, language: lang } = await oidc.finish(cookie, new URL(req.originalUrl, 'http://callback').search, now());
      const { cookie: session } = await startSession(models, user._id, now());
      setCookie(res, session);
      res.redirect(303, user.mustChangePassword ? `/password${langQuery(lang)}` : `/complaints${langQuery(lang)}`);
    } catch (error) {
      if (error instanceof OidcRefused) return refuseOidc(res, error);
      next(error);
    }
  });

  router.post('/login', form, async (req: Request, res: Response, next: NextFunction) => {
    try {
      const lang = language(req);
      const a = ACCOUNT_STRINGS[lang];
      const username = String(req.body?.username ?? '').trim().toLowerCase().slice(0, 100);
      const password = String(req.body?.password ?? '');
      const accountKey = username || '-';
      const address = req.ip ?? 'unknown';
      await ready();
      // Each attempt takes its point before the password is checked (and a success gives it back):
      // attempts sent all at once cannot all slip in while the first ones are being verified.
      const taken = await oneAtATime(accountKey, () => Promise.allSettled([perAccount.consume(accountKey), perAddress.consume(address)]));
      const blocked = taken.flatMap((t) => (t.status === 'rejected' ? [t.reason] : []));
      for (const reason of blocked) if (!(reason instanceof RateLimiterRes)) throw reason;
      if (blocked.length) {
        const wait = Math.max(...(blocked as RateLimiterRes[]).map((r) => r.msBeforeNext));
        res.set('retry-after', String(Math.ceil(wait / 1000)));
        return render(res, 429, lang, 'login', { username, next: req.body?.next, error: fill(a.throttled, { minutes: Math.max(1, Math.ceil(wait / 60_000)) }) });
      }
      const user = username ? await models.User.findById(username).lean<UserDoc>() : null;
      // The hash is checked even for an unknown or inactive user, so that the answer's time tells nothing.
      const matches = await verifyPassword(user?.passwordHash ?? (await decoyHash()), password);
      if (!user || !user.active || !user.passwordHash || !matches) {
        await sweep();
        return render(res, 401, lang, 'login', { username, next: req.body?.next, error: a.refused });
      }
      await Promise.all([perAccount.delete(accountKey), perAddress.reward(address, 1)]);
      const { cookie } = await startSession(models, user._id, now());
      setCookie(res, cookie);
      const lq = langQuery(user.language === 'en' || lang === 'en' ? 'en' : 'zh');
      res.redirect(303, user.mustChangePassword ? `/password${lq}` : nextPage(req.body?.next, user.language === 'en' || lang === 'en' ? 'en' : 'zh'));
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
      if (!user.passwordHash) return passwordPage(req, res, 400, a.noPassword);
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
