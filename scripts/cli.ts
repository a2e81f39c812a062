// Ops CLI: `npm run -s cli -- <command>`. Rules (calendars, policies) come from the database when
// MONGO_URL is set, else from the files shipped in shared/calendars and shared/policies.
//
//   deadline --received <ISO 8601> --category <category> [--kind <kind>] [--channel <channel>] [--dispatched <ISO 8601>]
//   calendar list | calendar validate <file> | calendar load <file>
//   policy list   | policy validate <file>   | policy load <file>
//   token --role <role> [--dealer <code>] [--region <code>] [--sub <name>] [--days <n>, at most 90 (hotline 366)] [--audience <intake|reporting|intake,reporting>] [--json]
//   retention run --as-of <YYYY-MM-DD> [--dry-run]
//   scorecard rebuild --month <YYYY-MM>
//   user add | reset | deactivate (scripts/users.ts)
import os from 'node:os';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { z } from 'zod';
import { CATEGORIES, CHANNELS, KINDS, ROLES, WorkingCalendar, beijingDate, computeDeadlines, monthSchema, policyInForce, type CalendarYear, type Policy } from '@complaints/shared';
import { RulesFileError, readCalendarFile, readPolicyFile, shippedCalendars, shippedPolicies } from '@complaints/runtime/src/rules';
import { issueToken, MAX_TOKEN_DAYS, TOKEN_AUDIENCES, tokenRequestSchema } from '@complaints/runtime';
import { savedSecrets } from './lib/stack';
import { USER_USAGE, userCommand } from './users';
import { WHAT_IF_USAGE, whatIfCommand } from './whatIf';
import { createModels, loadCalendars, loadPolicies, rebuildMonthAggregates, runRetention, saveCalendar, savePolicy, seedRules, type Models } from '@complaints/activities';

class UsageError extends Error {}

const USAGE = `usage:
  cli deadline --received <ISO 8601 with offset> --category <${CATEGORIES.join('|')}> [--kind <${KINDS.join('|')}>] [--channel <channel>] [--dispatched <ISO 8601>]
  cli calendar list | calendar validate <file> | calendar load <file>
  cli policy list | policy validate <file> | policy load <file>
  cli token --role <${ROLES.join('|')}> [--dealer <code>] [--region <code>] [--sub <name>] [--days <n>, at most 90 (hotline 366)] [--audience <intake|reporting|intake,reporting>] [--json]
  cli retention run --as-of <YYYY-MM-DD> [--dry-run]
  cli scorecard rebuild --month <YYYY-MM>
${USER_USAGE}
${WHAT_IF_USAGE}
Rules come from the database when MONGO_URL is set, else from the shipped files.`;

async function withDatabase<T>(fn: (models: Models) => Promise<T>): Promise<T> {
  const url = process.env.MONGO_URL;
  if (!url) throw new UsageError('MONGO_URL is not set: loading into the database needs it (e.g. mongodb://127.0.0.1:27017/complaints)');
  const conn = await mongoose.createConnection(url, { serverSelectionTimeoutMS: 5000 }).asPromise();
  try {
    const models = createModels(conn);
    await seedRules(models);
    return await fn(models);
  } finally {
    await conn.close();
  }
}

async function rules(): Promise<{ calendars: CalendarYear[]; policies: Policy[]; source: 'database' | 'files' }> {
  if (!process.env.MONGO_URL) return { calendars: shippedCalendars(), policies: shippedPolicies(), source: 'files' };
  return withDatabase(async (models) => ({ calendars: await loadCalendars(models), policies: await loadPolicies(models), source: 'database' as const }));
}

function option<T extends string>(values: Record<string, unknown>, name: string, schema: z.ZodType<T>, required: boolean): T | undefined {
  const value = values[name];
  if (value === undefined) {
    if (required) throw new UsageError(`--${name} is required`);
    return undefined;
  }
  const result = schema.safeParse(value);
  if (!result.success) throw new UsageError(`--${name}: ${result.error.issues[0]!.message} (got ${JSON.stringify(value)})`);
  return result.data;
}

const isoDateTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with offset, e.g. 2026-11-23T16:31:00+08:00' });
const oneOf = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { message: `must be one of ${values.join(', ')}` });

async function deadline(args: string[]) {
  const { values } = parseArgs({
    args,
    options: { received: { type: 'string' }, category: { type: 'string' }, kind: { type: 'string' }, channel: { type: 'string' }, dispatched: { type: 'string' } },
    strict: true,
  });
  const receivedAt = option(values, 'received', isoDateTime, true)!;
  const category = option(values, 'category', oneOf(CATEGORIES), true)!;
  const kind = option(values, 'kind', oneOf(KINDS), false) ?? 'complaint';
  const channel = option(values, 'channel', oneOf(CHANNELS), false);
  const dispatchedAt = option(values, 'dispatched', isoDateTime, false);
  const { calendars, policies, source } = await rules();
  const policy = policyInForce(policies, new Date(receivedAt));
  const result = computeDeadlines({ receivedAt, kind, category, channel, dispatchedAt }, policy, new WorkingCalendar(calendars));
  for (const warning of result.warnings) console.error(`warning: ${warning}`);
  console.log(JSON.stringify({ ...result, kind, category, rulesSource: source }, null, 2));
}

async function calendarCommand([action, file, ...rest]: string[]) {
  if (rest.length) throw new UsageError(`unexpected argument ${rest[0]}`);
  if (action === 'list') {
    const { calendars, source } = await rules();
    console.log(JSON.stringify({ source, years: calendars.map((c) => ({ year: c.year, version: c.version, holidays: c.holidays.length, makeUpWorkdays: c.makeUpWorkdays.length })) }, null, 2));
    return;
  }
  if (action !== 'validate' && action !== 'load') throw new UsageError(`calendar: unknown action ${action ?? '(none)'}; use list, validate or load`);
  if (!file) throw new UsageError(`calendar ${action}: give the calendar file`);
  const calendar = readCalendarFile(file);
  if (action === 'validate') return console.log(`${file}: valid calendar for ${calendar.year} (version ${calendar.version})`);
  const { outcome } = await withDatabase((models) => saveCalendar(models, calendar, { by: `cli:${os.userInfo().username}`, at: new Date() }));
  // Intake's reconciler starts the correction of the open complaints' deadlines in that year (SPEC §4).
  console.log(`${calendar.year} calendar version ${calendar.version} ${outcome}${outcome === 'unchanged' ? '' : '; open complaints with deadlines in that year are corrected by intake'}`);
}

async function policyCommand([action, file, ...rest]: string[]) {
  if (rest.length) throw new UsageError(`unexpected argument ${rest[0]}`);
  if (action === 'list') {
    const { policies, source } = await rules();
    console.log(JSON.stringify({ source, policies: policies.map((p) => ({ version: p.version, effectiveFrom: p.effectiveFrom, description: p.description })) }, null, 2));
    return;
  }
  if (action !== 'validate' && action !== 'load') throw new UsageError(`policy: unknown action ${action ?? '(none)'}; use list, validate or load`);
  if (!file) throw new UsageError(`policy ${action}: give the policy file`);
  const policy = readPolicyFile(file);
  if (action === 'validate') return console.log(`${file}: valid policy ${policy.version} (effective from ${policy.effectiveFrom})`);
  const outcome = await withDatabase((models) => savePolicy(models, policy, { by: `cli:${os.userInfo().username}`, at: new Date() }));
  console.log(`policy ${policy.version} ${outcome}`);
}

/**
 * Signs a machine token (SPEC §8) with AUTH_SECRET, from the environment or the local stack's
 * data/secrets.json: for an integration, a script, a monitoring job. It names the services it is for
 * (`aud`), lives no longer than its role may (MAX_TOKEN_DAYS) and has a `jti`, printed on standard
 * error (or with --json) so that the coordinator can revoke it (POST /api/tokens/revoked). The same
 * code issues tokens from the coordinator's tokens page (runtime/src/tokens.ts); with MONGO_URL set,
 * the token is listed there too.
 */
async function token(args: string[]) {
  const { values } = parseArgs({
    args,
    options: { role: { type: 'string' }, dealer: { type: 'string' }, region: { type: 'string' }, sub: { type: 'string' }, days: { type: 'string' }, audience: { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
  });
  const role = option(values, 'role', oneOf(ROLES), true)!;
  const days = option(values, 'days', z.string().regex(/^[1-9]\d{0,3}$/, 'must be a whole number of days'), false);
  const audienceList = option(values, 'audience', z.string().regex(/^(intake|reporting)(,(intake|reporting))*$/, `must be ${TOKEN_AUDIENCES.join(', ')} or both, comma-separated`), false);
  const flags: Record<string, string> = { role: 'role', dealerCode: 'dealer', region: 'region', subject: 'sub', days: 'days', audience: 'audience' };
  const request = tokenRequestSchema.safeParse({
    role,
    ...(values.dealer !== undefined && { dealerCode: values.dealer }),
    ...(values.region !== undefined && { region: values.region }),
    ...(values.sub !== undefined && { subject: values.sub }),
    ...(audienceList && { audience: audienceList.split(',') }),
    days: days ? Number(days) : Math.min(30, MAX_TOKEN_DAYS[role]),
  });
  if (!request.success) {
    const issue = request.error.issues[0]!;
    const flag = `--${flags[String(issue.path[0])] ?? String(issue.path[0])}`;
    throw new UsageError(issue.message.startsWith('is ') ? `${flag} ${issue.message}` : `${flag}: ${issue.message}`);
  }
  const { file, secrets } = savedSecrets();
  const secret = secrets.AUTH_SECRET;
  if (!secret) throw new UsageError(`AUTH_SECRET is not set and ${file} does not exist: run npm start once, or set AUTH_SECRET`);
  const issue = (connection?: mongoose.Connection) => issueToken(secret, request.data, { issuedBy: `cli:${operator()}`, ...(connection && { connection }) });
  let issued;
  if (process.env.MONGO_URL) {
    const conn = await mongoose.createConnection(process.env.MONGO_URL, { serverSelectionTimeoutMS: 5000 }).asPromise();
    try {
      issued = await issue(conn);
    } finally {
      await conn.close();
    }
  } else issued = await issue();
  const { token: signed, jti, audience, expiresAt, subject } = issued;
  if (values.json) return console.log(JSON.stringify({ token: signed, jti, audience, expiresAt: expiresAt.toISOString(), role, sub: subject }));
  console.log(signed);
  console.error(`jti ${jti} (revoke with POST /api/tokens/revoked), for ${audience.join(', ')}, expires ${expiresAt.toISOString()}`);
}

/** Who runs the CLI, for the audit log: the operating system's user. */
function operator(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** A real calendar date: 2026-02-30 is not one. */
const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD')
  .refine((date) => !Number.isNaN(Date.parse(`${date}T00:00:00Z`)) && new Date(`${date}T00:00:00Z`).toISOString().startsWith(date), 'must be a date, YYYY-MM-DD');

/**
 * SPEC §7: the retention run the daily Schedule makes, as of a Beijing date: erases the personal
 * data of complaints closed longer ago than their policy keeps them (held ones are kept), and prints
 * the counts as JSON. `--dry-run` erases nothing; it may look ahead, while a real run never runs
 * ahead of today, so that a mistyped date cannot erase what the policy still keeps.
 */
async function retentionCommand([action, ...args]: string[]) {
  if (action !== 'run') throw new UsageError(`retention: unknown action ${action ?? '(none)'}; use run`);
  const { values } = parseArgs({ args, options: { 'as-of': { type: 'string' }, 'dry-run': { type: 'boolean', default: false } }, strict: true });
  const asOf = option(values, 'as-of', calendarDate, true)!;
  const dryRun = values['dry-run'] === true;
  const today = beijingDate(Date.now());
  if (!dryRun && asOf > today) throw new UsageError(`--as-of: must not be after today (${today}, Beijing) unless --dry-run (got ${JSON.stringify(asOf)})`);
  const report = await withDatabase((models) => runRetention(models, { asOf, dryRun, by: `cli:${operator()}` }));
  console.log(JSON.stringify(report, null, 2));
}

/**
 * SPEC §6: rebuilds a month's scorecard aggregates from its complaints (the full recompute), for a
 * month scored before the aggregates existed or after a repair of the read model; safe while the
 * system runs. Prints the counts as JSON.
 */
async function scorecardCommand([action, ...args]: string[]) {
  if (action !== 'rebuild') throw new UsageError(`scorecard: unknown action ${action ?? '(none)'}; use rebuild`);
  const { values } = parseArgs({ args, options: { month: { type: 'string' } }, strict: true });
  const month = option(values, 'month', monthSchema, true)!;
  const report = await withDatabase((models) => rebuildMonthAggregates(models, month));
  console.log(JSON.stringify({ month, ...report }, null, 2));
}

async function main(argv: string[]) {
  const [command, ...args] = argv;
  if (command === 'deadline') return deadline(args);
  if (command === 'calendar') return calendarCommand(args);
  if (command === 'policy') return policyCommand(args);
  if (command === 'token') return token(args);
  if (command === 'retention') return retentionCommand(args);
  if (command === 'scorecard') return scorecardCommand(args);
  if (command === 'user') return userCommand(args, (message) => new UsageError(message));
  if (command === 'what-if') return whatIfCommand(args, withDatabase, (message) => new UsageError(message));
  throw new UsageError(command ? `unknown command ${command}` : 'no command given');
}

main(process.argv.slice(2)).catch((error: Error & { code?: string }) => {
  if (error instanceof UsageError || error.code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`error: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
  if (error instanceof RulesFileError) {
    console.error(`error: ${error.message}`);
    process.exit(1);
  }
  console.error(`error: ${error.message}`);
  process.exit(1);
});
