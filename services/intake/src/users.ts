import express, { type RequestHandler, type Response, type Router } from 'express';
import { z } from 'zod';
import type { Models } from '@complaints/activities';
import {
  addCompanyUser,
  addUser,
  changeUser,
  HttpError,
  invalidFields,
  jsonBody,
  notFound,
  oneTimePassword,
  passwordProblem,
  scopeProblem,
  unknownDealer,
  USER_ROLES,
  USERNAME_PATTERN,
  type AccountModels,
  type Auth,
  type Logger,
  type UserDoc,
  type UserRole,
  requireSignedIn,
} from '@complaints/runtime';

// The coordinator administers the staff who sign in (the console's users page): adds an account
// with a one-time password, changes its name, language, role or scope, deactivates it, resets its
// password. The rules — usernames, scope per role, passwords, sessions ended on any change of who a
// user is or what it may reach — are runtime's (runtime/src/users.ts), shared with the CLI.
//
// A one-time password is shown once, to the coordinator who asked for it, and kept nowhere in the
// clear: not in the log, and not in the answer kept for a repeated submission (a repeat answers the
// status alone; a coordinator who lost the password resets it again).

const LANGUAGES = ['zh', 'en'] as const;

/** runtime's scope rule (scopeProblem, whose words name the CLI's flags) with the field the console shows it beside. */
function scopeIssue(role: UserRole, dealerCode: string | undefined, region: string | undefined): { path: string[]; message: string } | undefined {
  const problem = scopeProblem(role, dealerCode, region);
  if (!problem) return undefined;
  const field = problem.includes('dealer') ? 'dealerCode' : 'region';
  const message = problem.includes(' needs ') ? `is required for the ${role} role` : `is only for the ${field === 'dealerCode' ? 'dealer' : 'regional_manager'} role, not ${role}`;
  return { path: [field], message };
}
const roleEnum = z.enum(USER_ROLES, { message: `must be one of ${USER_ROLES.join(', ')}` });
const languageEnum = z.enum(LANGUAGES, { message: 'must be zh or en' });
const displayName = z.string().trim().min(1, 'is required').max(100, 'must have at most 100 characters');
const scopeCode = z.string().trim().min(1, 'is required').max(50);

export const newUserSchema = z
  .object({
    username: z.string().trim().toLowerCase().regex(USERNAME_PATTERN, 'must be 2–64 lower-case letters, digits, dots, hyphens or underscores'),
    displayName: displayName.optional(),
    role: roleEnum,
    dealerCode: scopeCode.optional(),
    region: scopeCode.optional(),
    language: languageEnum.default('zh'),
    signIn: z.enum(['password', 'oidc'], { message: 'must be password or oidc' }).default('password').meta({ description: '`oidc`: signs in only by the company’s single sign-on, no password' }),
  })
  .strict()
  .superRefine((user, ctx) => {
    const problem = scopeIssue(user.role, user.dealerCode, user.region);
    if (problem) ctx.addIssue({ code: 'custom', ...problem });
  })
  .meta({ id: 'NewUser' });

export const userChangeSchema = z
  .object({
    displayName: displayName.optional(),
    role: roleEnum.optional(),
    dealerCode: scopeCode.nullable().optional(),
    region: scopeCode.nullable().optional(),
    language: languageEnum.optional(),
    active: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'UserChange' });

export const userListQuerySchema = z
  .object({
    role: roleEnum.optional(),
    dealerCode: z.string().trim().max(50).optional(),
    region: z.string().trim().max(50).optional(),
    active: z.enum(['true', 'false']).optional(),
    q: z.string().trim().max(100).optional(),
    sort: z.enum(['username', '-username', 'role', '-role', 'updatedAt', '-updatedAt']).default('username'),
    page: z.coerce.number().int().min(1).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export const userSchema = z
  .object({
    username: z.string(),
    displayName: z.string(),
    role: z.enum(USER_ROLES),
    dealerCode: z.string().optional(),
    region: z.string().optional(),
    language: z.enum(LANGUAGES),
    active: z.boolean(),
    mustChangePassword: z.boolean(),
    signIn: z.enum(['password', 'oidc']),
    createdAt: z.string().optional(),
    updatedAt: z.string().optional(),
  })
  .meta({ id: 'User' });
export const userListSchema = z.object({ items: z.array(userSchema), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() }).meta({ id: 'Users' });
export const newUserAnswerSchema = z
  .object({ user: userSchema, oneTimePassword: z.string().optional().meta({ description: 'Shown this once; to be changed at the first sign-in. None for a single sign-on user; a repeated submission answers without it.' }) })
  .meta({ id: 'NewUserAnswer' });
export const resetAnswerSchema = z.object({ username: z.string(), oneTimePassword: z.string() }).meta({ id: 'PasswordReset' });

/** Every field at fault at once: the scope too, even when another field is wrong (zod checks it only on an otherwise valid user). */
function parseNewUser(body: unknown): z.output<typeof newUserSchema> {
  const parsed = newUserSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const role = roleEnum.safeParse(raw.role);
  const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value : undefined);
  const scope = role.success ? scopeIssue(role.data, text(raw.dealerCode), text(raw.region)) : undefined;
  if (scope && !details.some((d) => d.path === scope.path[0])) details.push({ path: scope.path.join('.'), message: scope.message });
  throw invalidFields(details);
}

type StoredUser = UserDoc & { createdAt?: Date; updatedAt?: Date };

/** A user as the console shows it: never its password hash. */
export function userView(user: StoredUser): z.infer<typeof userSchema> {
  return {
    username: user._id,
    displayName: user.displayName,
    role: user.role as UserRole,
    ...(user.dealerCode && { dealerCode: user.dealerCode }),
    ...(user.region && { region: user.region }),
    language: (user.language ?? 'zh') as 'zh' | 'en',
    active: user.active !== false,
    mustChangePassword: user.mustChangePassword === true,
    signIn: user.source === 'oidc' ? 'oidc' : 'password',
    ...(user.createdAt && { createdAt: new Date(user.createdAt).toISOString() }),
    ...(user.updatedAt && { updatedAt: new Date(user.updatedAt).toISOString() }),
  };
}

/** A one-time password runtime's rules accept for this user (a random one that contains the username is drawn again). */
function freshPassword(username: string): string {
  for (;;) {
    const password = oneTimePassword();
    if (!passwordProblem(password, username)) return password;
  }
}

/** Sends an answer that carries a secret without letting the idempotency record keep it: a repeat gets the status alone. */
function sendSecret(res: Response, status: number, body: unknown): void {
  res.status(status).type('application/json').set('cache-control', 'no-store').send(JSON.stringify(body));
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function userRoutes(deps: { auth: Auth; accounts: AccountModels; models: Models; idempotent: RequestHandler; logger: Logger }): Router {
  const { accounts, models } = deps;
  const router = express.Router();
  const coordinator = deps.auth.requireRole(['coordinator']);

  /** The dealer and region a user is scoped to must be in the directory (a typo would sign in to nothing). */
  async function checkScope(role: UserRole, dealerCode: string | undefined, region: string | undefined) {
    const problem = scopeIssue(role, dealerCode, region);
    if (problem) throw invalidFields([{ path: problem.path.join('.'), message: problem.message }]);
    if (dealerCode && !(await models.Dealer.exists({ _id: dealerCode }))) throw unknownDealer(dealerCode);
    if (region && !(await models.Region.exists({ _id: region }))) throw invalidFields([{ path: 'region', message: `region ${region} is not in the directory` }]);
  }

  router.get('/api/users', coordinator, async (req, res) => {
    const query = userListQuerySchema.parse(req.query);
    const filter: Record<string, unknown> = {};
    if (query.role) filter.role = query.role;
    if (query.dealerCode) filter.dealerCode = query.dealerCode;
    if (query.region) filter.region = query.region;
    if (query.active) filter.active = query.active === 'true';
    if (query.q) {
      const pattern = new RegExp(escapeRegex(query.q), 'i');
      filter.$or = [{ _id: pattern }, { displayName: pattern }];
    }
    const field = query.sort.replace(/^-/, '');
    const direction = query.sort.startsWith('-') ? -1 : 1;
    const sort: Record<string, 1 | -1> = field === 'username' ? { _id: direction } : { [field]: direction, _id: 1 };
    const [total, users] = await Promise.all([
      accounts.User.countDocuments(filter),
      accounts.User.find(filter, { passwordHash: 0 })
        .sort(sort)
        .skip((query.page - 1) * query.pageSize)
        .limit(query.pageSize)
        .lean<StoredUser[]>(),
    ]);
    res.set('cache-control', 'no-store').json({ items: users.map(userView), total, page: query.page, pageSize: query.pageSize });
  });

  router.post('/api/users', coordinator, requireSignedIn, jsonBody(), deps.idempotent, async (req, res) => {
    const user = parseNewUser(req.body ?? {});
    await checkScope(user.role, user.dealerCode, user.region);
    if (await accounts.User.exists({ _id: user.username })) throw new HttpError(409, 'conflict', `user ${user.username} already exists`, [{ path: 'username', message: 'is taken' }]);
    const { signIn, ...fields } = user;
    const password = signIn === 'password' ? freshPassword(user.username) : undefined;
    try {
      if (password) await addUser(accounts, { ...fields, password, mustChangePassword: true });
      else await addCompanyUser(accounts, fields);
    } catch (error) {
      // Two coordinators adding the same username at once: the second meets the unique username.
      if (/already exists/.test((error as Error).message) || (error as { code?: number }).code === 11000) throw new HttpError(409, 'conflict', `user ${user.username} already exists`, [{ path: 'username', message: 'is taken' }]);
      throw error;
    }
    deps.logger.info({ username: user.username, role: user.role, by: req.principal!.sub }, 'user added');
    const stored = await accounts.User.findById(user.username, { passwordHash: 0 }).lean<StoredUser>();
    sendSecret(res, 201, { user: userView(stored!), ...(password && { oneTimePassword: password }) });
  });

  router.patch('/api/users/:username', coordinator, requireSignedIn, jsonBody(), deps.idempotent, async (req, res) => {
    const username = String(req.params.username);
    const change = userChangeSchema.parse(req.body ?? {});
    const user = await accounts.User.findById(username).lean<StoredUser>();
    if (!user) throw notFound('user');
    const role = change.role ?? (user.role as UserRole);
    // A new role drops the scope it does not have, unless the change names one.
    const dealerCode = change.dealerCode !== undefined ? (change.dealerCode ?? undefined) : role === 'dealer' ? (user.dealerCode ?? undefined) : undefined;
    const region = change.region !== undefined ? (change.region ?? undefined) : role === 'regional_manager' ? (user.region ?? undefined) : undefined;
    const reaches = role !== user.role || dealerCode !== (user.dealerCode ?? undefined) || region !== (user.region ?? undefined);
    const deactivates = change.active !== undefined && change.active !== (user.active !== false);
    if (username === req.principal!.sub && (role !== user.role || change.active === false)) {
      throw new HttpError(409, 'conflict', 'you cannot change the role of, or deactivate, your own account; ask another coordinator', [{ path: change.active === false ? 'active' : 'role', message: 'is your own account' }]);
    }
    if (reaches) await checkScope(role, dealerCode, region);
    const plain: Record<string, unknown> = {};
    if (change.displayName !== undefined) plain.displayName = change.displayName;
    if (change.language !== undefined) plain.language = change.language;
    if (Object.keys(plain).length) await accounts.User.updateOne({ _id: username }, { $set: plain });
    // Who a user is or what it may reach: runtime's changeUser, which ends its sessions.
    if (reaches || deactivates) await changeUser(accounts, username, { role, dealerCode: dealerCode ?? null, region: region ?? null, ...(change.active !== undefined && { active: change.active }) });
    if (reaches || deactivates) deps.logger.info({ username, role, active: change.active, by: req.principal!.sub }, 'user changed; its sessions ended');
    const stored = await accounts.User.findById(username, { passwordHash: 0 }).lean<StoredUser>();
    res.json(userView(stored!));
  });

  router.post('/api/users/:username/reset', coordinator, requireSignedIn, jsonBody(), deps.idempotent, async (req, res) => {
    const username = String(req.params.username);
    z.object({}).strict().parse(req.body ?? {});
    const user = await accounts.User.findById(username, { source: 1 }).lean<StoredUser>();
    if (!user) throw notFound('user');
    if (user.source === 'oidc') throw new HttpError(409, 'conflict', `${username} signs in by single sign-on and has no password here`, [{ path: 'username', message: 'signs in by single sign-on' }]);
    const password = freshPassword(username);
    await changeUser(accounts, username, { password, mustChangePassword: true });
    deps.logger.info({ username, by: req.principal!.sub }, 'password reset; its sessions ended');
    sendSecret(res, 200, { username, oneTimePassword: password });
  });

  return router;
}
