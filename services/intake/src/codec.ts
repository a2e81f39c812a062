import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type Request, type RequestHandler, type Router } from 'express';
import cookieParser from 'cookie-parser';
import cors from 'cors';
import type { Connection } from 'mongoose';
import Handlebars from 'handlebars';
import { z } from 'zod';
import { ValueError, type Payload } from '@temporalio/common';
import { beijingIso, type Config } from '@complaints/shared';
import { createAccountModels, createAuth, HttpError, payloadCodec, principalOf, signedInActor, signToken, type Auth, type Logger, type Principal } from '@complaints/runtime';

// The Temporal UI's "remote codec" (its Codec Server protocol): the UI posts the payloads of the
// history it shows to <endpoint>/decode and shows what comes back. Payloads carry what dealers and
// the call center typed, so only a coordinator gets them decrypted: by a coordinator token in
// `Authorization` (the Temporal CLI's --codec-auth, or a UI that passes its access token), or by a
// codec session, an httpOnly cookie the browser sends along once the coordinator has opened it on
// /codec/session, signed in at /login or with a pasted coordinator token. Anyone else gets 401/403.
// A codec session opened from a sign-in ends with it (sign-out, a change to the account, its
// absolute lifetime): the Temporal UI's requests cannot carry the sign-in's own CSRF token, so the
// sign-in cookie itself is never what decodes.

const SESSION_COOKIE = 'codec_session';
/** A working day: the coordinator opens decoding again the next day. */
const SESSION_HOURS = 8;
/** The `jti` of a codec session opened from a sign-in: the sign-in session's id follows. */
const SIGN_IN_JTI = 'signin:';

const payloadSchema = z.object({
  metadata: z.record(z.string(), z.base64()).nullish(),
  data: z.base64().nullish(),
});
const bodySchema = z.object({ payloads: z.array(payloadSchema) });

const fromJson = ({ metadata, data }: z.infer<typeof payloadSchema>): Payload => ({
  metadata: metadata ? Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, Buffer.from(value, 'base64')])) : undefined,
  data: data ? Buffer.from(data, 'base64') : undefined,
});
const toJson = ({ metadata, data }: Payload) => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
  data: Buffer.from(data ?? []).toString('base64'),
});

const view = Handlebars.compile(readFileSync(path.resolve(__dirname, '../views/codec.hbs'), 'utf8'));

export interface CodecDeps {
  config: Config;
  logger: Logger;
  auth: Auth;
  /** Where revoked tokens are kept: revoking the token a session was opened with ends the session too. */
  connection: Connection;
}

export function codecRoutes({ config, logger, auth, connection }: CodecDeps): Router {
  const codec = payloadCodec(config);
  // Sessions are signed with a key of their own: a session cookie is no API token, and an API token no session.
  const sessionSecret = createHmac('sha256', config.AUTH_SECRET).update('codec-session').digest('hex');
  const sessions = createAuth({ secret: sessionSecret, audience: 'intake', connection });
  const secure = new URL(config.PUBLIC_BASE_URL).protocol === 'https:';
  // On intake's own host (npm start: both on 127.0.0.1) the UI's requests are same-site and the
  // cookie stays SameSite=Strict. A UI on another host (production: its own name, or an SSH
  // tunnel's localhost) is another site, which a cookie reaches only as SameSite=None, over HTTPS.
  const sameHost = new URL(config.TEMPORAL_UI_URL).hostname === new URL(config.PUBLIC_BASE_URL).hostname;
  const cookieOptions = { httpOnly: true, secure, sameSite: sameHost || !secure ? 'strict' : 'none', path: '/codec' } as const;
  const endpoint = `${config.PUBLIC_BASE_URL}/codec`;
  const page = (values: Record<string, unknown>) => view({ hours: SESSION_HOURS, uiUrl: config.TEMPORAL_UI_URL, endpoint, ...values });
  const accounts = createAccountModels(connection);
  /**
   * The sign-in a codec session was opened from still lives: not signed out, not ended by a change
   * to the account, within its absolute lifetime and not left idle. Decoding in the Temporal UI is
   * the coordinator at work, so it keeps the sign-in in use.
   */
  const signInLives = async (sessionId: string) => {
    const session = await accounts.Session.findById(sessionId).lean();
    const now = Date.now();
    const lives = Boolean(session && now - session.createdAt.getTime() <= config.SESSION_ABSOLUTE_HOURS * 3_600_000 && now - session.lastSeenAt.getTime() <= config.SESSION_IDLE_MINUTES * 60_000);
    // The UI decodes a page's payloads in many requests: the sign-in is touched at most once a minute.
    if (lives && now - session!.lastSeenAt.getTime() > 60_000) await accounts.Session.updateOne({ _id: sessionId }, { $set: { lastSeenAt: new Date(now) } });
    return lives;
  };
  /** What the page offers: the signed-in coordinator opens decoding with one click; anyone else pastes a token. */
  const pageFor = (req: Request, values: Record<string, unknown> = {}) => {
    // Any sign-in cookie makes this page's forms carry its CSRF token (the session middleware asks for it).
    const signedIn = signedInActor(req);
    return page({ csrfToken: req.signedIn?.session.csrfToken, signedInAs: signedIn?.user.role === 'coordinator' ? signedIn.user._id : undefined, ...values });
  };

  // The UI runs on its own origin and sends the session cookie only when its codec settings
  // "include cross-origin credentials": that origin alone may read the answers.
  const crossOrigin = cors({
    origin: [new URL(config.TEMPORAL_UI_URL).origin],
    credentials: true,
    methods: ['POST'],
    allowedHeaders: ['content-type', 'x-namespace', 'authorization'],
    maxAge: 600,
  });

  const bearer = auth.requireRole(['coordinator']);
  const coordinatorOnly: RequestHandler = async (req, res, next) => {
    if (req.headers.authorization) return bearer(req, res, next);
    const session = (req.cookies as Record<string, string | undefined>)[SESSION_COOKIE];
    if (!session) return next(new HttpError(401, 'unauthorized', 'a coordinator token or codec session is required (open one at /codec/session)'));
    try {
      const { principal, jti } = await sessions.verifyMachineToken(session, ['coordinator']);
      if (jti.startsWith(SIGN_IN_JTI) && !(await signInLives(jti.slice(SIGN_IN_JTI.length)))) throw new Error('the sign-in has ended');
      req.principal = principal;
      next();
    } catch {
      next(new HttpError(401, 'unauthorized', 'the codec session is invalid or has expired (open one again at /codec/session)'));
    }
  };

  const sameNamespace: RequestHandler = (req, _res, next) => {
    const namespace = req.get('x-namespace');
    if (namespace && namespace !== config.TEMPORAL_NAMESPACE) return next(new HttpError(400, 'wrong_namespace', `this endpoint holds the keys of namespace ${config.TEMPORAL_NAMESPACE}, not ${namespace}`));
    next();
  };

  const convert = (direction: 'decode' | 'encode'): RequestHandler =>
    async (req, res, next) => {
      const { payloads } = bodySchema.parse(req.body);
      try {
        const converted = await codec[direction](payloads.map(fromJson));
        logger.debug({ by: req.principal?.sub, payloads: payloads.length }, `codec ${direction}`);
        res.set('cache-control', 'no-store').json({ payloads: converted.map(toJson) });
      } catch (error) {
        if (error instanceof ValueError) return next(new HttpError(422, 'undecodable_payload', error.message));
        next(error);
      }
    };

  const router = express.Router();
  const routes = ['/codec/decode', '/codec/encode'];
  router.options(routes, crossOrigin);
  router.use(routes, crossOrigin, cookieParser(), sameNamespace, coordinatorOnly, express.json({ limit: '4mb' }));
  router.post('/codec/decode', convert('decode'));
  router.post('/codec/encode', convert('encode'));

  router.get('/codec/session', (req, res) => {
    res.set('cache-control', 'no-store').type('html').send(pageFor(req));
  });

  const tokenOf = (req: Request) => (req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice('Bearer '.length) : String((req.body as { token?: unknown } | undefined)?.token ?? '').trim());
  router.post('/codec/session', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    let principal: Principal;
    let jti: string;
    let expiresAt: Date;
    const given = tokenOf(req);
    const refuse = (status: number) => {
      const message = status === 403 ? '只有协调员可以开启解密 · Only the coordinator may turn decoding on' : '令牌无效或已过期 · The token is invalid or has expired';
      res.status(status).set('cache-control', 'no-store').type('html').send(pageFor(req, { error: message }));
    };
    const usable = signedInActor(req);
    if (!given && usable) {
      // Signed in at /login (the session middleware has checked this form's CSRF token).
      const { user, session } = usable;
      const signedIn = principalOf(user);
      if (signedIn?.role !== 'coordinator') return refuse(403);
      principal = signedIn;
      jti = `${SIGN_IN_JTI}${session._id}`;
      expiresAt = new Date(session.createdAt.getTime() + config.SESSION_ABSOLUTE_HOURS * 3_600_000);
    } else {
      try {
        ({ principal, jti, expiresAt } = await auth.verifyMachineToken(given, ['coordinator']));
      } catch (error) {
        return refuse(error instanceof HttpError ? error.status : 401);
      }
    }
    // The session carries the token's jti and ends no later than the token: revoking the token ends
    // it too; opened from a sign-in, it carries the sign-in's id and ends with it.
    const until = new Date(Math.min(Date.now() + SESSION_HOURS * 3_600_000, expiresAt.getTime()));
    const session = await signToken(sessionSecret, { sub: principal.sub, role: 'coordinator' }, { expiresIn: until, audience: 'intake', jti });
    res.cookie(SESSION_COOKIE, session, { ...cookieOptions, maxAge: until.getTime() - Date.now() });
    logger.info({ by: principal.sub, until: until.toISOString() }, 'codec session opened: the Temporal UI decodes payloads in this browser');
    res.set('cache-control', 'no-store').type('html').send(pageFor(req, { opened: true, who: principal.sub, until: beijingIso(until).slice(0, 16).replace('T', ' ') }));
  });

  router.post('/codec/session/end', (req, res) => {
    res.clearCookie(SESSION_COOKIE, cookieOptions);
    res.set('cache-control', 'no-store').type('html').send(pageFor(req, { ended: true }));
  });

  return router;
}
