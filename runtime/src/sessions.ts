import { createHash, randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { parse as parseCookies } from 'cookie';
import type { AccountModels, SessionDoc, UserDoc } from './accountModels';
import type { Principal } from './auth';

// Server-side sessions of signed-in staff, in MongoDB, read by intake and reporting alike: the
// cookie carries only a random id; the session ends at sign-out, after an idle while, after an
// absolute lifetime, and at once when the account's role, dealer, region or password changes.

export const SESSION_COOKIE = 'complaints_session';

export interface SessionSettings {
  /** Minutes without a request after which a session ends. */
  idleMinutes: number;
  /** Hours after sign-in after which a session ends, however busy. */
  absoluteHours: number;
}

export interface SignedIn {
  session: SessionDoc;
  user: UserDoc;
}

const digest = (value: string) => createHash('sha256').update(value).digest('hex');

/** Starts a session for `username`; returns the cookie's value (shown once, stored only as a digest). */
export async function startSession(models: AccountModels, username: string, now: Date): Promise<{ cookie: string; csrfToken: string }> {
  const cookie = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  await models.Session.create({ _id: digest(cookie), username, createdAt: now, lastSeenAt: now, csrfToken });
  return { cookie, csrfToken };
}

export async function endSession(models: AccountModels, cookie: string): Promise<void> {
  await models.Session.deleteOne({ _id: digest(cookie) });
}

/** Ends every session of `username`: its access changed, or it was deactivated. */
export async function endUserSessions(models: AccountModels, username: string): Promise<void> {
  await models.Session.deleteMany({ username });
}

export function sessionCookieOf(req: Request): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  return parseCookies(header)[SESSION_COOKIE] || undefined;
}

/** The live session of a request's cookie and its active user, touching it; undefined (and the session deleted) when it has expired. */
export async function currentSession(models: AccountModels, settings: SessionSettings, req: Request, now: Date): Promise<SignedIn | undefined> {
  const cookie = sessionCookieOf(req);
  if (!cookie) return undefined;
  const id = digest(cookie);
  const session = await models.Session.findById(id).lean<SessionDoc>();
  if (!session) return undefined;
  const idleSince = now.getTime() - session.lastSeenAt.getTime();
  const age = now.getTime() - session.createdAt.getTime();
  if (idleSince > settings.idleMinutes * 60_000 || age > settings.absoluteHours * 3_600_000) {
    await models.Session.deleteOne({ _id: id });
    return undefined;
  }
  const user = await models.User.findById(session.username).lean<UserDoc>();
  if (!user || !user.active) {
    await models.Session.deleteOne({ _id: id });
    return undefined;
  }
  await models.Session.updateOne({ _id: id }, { $set: { lastSeenAt: now } });
  return { session: { ...session, lastSeenAt: now }, user };
}

/** The principal a user acts as (SPEC §8's claims), its username as `sub`. */
/** What `GET /api/session` answers (intake and reporting alike): who is signed in, and the CSRF token for the page's own writes. */
export function sessionView({ user, session }: SignedIn) {
  return {
    username: user._id,
    displayName: user.displayName,
    role: user.role,
    dealerCode: user.dealerCode ?? undefined,
    region: user.region ?? undefined,
    language: user.language,
    mustChangePassword: user.mustChangePassword,
    csrfToken: session.csrfToken,
  };
}

export function principalOf(user: UserDoc): Principal | undefined {
  const sub = user._id;
  switch (user.role) {
    case 'dealer':
      return user.dealerCode ? { sub, role: 'dealer', dealerCode: user.dealerCode } : undefined;
    case 'regional_manager':
      return user.region ? { sub, role: 'regional_manager', region: user.region } : undefined;
    default:
      return { sub, role: user.role };
  }
}

/**
 * The hook for createAuth's `session` option: the principal of a request's session cookie, or
 * undefined (no cookie, expired, or a user who must first change a one-time password).
 */
export function sessionPrincipal(models: AccountModels, settings: SessionSettings, now: () => Date = () => new Date()) {
  return async (req: Request): Promise<Principal | undefined> => {
    const signedIn = await currentSession(models, settings, req, now());
    if (!signedIn || signedIn.user.mustChangePassword) return undefined;
    return principalOf(signedIn.user);
  };
}
