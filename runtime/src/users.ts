import type { AccountModels, UserDoc, UserRole } from './accountModels';
import { hashPassword, passwordProblem } from './passwords';
import { endUserSessions } from './sessions';

// Managing accounts (the CLI, the first coordinator at start-up). Any change to who a user is or
// what it may reach ends its sessions at once: the next request signs in again under the new terms.

export interface NewUser {
  username: string;
  displayName?: string;
  role: UserRole;
  dealerCode?: string;
  region?: string;
  language?: 'zh' | 'en';
  password: string;
  /** A one-time password that must be changed at the first sign-in. */
  mustChangePassword?: boolean;
}

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,63}$/;

export function scopeProblem(role: UserRole, dealerCode?: string, region?: string): string | undefined {
  if (role === 'dealer' && !dealerCode) return 'a dealer needs --dealer <code>';
  if (role === 'regional_manager' && !region) return 'a regional manager needs --region <region>';
  if (role !== 'dealer' && dealerCode) return `--dealer is only for the dealer role, not ${role}`;
  if (role !== 'regional_manager' && region) return `--region is only for the regional_manager role, not ${role}`;
  return undefined;
}

export async function addUser(models: AccountModels, user: NewUser): Promise<void> {
  await createAccount(models, user, async () => {
    const problem = passwordProblem(user.password, user.username);
    if (problem) throw new Error(problem);
    return { passwordHash: await hashPassword(user.password), mustChangePassword: user.mustChangePassword ?? false };
  }, ' (use user reset)');
}

/** The checks and the record every new account has in common; `signIn` is how it proves who it is. */
async function createAccount(
  models: AccountModels,
  user: Omit<NewUser, 'password' | 'mustChangePassword'>,
  credentials: () => Promise<{ passwordHash: string; mustChangePassword: boolean } | { source: 'oidc' }>,
  hint = '',
): Promise<void> {
  if (!USERNAME_PATTERN.test(user.username)) throw new Error('--username must be 2–64 lower-case letters, digits, dots, hyphens or underscores');
  const scope = scopeProblem(user.role, user.dealerCode, user.region);
  if (scope) throw new Error(scope);
  const signIn = await credentials();
  if (await models.User.exists({ _id: user.username })) throw new Error(`user ${user.username} already exists${hint}`);
  await models.User.create({
    _id: user.username,
    displayName: user.displayName ?? user.username,
    role: user.role,
    dealerCode: user.dealerCode,
    region: user.region,
    language: user.language ?? 'zh',
    active: true,
    mustChangePassword: false,
    ...signIn,
  });
}

/** Changes a user's role, scope, password or active flag, and ends its sessions. */
export async function changeUser(
  models: AccountModels,
  username: string,
  change: { role?: UserRole; dealerCode?: string | null; region?: string | null; password?: string; active?: boolean; mustChangePassword?: boolean },
): Promise<void> {
  const user = await models.User.findById(username).lean<UserDoc>();
  if (!user) throw new Error(`no user ${username}`);
  const role = change.role ?? user.role;
  const dealerCode = change.dealerCode === undefined ? (user.dealerCode ?? undefined) : (change.dealerCode ?? undefined);
  const region = change.region === undefined ? (user.region ?? undefined) : (change.region ?? undefined);
  const scope = scopeProblem(role, dealerCode, region);
  if (scope) throw new Error(scope);
  const set: Record<string, unknown> = { role };
  const unset: Record<string, 1> = {};
  if (dealerCode) set.dealerCode = dealerCode;
  else unset.dealerCode = 1;
  if (region) set.region = region;
  else unset.region = 1;
  if (change.password !== undefined) {
    const problem = passwordProblem(change.password, username);
    if (problem) throw new Error(problem);
    set.passwordHash = await hashPassword(change.password);
    set.mustChangePassword = change.mustChangePassword ?? false;
  }
  if (change.active !== undefined) set.active = change.active;
  await models.User.updateOne({ _id: username }, Object.keys(unset).length ? { $set: set, $unset: unset } : { $set: set });
  await endUserSessions(models, username);
}

/**
 * Adds an account that signs in only by the company's single sign-on (OIDC): no password; its role
 * and scope are brought up to date from the company directory at each sign-in.
 */
export async function addCompanyUser(models: AccountModels, user: Omit<NewUser, 'password' | 'mustChangePassword'>): Promise<void> {
  await createAccount(models, user, async () => ({ source: 'oidc' as const }));
}
