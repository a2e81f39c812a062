import type { Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Config } from '@complaints/shared';
import { HttpError } from '@complaints/runtime';

/**
 * Flood protection for every request without a verified principal: the public form and API callers
 * without a token, or with one that did not verify (it must not buy a way round the limit).
 * `PUBLIC_RATE_LIMIT` requests a minute per client address; the API answers 429 in its error shape,
 * the form in both languages.
 */
export function publicRateLimits(config: Pick<Config, 'PUBLIC_RATE_LIMIT'>) {
  const limit = (answer: (res: Response) => void) =>
    rateLimit({ windowMs: 60_000, limit: config.PUBLIC_RATE_LIMIT, standardHeaders: 'draft-8', legacyHeaders: false, skip: (req) => Boolean(req.principal), handler: (_req, res) => answer(res) });
  const tooMany = new HttpError(429, 'rate_limited', 'Too many submissions from this address: try again in a minute');
  return {
    apiLimit: limit((res) => res.status(429).json({ error: tooMany.code, message: tooMany.message, details: [] })),
    formLimit: limit((res) => res.status(429).type('text').send('提交过于频繁，请稍后再试。Too many submissions: please try again in a minute.')),
    // Starting a company sign-in stores its state: bounded per address, generously, since a whole
    // dealership signs in from one address in the morning.
    signInLimit: rateLimit({ windowMs: 60_000, limit: 6 * config.PUBLIC_RATE_LIMIT, standardHeaders: 'draft-8', legacyHeaders: false, handler: (_req, res) => res.status(429).type('text').send('登录过于频繁，请稍后再试。Too many sign-ins from this address: please try again in a minute.') }),
  };
}
