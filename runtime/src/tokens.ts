import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { Schema, type Connection, type Model } from 'mongoose';
import { z } from 'zod';
import { dealerCodeSchema, ROLES, type Role } from '@complaints/shared';
import { MAX_TOKEN_DAYS, signToken, TOKEN_AUDIENCES, type Principal, type TokenAudience } from './auth';
import { revokedTokensModel } from './revokedTokens';

// Issuing a machine token (SPEC §8), the one code behind the CLI's `token` and the coordinator's
// tokens page: who it acts as, which services it is for, how long it lives (never beyond its
// role's maximum). What was issued is kept — its id, subject, role, audience, expiry and who issued
// it — so that the coordinator sees what is out there and revokes what should not be; the token
// itself is shown once to whoever asked for it and kept nowhere.

export const REGION_CODE = /^[a-z0-9_-]{1,50}$/;
const SUBJECT = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,99}$/;

/** A request for a token: the claims, the audience and the lifetime in days. */
export const tokenRequestSchema = z
  .object({
    role: z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` }),
    dealerCode: dealerCodeSchema.optional(),
    region: z.string().trim().regex(REGION_CODE, 'must be a region code, e.g. east').optional(),
    subject: z.string().trim().regex(SUBJECT, 'must be 1–100 letters, digits, ".", "_", "@", ":" or "-", e.g. hotline-400').optional(),
    audience: z
      .array(z.enum(TOKEN_AUDIENCES, { message: `must be ${TOKEN_AUDIENCES.join(' or ')}` }))
      .min(1, 'must name at least one service')
      .optional(),
    days: z.number({ message: 'must be a whole number of days' }).int('must be a whole number of days').min(1, 'must be at least 1'),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.role === 'dealer' && !r.dealerCode) ctx.addIssue({ code: 'custom', path: ['dealerCode'], message: 'is required for a dealer token' });
    if (r.role === 'regional_manager' && !r.region) ctx.addIssue({ code: 'custom', path: ['region'], message: 'is required for a regional manager token' });
    if (r.role !== 'dealer' && r.dealerCode) ctx.addIssue({ code: 'custom', path: ['dealerCode'], message: `is only for a dealer token, not ${r.role}` });
    if (r.role !== 'regional_manager' && r.region) ctx.addIssue({ code: 'custom', path: ['region'], message: `is only for a regional manager token, not ${r.role}` });
    const max = MAX_TOKEN_DAYS[r.role];
    if (r.days > max) ctx.addIssue({ code: 'custom', path: ['days'], message: `may be at most ${max} for a ${r.role} token` });
  });
export type TokenRequest = z.output<typeof tokenRequestSchema>;

/** The claims of a requested token; the subject names the integration or script, by default after its role and scope. */
export function tokenClaims(request: TokenRequest): Principal {
  const { role } = request;
  if (role === 'dealer') return { role, dealerCode: request.dealerCode!, sub: request.subject ?? `dealer-${request.dealerCode}` };
  if (role === 'regional_manager') return { role, region: request.region!, sub: request.subject ?? `rm-${request.region}` };
  return { role, sub: request.subject ?? `local-${role}` };
}

/** What is kept of an issued token: never the token. `_id` is its `jti`. */
export interface IssuedToken {
  _id: string;
  subject: string;
  role: Role;
  dealerCode?: string;
  region?: string;
  audience: TokenAudience[];
  issuedAt: Date;
  expiresAt: Date;
  /** `role:sub` of the coordinator who issued it from the console, or `cli:<operating-system user>`. */
  issuedBy: string;
}

const issuedTokenSchema = new Schema<IssuedToken>(
  {
    _id: { type: String, required: true },
    subject: { type: String, required: true },
    role: { type: String, required: true },
    dealerCode: String,
    region: String,
    audience: { type: [String], required: true },
    issuedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    issuedBy: { type: String, required: true },
  },
  { versionKey: false },
);

export const issuedTokensModel = (connection: Connection): Model<IssuedToken> =>
  (connection.models.IssuedToken as Model<IssuedToken> | undefined) ?? connection.model<IssuedToken>('IssuedToken', issuedTokenSchema, 'issued_tokens');

export interface Issued {
  token: string;
  jti: string;
  subject: string;
  role: Role;
  dealerCode?: string;
  region?: string;
  audience: TokenAudience[];
  issuedAt: Date;
  expiresAt: Date;
}

/**
 * Signs the requested token (already validated by tokenRequestSchema) with AUTH_SECRET and, when a
 * database is given, records what was issued and by whom before the token is handed out, so that
 * no token leaves the console that the coordinator cannot see in the list.
 */
export async function issueToken(secret: string, request: TokenRequest, options: { issuedBy: string; connection?: Connection }): Promise<Issued> {
  const claims = tokenClaims(request);
  const audience = [...new Set(request.audience ?? TOKEN_AUDIENCES)] as TokenAudience[];
  const jti = randomUUID();
  const token = await signToken(secret, claims, { expiresIn: `${request.days}d`, audience, jti });
  // The times as the token carries them (whole seconds).
  const { iat, exp } = decodeJwt(token) as { iat: number; exp: number };
  const issuedAt = new Date(iat * 1000);
  const expiresAt = new Date(exp * 1000);
  const scope = { ...(claims.role === 'dealer' && { dealerCode: claims.dealerCode }), ...(claims.role === 'regional_manager' && { region: claims.region }) };
  if (options.connection) {
    await issuedTokensModel(options.connection).create({ _id: jti, subject: claims.sub, role: claims.role, ...scope, audience, issuedAt, expiresAt, issuedBy: options.issuedBy });
  }
  return { token, jti, subject: claims.sub, role: claims.role, ...scope, audience, issuedAt, expiresAt };
}

export interface IssuedTokenView extends Omit<IssuedToken, '_id'> {
  jti: string;
  revoked?: { reason: string; revokedBy: string; revokedAt: Date };
}

/** The issued tokens, latest first, each with its revocation when it was revoked. */
export async function listIssuedTokens(connection: Connection): Promise<IssuedTokenView[]> {
  const issued = await issuedTokensModel(connection).find().sort({ issuedAt: -1, _id: 1 }).lean();
  const revoked = issued.length ? await revokedTokensModel(connection).find({ _id: { $in: issued.map((t) => t._id) } }).lean() : [];
  const byJti = new Map(revoked.map((r) => [r._id, r]));
  return issued.map(({ _id, ...rest }) => {
    const r = byJti.get(_id);
    return { jti: _id, ...rest, ...(r && { revoked: { reason: r.reason, revokedBy: r.revokedBy, revokedAt: r.revokedAt } }) };
  });
}
