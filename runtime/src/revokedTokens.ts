import { Schema, type Connection, type Model } from 'mongoose';

/**
 * A machine token the coordinator withdrew (a leaked hotline key, a script's token of a colleague
 * who left): `_id` is the token's `jti`, so that every service refuses it with one lookup by `_id`
 * per request, from the moment the record is written. Kept after the token's own expiry as the
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

/** Whether the token `jti` was revoked: one round trip, by `_id`. */
export async function isRevoked(connection: Connection, jti: string): Promise<boolean> {
  return (await revokedTokensModel(connection).exists({ _id: jti })) !== null;
}

/**
 * Revokes `jti`. A second revocation of the same token keeps the first record (who revoked it first
 * and why stays the audit) and says so with `alreadyRevoked`.
 */
export async function revokeToken(connection: Connection, revocation: RevokedToken): Promise<RevokedToken & { alreadyRevoked: boolean }> {
  const model = revokedTokensModel(connection);
  try {
    await model.create(revocation);
    return { ...revocation, alreadyRevoked: false };
  } catch (error) {
    if ((error as { code?: number }).code !== 11000) throw error;
    const first = await model.findById(revocation._id).lean();
    if (!first) throw error;
    return { ...first, alreadyRevoked: true };
  }
}

/** The revoked tokens, latest first. */
export async function listRevokedTokens(connection: Connection): Promise<RevokedToken[]> {
  return revokedTokensModel(connection).find().sort({ revokedAt: -1, _id: 1 }).lean();
}
