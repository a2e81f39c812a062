import type { Server } from 'node:http';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { ZodError } from 'zod';
import type { Logger } from './logger';
import { checkHealth, type HealthDeps } from './connections';

/** An error that maps to an HTTP answer: `{ error, details[] }` (the API's one error shape). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);

/** 400 `validation_failed` naming each field at fault: the answer every invalid request gets, from zod or from a check of our own. */
export const invalidFields = (details: { path: string; message: string }[], message = 'The request has invalid fields') => new HttpError(400, 'validation_failed', message, details);

/** 422 `unknown_dealer`: a well-formed dealer code the directory does not have, named at its field (every route that takes a dealer answers it the same). */
export const unknownDealer = (code: string, path = 'dealerCode') => new HttpError(422, 'unknown_dealer', `dealer ${code} is not in the directory`, [{ path, message: 'is not a known dealer' }]);

/** 422 `inactive_dealer`: a dealer delisted (撤站, seed 002 重大抱怨 §5.1) gets no more work orders. */
export const inactiveDealer = (code: string, delistedFrom: string | null, path = 'dealerCode') =>
  new HttpError(422, 'inactive_dealer', `dealer ${code} is no longer in the service network${delistedFrom ? ` (delisted from ${delistedFrom})` : ''}`, [{ path, message: 'is no longer in the service network' }]);

/**
 * `GET /health`: 200 when Temporal and the database answer, else 503, saying which is down and
 * not why; the reason goes to the service's log, for its operators.
 */
export function healthHandler(deps: HealthDeps, logger?: Logger): RequestHandler {
  return async (_req, res) => {
    const { report, reasons } = await checkHealth(deps);
    if (report.status !== 'ok') logger?.warn(reasons, 'unhealthy');
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  };
}

// The MongoDB driver's and mongoose's errors for a database that does not answer (down, restarting).
const DATABASE_UNAVAILABLE = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);
const MAX_TIME_EXPIRED = 50;
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

/** The database or Temporal does not answer right now (the error or one of its causes says so). */
export function dependencyUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Object && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { name, message, code } = e as { name?: string; message?: string; code?: unknown };
    if (name && DATABASE_UNAVAILABLE.has(name)) return true;
    if (name === 'MongooseError' && /buffering timed out/.test(message ?? '')) return true;
    if (name === 'MongoServerError' && code === MAX_TIME_EXPIRED) return true; // a query past its time limit: the database is overloaded
    // A gRPC call to Temporal that found no server, or none that answered before its deadline.
    if ((code === GRPC_UNAVAILABLE || code === GRPC_DEADLINE_EXCEEDED) && 'metadata' in e) return true;
  }
  return false;
}

/** Seconds a client should wait before repeating a request that met an unavailable dependency. */
const RETRY_AFTER_SECONDS = 5;

/**
 * The central error handler: zod → 400 with field paths, HttpError → its status, a dependency that
 * does not answer → 503 with Retry-After (callers repeat with the same key), anything else →
 * 500 without internals.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (error instanceof ZodError) error = invalidFields(error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })));
    if (error instanceof HttpError) {
      res.status(error.status).json({ error: error.code, message: error.message, details: error.details });
      return;
    }
    // body-parser errors carry a status (400 malformed JSON, 413 too large).
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: (error as { type?: string }).type ?? 'bad_request', message: (error as Error).message, details: [] });
      return;
    }
    if (dependencyUnavailable(error)) {
      logger.warn({ err: { name: (error as Error).name, message: (error as Error).message }, path: req.path }, 'a dependency does not answer');
      res.set('retry-after', String(RETRY_AFTER_SECONDS)).status(503).json({ error: 'unavailable', message: `A service this request needs does not answer; try again in ${RETRY_AFTER_SECONDS} seconds`, details: [] });
      return;
    }
    logger.error({ err: { message: (error as Error).message, stack: (error as Error).stack }, path: req.path }, 'request failed');
    res.status(500).json({ error: 'internal', message: 'Internal error', details: [] });
  };
}

export function jsonBody(limit = '100kb'): RequestHandler {
  return express.json({ limit });
}

export function listen(app: express.Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(server)));
  });
}

/**
 * Runs a service until SIGINT/SIGTERM, then stops it in order: stop accepting HTTP, let the
 * worker finish its tasks, close connections. A second signal exits at once.
 */
export function runUntilSignal(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: Error) => {
        logger.error({ err: { message: error.message } }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}
