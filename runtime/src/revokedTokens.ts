import { Schema, type Connection, type Model } from 'mongoose';

/**
 * A machine token the coordinator withdrew (a leaked hotline key, a script's token of a colleague
 * who left): `_id` is the token's `jti`, so that every service refuses it with one lookup by `_id`:
 * the process that recorded it at once, every other within a second. Kept after the token's own expiry as the
 * audit of who revoked it, when and why.
 */
export interface RevokedToken {
  _id: string;
  reason: string;
  /** `role:sub` of the coordinator who revoked it. */
  revokedBy: string;
  revokedAt: Date;
}

const revokedTokenSchema = new Schema<RevokedToken>(
  {
    _id: { type: String, required: true },
    reason: { type: String, required: true },
    revokedBy: { type: String, required: true },
    revokedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export const revokedTokensModel = (connection: Connection): Model<RevokedToken> =>
  (connection.models.RevokedToken as Model<RevokedToken> | undefined) ?? connection.model<RevokedToken>('RevokedToken', revokedTokenSchema, 'revoked_tokens');

/**
 * How long a token found not revoked is taken as such without asking again. A hotline integration
 * or an internet monitor sends a burst of complaints with one token: a second of them costs one
 * lookup, not one each. A revocation recorded by this process counts at once; one recorded by
 * another process (the other service, a second intake) within this second.
 */
export const NOT_REVOKED_FRESH_MS = 1000;
const KNOWN_MAX = 10_000;

interface Lookups {
  /** jti → its lookup and when it began. */
  known: Map<string, { at: number; revoked: Promise<boolean> }>;
  /** Bumped by every revocation this process records: a lookup begun before one is not kept. */
  generation: number;
}
const lookupsOf = new WeakMap<Connection, Lookups>();

function lookups(connection: Connection): Lookups {
  let entry = lookupsOf.get(connection);
  if (!entry) lookupsOf.set(connection, (entry = { known: new Map(), generation: 0 }));
  return entry;
}

/** Whether the token `jti` was revoked: one round trip by `_id`, shared by the requests of a second (NOT_REVOKED_FRESH_MS). */
export function isRevoked(connection: Connection, jti: string): Promise<boolean> {
  const state = lookups(connection);
  const now = Date.now();
  const kept = state.known.get(jti);
  if (kept && now - kept.at < NOT_REVOKED_FRESH_MS) return kept.revoked;
  if (state.known.size >= KNOWN_MAX) state.known.clear();
  const generation = state.generation;
  const revoked = revokedTokensModel(connection)
    .exists({ _id: jti })
    .then((found) => found !== null);
  const entry = { at: now, revoked };
  state.known.set(jti, entry);
  // Only "not revoked" is kept, and only if no revocation was recorded here meanwhile; a failed lookup is asked again.
  const forget = () => state.known.get(jti) === entry && state.known.delete(jti);
  revoked.then((yes) => (yes || state.generation !== generation) && forget(), forget);
  return revoked;
}

/**
 * Revokes `jti`. A second revocation of the same token keeps the first record (who revoked it first
 * and why stays the audit) and says so with `alreadyRevoked`.
 */
export async function revokeToken(connection: Connection, revocation: RevokedToken): Promise<RevokedToken & { alreadyRevoked: boolean }> {
  const model = revokedTokensModel(connection);
  // What this process knew of the token is forgotten before the record is written and again once
  // it is (a lookup that began in between may have missed it): refused here from the answer on.
  const forget = () => {
    const state = lookups(connection);
    state.generation += 1;
    state.known.delete(revocation._id);
  };
  forget();
  try {
    await model.create(revocation);
    return { ...revocation, alreadyRevoked: false };
  } catch (error) {
    if ((error as { code?: number }).code !== 11000) throw error;
    const first = await model.findById(revocation._id).lean();
    if (!first) throw error;
    return { ...first, alreadyRevoked: true };
  } finally {
    forget();
  }
}

/** The revoked tokens, latest first. */
export async function listRevokedTokens(connection: Connection): Promise<RevokedToken[]> {
  return revokedTokensModel(connection).find().sort({ revokedAt: -1, _id: 1 }).lean();
}
