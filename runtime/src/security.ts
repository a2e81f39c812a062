import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RequestHandler, Response } from 'express';
import helmet from 'helmet';

// The security headers every service sends (helmet's set: HSTS, nosniff, no framing, no referrer
// outside the site, a same-origin opener), with a Content Security Policy that lets a page run and
// style only what the service itself serves: the customer's form, the work-order page and the
// dashboard show personal data or a dealer's money, and an injected script must not run there.

const NONCE = 'cspNonce';

/** This answer's CSP nonce: a page's own inline script carries it as `nonce="…"`. */
export function cspNonce(res: Response): string {
  return res.locals[NONCE] as string;
}

const nonceSource = (_req: unknown, res: ServerResponse) => `'nonce-${(res as Response).locals[NONCE] as string}'`;

/** What every page (and every other answer) may load: the service's own files and API, nothing else. */
const PAGE_DIRECTIVES = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'", nonceSource],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
};

/** Security headers and the pages' Content Security Policy, with a fresh nonce per answer. */
export function securityHeaders(): RequestHandler[] {
  return [
    (_req, res, next) => {
      res.locals[NONCE] = randomBytes(16).toString('base64');
      next();
    },
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: PAGE_DIRECTIVES },
      xFrameOptions: { action: 'deny' },
      referrerPolicy: { policy: 'same-origin' },
    }),
  ];
}

/**
 * The policy of the browsable API documentation (swagger-ui, a library's page): its own scripts
 * still, but the inline styles and data: icons it is built with. Only its path gets it.
 */
export function apiDocsPolicy(): RequestHandler {
  return helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: { ...PAGE_DIRECTIVES, scriptSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'] },
  });
}
