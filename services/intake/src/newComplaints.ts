import express, { type RequestHandler, type Router } from 'express';
import { type Auth, invalidFields, jsonBody, type Logger } from '@complaints/runtime';
import { answerSubmitted, submitComplaint, type SubmitDeps } from './submit';
import { internetKey } from './integrations';
import { issueFormToken, verifyFormToken } from './formTokens';
import { idempotencyKeySchema, newComplaintSchema } from './schemas';

/** What only staff decide about a complaint: an anonymous caller's complaint is received now, minor, by web form (SPEC §8). */
export const STAFF_ONLY_FIELDS = ['receivedAt', 'severity', 'source', 'url', 'postedAt'] as const;

function refuseStaffFields(body: unknown): void {
  const given = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const details: { path: string; message: string }[] = STAFF_ONLY_FIELDS.filter((field) => given[field] !== undefined).map((path) => ({ path, message: 'only staff may set this field' }));
  if (given.channel !== undefined && given.channel !== 'web_form') details.push({ path: 'channel', message: 'without a staff token only web_form is accepted' });
  if (details.length) throw invalidFields(details);
}

/** SPEC §8 `POST /api/complaints`: a new complaint from the public (no token) or from staff. */
export function newComplaintRoutes(deps: SubmitDeps & { logger: Logger; publicLimit: RequestHandler; auth: Auth }): Router {
  const router = express.Router();
  const { identify, refuseBadToken } = deps.auth.optionalPrincipal(['coordinator', 'call_center']);

  // An anonymous API caller's Idempotency-Key counts only when this server issued it.
  router.post('/api/form-tokens', deps.publicLimit, (_req, res) => {
    res.status(201).json({ token: issueFormToken(deps.config.AUTH_SECRET) });
  });

  router.post('/api/complaints', identify, deps.publicLimit, refuseBadToken, jsonBody(), async (req, res) => {
    const principal = req.principal;
    if (!principal) refuseStaffFields(req.body);
    const complaint = newComplaintSchema.parse(req.body);
    const given = idempotencyKeySchema.safeParse(req.header('idempotency-key'));
    if (!given.success) throw invalidFields([{ path: 'Idempotency-Key', message: given.error.issues[0]!.message }]);
    // The source's own key first: a post URL is one complaint whichever route records it. Staff
    // keys are per caller; an anonymous caller's key must be a token this server issued (the
    // form's), so that nobody can reach another customer's complaint by guessing or reusing a key.
    let key: string | undefined;
    if (complaint.channel === 'internet' && complaint.url) key = await internetKey(deps.models, complaint.url);
    else if (principal && given.data) key = `request:${encodeURIComponent(principal.sub)}:${given.data}`;
    else if (!principal) {
      const formToken = verifyFormToken(deps.config.AUTH_SECRET, given.data);
      if (formToken) key = `form:${formToken}`;
    }
    const recordedBy = principal && `${principal.role}:${principal.sub}`;
    const submitted = await submitComplaint(deps, complaint, key, [], recordedBy ? { recordedBy } : { public: true });
    const { number, created, started } = submitted;
    deps.logger.info({ number, created, started, channel: complaint.channel, kind: complaint.kind }, created ? 'complaint received' : 'complaint submitted again');
    answerSubmitted(res, submitted);
  });
  return router;
}
