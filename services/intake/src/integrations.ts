import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import express, { type Router } from 'express';
import { z } from 'zod';
import { canonicalPostUrl, complaintInputSchema } from '@complaints/shared';
import type { Models } from '@complaints/activities';
import { type Auth, HttpError, type Logger } from '@complaints/runtime';
import { answerSubmitted, submitComplaint, type SubmitDeps } from './submit';

// SPEC §8: the 400 call-center integration and internet complaints found by monitoring.

export const hotlineCallSchema = complaintInputSchema.and(z.object({ callId: z.string().trim().min(1, 'is required').max(100) }));
export const internetComplaintSchema = complaintInputSchema.and(z.object({ url: z.url('must be the post URL'), source: z.string().trim().min(1, 'is required').max(100) }));

const keyOf = (url: string) => `internet:${createHash('sha256').update(url).digest('hex')}`;

/**
 * An internet post is one complaint whichever route records it and however its URL is spelled
 * (SPEC §8): its key is the post's canonical URL. A post recorded before URLs were made canonical
 * keeps the key of its URL as it was spelled then, so that sending it again finds it.
 */
export async function internetKey(models: Models, url: string): Promise<string> {
  const key = keyOf(canonicalPostUrl(url));
  const asSpelled = keyOf(url);
  if (asSpelled !== key && (await models.IntakeKey.exists({ _id: asSpelled }))) return asSpelled;
  return key;
}

/** `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, compared in constant time. */
export function hotlineSignature(secret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

function signatureMatches(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(hotlineSignature(secret, rawBody));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function integrationRoutes(deps: SubmitDeps & { logger: Logger; auth: Auth }): Router {
  const router = express.Router();
  const unauthorized = new HttpError(401, 'unauthorized', 'the X-Signature header does not match the body');

  // The raw body is what the call center signed: verify before parsing.
  router.post('/api/hotline/calls', express.raw({ type: '*/*', limit: '100kb' }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!signatureMatches(deps.config.HOTLINE_SECRET, raw, req.header('x-signature'))) throw unauthorized;
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new HttpError(400, 'invalid_json', 'the body is not JSON');
    }
    const call = hotlineCallSchema.parse({ ...(json as object), channel: 'hotline' });
    const submitted = await submitComplaint(deps, call, `hotline:${call.callId}`);
    deps.logger.info({ number: submitted.number, created: submitted.created, started: submitted.started, channel: 'hotline' }, submitted.created ? 'hotline call received' : 'hotline call repeated');
    answerSubmitted(res, submitted);
  });

  // Internet complaints, recorded by the call center's monitoring: one complaint per post URL.
  router.post('/api/internet-complaints', deps.auth.requireRole(['coordinator', 'call_center']), express.json({ limit: '100kb' }), async (req, res) => {
    const post = internetComplaintSchema.parse({ ...req.body, channel: 'internet' });
    answerSubmitted(res, await submitComplaint(deps, post, await internetKey(deps.models, post.url), [], { recordedBy: `${req.principal!.role}:${req.principal!.sub}` }));
  });
  return router;
}
