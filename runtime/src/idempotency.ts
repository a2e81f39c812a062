import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { Schema, type Connection, type Model } from 'mongoose';
import { HttpError, invalidFields } from './http';

// What a request sent with an Idempotency-Key became. `_id` is `<route>:<principal sub>:<key>`;
// the insert of that `_id` is what claims the key (a unique `_id` is the one guarantee FerretDB and
// MongoDB both give under concurrency). Records are kept: FerretDB has no TTL index, so a cleanup
// of old ones (by `createdAt`) would be a scheduled job.
interface IdempotentRequest {
  _id: string;
  /** SHA-256 of the request body: the same key with another body is another request. */
  fingerprint: string;
  /** running: being executed; done: answered (status, body kept); released: failed on the server, may run again; attempt: a claim of a re-run. */
  state: 'running' | 'done' | 'released' | 'attempt';
  /** Re-runs after a server failure or an abandoned attempt; each is claimed by inserting `<_id>#<attempt>`. */
  attempt: number;
  startedAt: Date;
  status?: number;
  /** The answer's JSON text, as sent. */
  body?: string;
}

const idempotentRequestSchema = new Schema<IdempotentRequest>(
  {
    _id: { type: String, required: true },
    fingerprint: { type: String, required: true },
    state: { type: String, enum: ['running', 'done', 'released', 'attempt'], required: true },
    attempt: { type: Number, required: true },
    startedAt: { type: Date, required: true },
    status: Number,
    body: String,
  },
  { timestamps: true, versionKey: false },
);

const requestsModel = (connection: Connection): Model<IdempotentRequest> =>
  (connection.models.IdempotentRequest as Model<IdempotentRequest> | undefined) ?? connection.model<IdempotentRequest>('IdempotentRequest', idempotentRequestSchema, 'idempotent_requests');

/**
 * Forgets the answers kept for the requests to one path and below (`method` and `path` as the
 * request had them), keeping each key's claim: a repeat is still recognised and not run again, and
 * gets its status with an empty body. Retention erases this way what a complaint's actions answered
 * (SPEC §7: the answer quotes what people typed). Returns how many answers were forgotten.
 */
export async function forgetAnswers(connection: Connection, method: string, path: string): Promise<number> {
  const prefix = `${method} ${path}`;
  const { modifiedCount } = await requestsModel(connection).updateMany({ _id: { $gte: prefix, $lt: `${prefix}\uffff` }, body: { $exists: true } }, { $unset: { body: 1 } });
  return modifiedCount;
}

const KEY = /^[A-Za-z0-9._:-]{8,100}$/;

export interface IdempotencyOptions {
  /**
   * How long an attempt may run before a repeat may take it to be abandoned (its process stopped
   * mid-request) and run the request again. Longer than any request takes. Default 2 minutes.
   */
  leaseMs?: number;
}

const isDuplicateKey = (error: unknown) => (error as { code?: unknown } | null)?.code === 11000;

const inProgress = () =>
  new HttpError(409, 'request_in_progress', 'A request with this Idempotency-Key is still being processed; repeat it once that one has answered', [
    { path: 'Idempotency-Key', message: 'is in use by a request still running' },
  ]);

/**
 * Executes a write at most once per `Idempotency-Key` header, so that a client may repeat a request
 * it got no answer for (a timeout, a dropped connection, a 503) without doing the work twice.
 *
 * ```ts
 * const idempotent = idempotency(mongo); // once per app
 * router.post('/api/things', auth.requireRole(roles), jsonBody(), idempotent, handler);
 * ```
 *
 * Place it after authentication (keys are per caller: `req.principal.sub`, or `anonymous`) and
 * after the body parser (the body is hashed). For a request with the header:
 * - a key that is not 8–100 characters of `A-Z a-z 0-9 . _ : -` → 400 `validation_failed`, path `Idempotency-Key`;
 * - the first request claims the key and runs; its status and JSON body are stored before they are sent;
 * - a repeat after it answered gets the stored status and body, with `Idempotent-Replayed: true`;
 * - a repeat while it is still running → 409 `request_in_progress`;
 * - the same key with a different body → 422 `idempotency_key_reused`;
 * - an answer of 500 or more is not kept: a repeat runs the request again.
 * Requests without the header run as they always did. Answers are replayed as JSON (`res.json`);
 * a handler that answers otherwise has its status replayed with an empty body.
 */
export function idempotency(connection: Connection, options: IdempotencyOptions = {}): RequestHandler {
  const Requests = requestsModel(connection);
  const leaseMs = options.leaseMs ?? 2 * 60_000;

  /** Claims the key for this request (→ undefined: run it), or finds the answer to replay. */
  async function claim(id: string, fingerprint: string): Promise<IdempotentRequest | undefined> {
    try {
      await Requests.create({ _id: id, fingerprint, state: 'running', attempt: 0, startedAt: new Date() });
      return undefined;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const existing = await Requests.findById(id).lean();
    if (!existing) throw inProgress(); // records are never deleted; defensive only
    if (existing.fingerprint !== fingerprint) {
      throw new HttpError(422, 'idempotency_key_reused', 'This Idempotency-Key was used for a request with a different body; a new request needs a new key', [
        { path: 'Idempotency-Key', message: 'was used for a different request' },
      ]);
    }
    if (existing.state === 'done') return existing;
    if (existing.state === 'running' && Date.now() - existing.startedAt.getTime() < leaseMs) throw inProgress();
    // The last attempt failed on the server, or was abandoned: this repeat runs the request again,
    // unless another repeat claimed the re-run first.
    const attempt = existing.attempt + 1;
    try {
      await Requests.create({ _id: `${id}#${attempt}`, fingerprint, state: 'attempt', attempt, startedAt: new Date() });
    } catch (error) {
      if (isDuplicateKey(error)) throw inProgress();
      throw error;
    }
    await Requests.updateOne({ _id: id }, { $set: { state: 'running', attempt, startedAt: new Date() } });
    return undefined;
  }

  /** Stores the answer before it is sent, so that a repeat arriving after it finds it. */
  function recordAnswer(res: Response, id: string): void {
    let recorded = false;
    const store = (status: number, body?: string) => {
      recorded = true;
      return status >= 500 ? Requests.updateOne({ _id: id }, { $set: { state: 'released' } }) : Requests.updateOne({ _id: id }, { $set: { state: 'done', status, ...(body !== undefined && { body }) } });
    };
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (recorded) return json(body);
      // Sent even when it cannot be stored: the work is done, and the client is waiting for it.
      const send = () => void json(body);
      store(res.statusCode, JSON.stringify(body)).then(send, send);
      return res;
    };
    res.on('finish', () => {
      if (!recorded) store(res.statusCode).catch(() => undefined);
    });
  }

  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (key === undefined) return next();
    if (!KEY.test(key)) {
      return next(invalidFields([{ path: 'Idempotency-Key', message: 'must be 8 to 100 characters: letters, digits, ".", "_", ":" or "-"' }]));
    }
    // The caller's name is encoded, so that no `sub` containing ":" can reach another caller's key.
    const id = `${req.method} ${req.baseUrl}${req.path}:${encodeURIComponent(req.principal?.sub ?? 'anonymous')}:${key}`;
    const fingerprint = createHash('sha256')
      .update(JSON.stringify(req.body ?? null))
      .digest('hex');
    try {
      const answered = await claim(id, fingerprint);
      if (answered) {
        const { status, body } = answered;
        res.status(status!).set('Idempotent-Replayed', 'true');
        if (body === undefined) res.end();
        else res.type('application/json').send(body);
        return;
      }
      recordAnswer(res, id);
      // For a handler that passes the request on (a Temporal update's id), so that a repeat after a
      // lost answer is recognised downstream too, not only here.
      res.locals.idempotencyId = createHash('sha256').update(id).digest('hex');
      next();
    } catch (error) {
      next(error);
    }
  };
}
