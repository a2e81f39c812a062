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
import { createAuth, HttpError, payloadCodec, signToken, type Auth, type Logger, type Principal } from '@complaints/runtime';

// The Temporal UI's "remote codec" (its Codec Server protocol): the UI posts the payloads of the
// history it shows to <endpoint>/decode and shows what comes back. Payloads carry what dealers and
// the call center typed, so only a coordinator gets them decrypted: by a coordinator token in
// `Authorization` (the Temporal CLI's --codec-auth, or a UI that passes its access token), or by a
// codec session, an httpOnly cookie the browser sends along once the coordinator has opened it on
// /codec/session (staff have no other sign-in the browser remembers). Anyone else gets 401/403.

const SESSION_COOKIE = 'codec_session';
/** A working day: the coordinator opens decoding again the next day. */
const SESSION_HOURS = 8;

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
      req.principal = await sessions.verifyToken(session, ['coordinator']);
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

  router.get('/codec/session', (_req, res) => {
    res.set('cache-control', 'no-store').type('html').send(page({}));
  });

  const tokenOf = (req: Request) => (req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice('Bearer '.length) : String((req.body as { token?: unknown } | undefined)?.token ?? '').trim());
  router.post('/codec/session', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    let principal: Principal;
    let jti: string;
    let expiresAt: Date;
    try {
      ({ principal, jti, expiresAt } = await auth.verifyMachineToken(tokenOf(req), ['coordinator']));
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 401;
      const message = status === 403 ? '只有协调员可以开启解密 · Only the coordinator may turn decoding on' : '令牌无效或已过期 · The token is invalid or has expired';
      res.status(status).set('cache-control', 'no-store').type('html').send(page({ error: message }));
      return;
    }
    // The session carries the token's jti and ends no later than the token: revoking the token ends it too.
    const until = new Date(Math.min(Date.now() + SESSION_HOURS * 3_600_000, expiresAt.getTime()));
    const session = await signToken(sessionSecret, { sub: principal.sub, role: 'coordinator' }, { expiresIn: until, audience: 'intake', jti });
    res.cookie(SESSION_COOKIE, session, { ...cookieOptions, maxAge: until.getTime() - Date.now() });
    logger.info({ by: principal.sub, until: until.toISOString() }, 'codec session opened: the Temporal UI decodes payloads in this browser');
    res.set('cache-control', 'no-store').type('html').send(page({ opened: true, who: principal.sub, until: beijingIso(until).slice(0, 16).replace('T', ' ') }));
  });

  router.post('/codec/session/end', (_req, res) => {
    res.clearCookie(SESSION_COOKIE, cookieOptions);
    res.set('cache-control', 'no-store').type('html').send(page({ ended: true }));
  });

  return router;
}
