import { createHash, randomBytes } from 'node:crypto';
import { parse as parseCookies } from 'cookie';
import type { Request } from 'express';
import * as client from 'openid-client';
import { z } from 'zod';
import { ConfigError, type Config, type Language } from '@complaints/shared';
import { USER_ROLES, type AccountModels, type OidcLoginDoc, type UserDoc, type UserRole } from './accountModels';
import type { Logger } from './logger';
import { endUserSessions } from './sessions';

// Single sign-on with the company's identity provider (OpenID Connect): staff of a large network sign
// in with their company account, and the company directory says who they are. Authorization code with
// PKCE, state and nonce (openid-client). A company account becomes a user record marked `source:
// 'oidc'`, without a password, made or brought up to date at every sign-in from the claims the
// provider sends; the session that follows is the same server-side session as a password sign-in.
//
// Decisions, in the operators' words:
// - The company directory decides role, dealer and region: a change there ends the user's older
//   sessions at its next sign-in (as any change to an account does).
// - A person whose role claim names no role of this system, or names two, a dealer without a dealer
//   code, a regional manager without a region, and an account an operator deactivated here, is
//   refused with a page saying so, and gets no session.
// - A user an operator added with a password, whose username the company account also carries, is the
//   same person: single sign-on updates its role and scope from the directory and keeps its password,
//   so that the password still signs in (e.g. while the provider is down). Once a company identity
//   has signed in as a username, no other company identity may.

/** How long a browser may take at the provider, from the click to the callback. */
export const OIDC_LOGIN_MINUTES = 10;
/** The cookie that ties the callback to the browser that started the sign-in. */
export const OIDC_COOKIE = 'complaints_oidc';

/** The value of the browser's single sign-on cookie, if it sent one. */
export function oidcCookieOf(req: Request): string | undefined {
  return req.headers.cookie ? parseCookies(req.headers.cookie)[OIDC_COOKIE] || undefined : undefined;
}

const claimsMapSchema = z
  .object({
    /** The claim holding the username (lower-cased): what `user deactivate` names. */
    username: z.string().min(1).default('preferred_username'),
    name: z.string().min(1).default('name'),
    /** A locale such as `en-US` or `zh-CN`: the pages' language. */
    language: z.string().min(1).default('locale'),
    /** The claim holding the role: a string or a list of strings (e.g. `realm_access.roles`). */
    role: z.string().min(1).default('role'),
    /** The provider's role names → this system's; unset, the claim must hold this system's names. */
    roles: z.record(z.string(), z.enum(USER_ROLES)).optional(),
    dealer: z.string().min(1).default('dealer_code'),
    region: z.string().min(1).default('region'),
  })
  .strict();
export type OidcClaimsMap = z.infer<typeof claimsMapSchema>;

export interface OidcSettings {
  issuer: URL;
  clientId: string;
  clientSecret?: string;
  redirectUri: string;
  scopes: string;
  claims: OidcClaimsMap;
}

/** The single sign-on settings, or undefined when OIDC_ISSUER is unset; a ConfigError naming the variable when they are wrong. */
export function oidcSettings(config: Config): OidcSettings | undefined {
  if (!config.OIDC_ISSUER) return undefined;
  const problems: string[] = [];
  if (!config.OIDC_CLIENT_ID) problems.push('OIDC_CLIENT_ID: is required with OIDC_ISSUER');
  let claims: OidcClaimsMap = claimsMapSchema.parse({});
  if (config.OIDC_CLAIMS) {
    let json: unknown;
    try {
      json = JSON.parse(config.OIDC_CLAIMS);
    } catch {
      problems.push('OIDC_CLAIMS: is not valid JSON');
    }
    if (json !== undefined) {
      const parsed = claimsMapSchema.safeParse(json);
      if (parsed.success) claims = parsed.data;
      else problems.push(...parsed.error.issues.map((issue) => `OIDC_CLAIMS: ${issue.path.join('.') || '(whole)'}: ${issue.message}`));
    }
  }
  if (!config.OIDC_SCOPES.split(/\s+/).includes('openid')) problems.push('OIDC_SCOPES: must include openid');
  if (problems.length) throw new ConfigError(problems);
  return {
    issuer: new URL(config.OIDC_ISSUER),
    clientId: config.OIDC_CLIENT_ID!,
    ...(config.OIDC_CLIENT_SECRET && { clientSecret: config.OIDC_CLIENT_SECRET }),
    redirectUri: config.OIDC_REDIRECT_URI ?? `${config.PUBLIC_BASE_URL.replace(/\/$/, '')}/login/oidc/callback`,
    scopes: config.OIDC_SCOPES,
    claims,
  };
}

/** Why a single sign-on was refused: the sign-in page words each for the person. */
export type OidcRefusal = 'failed' | 'unavailable' | 'no_username' | 'unknown_role' | 'ambiguous_role' | 'no_dealer' | 'no_region' | 'inactive' | 'taken';

export class OidcRefused extends Error {
  constructor(
    readonly reason: OidcRefusal,
    readonly language: Language,
    detail: string,
  ) {
    super(detail);
    this.name = 'OidcRefused';
  }
}

/** Who the claims say the person is, in this system's terms. */
export interface CompanyIdentity {
  username: string;
  displayName: string;
  role: UserRole;
  dealerCode?: string;
  region?: string;
  language?: Language;
}

// Wider than an operator's usernames: company accounts are often e-mail addresses.
const OIDC_USERNAME = /^[a-z0-9][a-z0-9._@-]{1,99}$/;

function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (path in claims) return claims[path];
  return path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), claims);
}
const stringsOf = (value: unknown): string[] => (typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
const firstString = (value: unknown) => stringsOf(value).map((v) => v.trim()).find(Boolean);

/** The claims mapped by OIDC_CLAIMS, or the reason they do not make a user of this system. */
export function identityOf(claims: Record<string, unknown>, map: OidcClaimsMap): CompanyIdentity | { refused: OidcRefusal; detail: string } {
  const username = firstString(claimAt(claims, map.username))?.toLowerCase();
  if (!username || !OIDC_USERNAME.test(username)) return { refused: 'no_username', detail: `claim ${map.username} holds no usable username` };
  const values = stringsOf(claimAt(claims, map.role));
  const known = (value: string): UserRole | undefined => (map.roles ? (Object.hasOwn(map.roles, value) ? map.roles[value] : undefined) : (USER_ROLES as readonly string[]).includes(value) ? (value as UserRole) : undefined);
  const roles = [...new Set(values.map(known).filter((r): r is UserRole => r !== undefined))];
  if (roles.length === 0) return { refused: 'unknown_role', detail: `claim ${map.role} names no role of this system` };
  if (roles.length > 1) return { refused: 'ambiguous_role', detail: `claim ${map.role} names several roles (${roles.join(', ')})` };
  const role = roles[0]!;
  const dealerCode = role === 'dealer' ? firstString(claimAt(claims, map.dealer)) : undefined;
  const region = role === 'regional_manager' ? firstString(claimAt(claims, map.region)) : undefined;
  if (role === 'dealer' && !dealerCode) return { refused: 'no_dealer', detail: `a dealer without claim ${map.dealer}` };
  if (role === 'regional_manager' && !region) return { refused: 'no_region', detail: `a regional manager without claim ${map.region}` };
  const locale = firstString(claimAt(claims, map.language))?.toLowerCase();
  const language: Language | undefined = locale?.startsWith('en') ? 'en' : locale?.startsWith('zh') ? 'zh' : undefined;
  return { username, displayName: firstString(claimAt(claims, map.name)) ?? username, role, ...(dealerCode && { dealerCode }), ...(region && { region }), ...(language && { language }) };
}

/**
 * Makes or brings up to date the user of a company identity (`subject`: issuer and `sub`), ending its
 * older sessions when its role, dealer or region changed; the user, or why it may not sign in.
 */
export async function upsertCompanyUser(models: AccountModels, identity: CompanyIdentity, subject: string): Promise<UserDoc | { refused: OidcRefusal; detail: string }> {
  const existing = await models.User.findById(identity.username).lean<UserDoc>();
  if (existing?.oidcSubject && existing.oidcSubject !== subject) return { refused: 'taken', detail: 'the username belongs to another company identity' };
  // A password account is never joined by username: two people may share one (pinyin names
  // collide), and the company directory would otherwise give the password's owner its role. Only a
  // company account an operator prepared (user add for single sign-on) is taken over at its first
  // company sign-in.
  if (existing && existing.source !== 'oidc') return { refused: 'taken', detail: 'a password account has this username' };
  if (existing && !existing.active) return { refused: 'inactive', detail: 'the user is deactivated' };
  if (!existing) {
    try {
      await models.User.create({ _id: identity.username, displayName: identity.displayName, role: identity.role, dealerCode: identity.dealerCode, region: identity.region, language: identity.language ?? 'zh', active: true, source: 'oidc', oidcSubject: subject });
    } catch (error) {
      // Two first sign-ins at once: the other made the user; sign in as it.
      if ((error as { code?: number }).code !== 11000) throw error;
      return upsertCompanyUser(models, identity, subject);
    }
  } else {
    const set: Record<string, unknown> = { displayName: identity.displayName, role: identity.role, oidcSubject: subject };
    const unset: Record<string, 1> = {};
    if (identity.language) set.language = identity.language;
    if (identity.dealerCode) set.dealerCode = identity.dealerCode;
    else unset.dealerCode = 1;
    if (identity.region) set.region = identity.region;
    else unset.region = 1;
    await models.User.updateOne({ _id: identity.username }, Object.keys(unset).length ? { $set: set, $unset: unset } : { $set: set });
    const moved = existing.role !== identity.role || (existing.dealerCode ?? undefined) !== identity.dealerCode || (existing.region ?? undefined) !== identity.region;
    if (moved) await endUserSessions(models, identity.username);
  }
  return (await models.User.findById(identity.username).lean<UserDoc>())!;
}

export interface OidcLogin {
  /** Starts a sign-in: the provider's address to send the browser to, and the cookie value that ties the callback to this browser. */
  begin(language: Language, now: Date): Promise<{ url: URL; cookie: string }>;
  /**
   * Finishes it from the callback's query string: the user to start a session for and the pages'
   * language; throws OidcRefused (no session) otherwise.
   */
  finish(cookie: string | undefined, query: string, now: Date): Promise<{ user: UserDoc; language: Language }>;
}

const digest = (value: string) => createHash('sha256').update(value).digest('hex');

export function createOidcLogin(settings: OidcSettings, models: AccountModels, logger?: Logger): OidcLogin {
  // The provider's metadata, read once and again after a failure (the provider was down at start-up).
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = () =>
    (discovered ??= client
      .discovery(settings.issuer, settings.clientId, undefined, settings.clientSecret ? client.ClientSecretBasic(settings.clientSecret) : client.None(), {
        // A provider inside the deployment's own network may speak plain HTTP (docs/production.md).
        ...(settings.issuer.protocol === 'http:' && { execute: [client.allowInsecureRequests] }),
      })
      .catch((error: unknown) => {
        discovered = undefined;
        throw error;
      }));

  return {
    async begin(language, now) {
      let config: client.Configuration;
      try {
        config = await configuration();
      } catch (error) {
        logger?.warn({ issuer: settings.issuer.href, error: (error as Error).message }, 'single sign-on: the provider’s metadata could not be read');
        throw new OidcRefused('unavailable', language, 'the provider could not be reached');
      }
      const cookie = randomBytes(32).toString('base64url');
      const codeVerifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      // Sign-ins abandoned at the provider are swept by the next one that starts.
      await models.OidcLogin.deleteMany({ createdAt: { $lt: new Date(now.getTime() - OIDC_LOGIN_MINUTES * 60_000) } });
      await models.OidcLogin.create({ _id: digest(cookie), state, nonce, codeVerifier, language, createdAt: now });
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUri,
        scope: settings.scopes,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        ...(language === 'en' ? { ui_locales: 'en' } : { ui_locales: 'zh-CN' }),
      });
      return { url, cookie };
    },

    async finish(cookie, query, now) {
      // Used once: a replayed callback finds nothing.
      const pending = cookie ? await models.OidcLogin.findOneAndDelete({ _id: digest(cookie) }).lean<OidcLoginDoc>() : null;
      const language: Language = pending?.language === 'en' ? 'en' : 'zh';
      if (!pending) throw new OidcRefused('failed', language, 'no sign-in under way in this browser');
      if (now.getTime() - pending.createdAt.getTime() > OIDC_LOGIN_MINUTES * 60_000) throw new OidcRefused('failed', language, 'the sign-in took too long');
      let config: client.Configuration;
      try {
        config = await configuration();
      } catch {
        throw new OidcRefused('unavailable', language, 'the provider could not be reached');
      }
      const current = new URL(settings.redirectUri);
      current.search = query;
      let claims: Record<string, unknown>;
      try {
        const tokens = await client.authorizationCodeGrant(config, current, { pkceCodeVerifier: pending.codeVerifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true });
        claims = { ...tokens.claims()! };
        // Many providers put the directory's claims in the userinfo answer only, not in the ID token.
        if ((claimAt(claims, settings.claims.role) === undefined || claimAt(claims, settings.claims.username) === undefined) && config.serverMetadata().userinfo_endpoint)
          claims = { ...(await client.fetchUserInfo(config, tokens.access_token, claims.sub as string)), ...claims };
      } catch (error) {
        // The provider's error, a state or nonce that does not match, a code already used: never the tokens.
        logger?.warn({ error: (error as Error).name, code: (error as { code?: string }).code }, 'single sign-on refused: the provider’s answer did not verify');
        throw new OidcRefused('failed', language, 'the provider’s answer did not verify');
      }
      const identity = identityOf(claims, settings.claims);
      if ('refused' in identity) {
        logger?.warn({ reason: identity.refused }, 'single sign-on refused');
        throw new OidcRefused(identity.refused, language, identity.detail);
      }
      const user = await upsertCompanyUser(models, identity, `${String(claims.iss)} ${String(claims.sub)}`);
      if ('refused' in user) {
        logger?.warn({ username: identity.username, reason: user.refused }, 'single sign-on refused');
        throw new OidcRefused(user.refused, identity.language ?? language, user.detail);
      }
      logger?.info({ username: user._id, role: user.role }, 'signed in by single sign-on');
      return { user, language: identity.language ?? language };
    },
  };
}
