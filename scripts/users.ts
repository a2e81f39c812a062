// `npm run -s cli -- user …`: operators manage the staff who sign in. A password is read from
// standard input, never from the command line, where the process list and the shell history would
// keep it; it is never printed.
//
//   user add --username <u> --role <role> [--dealer <code>] [--region <region>] [--name <display name>] [--language zh|en]
//   user reset --username <u>        (new password from standard input; ends the user's sessions)
//   user deactivate --username <u>   (ends its sessions; it can no longer sign in)
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { z } from 'zod';
import { addUser, changeUser, createAccountModels, USER_ROLES, type AccountModels } from '@complaints/runtime';

export const USER_USAGE = `  cli user add --username <u> --role <${USER_ROLES.join('|')}> [--dealer <code>] [--region <region>] [--name <display name>] [--language zh|en]   (password on standard input)
  cli user reset --username <u>   (new password on standard input; ends its sessions) | user deactivate --username <u>`;

type UsageFault = (message: string) => Error;

/** The first line of standard input: the password an operator typed or piped. */
async function passwordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password (then Enter and Ctrl-D): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

async function withAccounts<T>(usage: UsageFault, fn: (accounts: AccountModels) => Promise<T>): Promise<T> {
  const url = process.env.MONGO_URL;
  if (!url) throw usage('MONGO_URL is not set: managing users needs the database (e.g. mongodb://127.0.0.1:27017/complaints)');
  const conn = await mongoose.createConnection(url, { serverSelectionTimeoutMS: 5000 }).asPromise();
  try {
    const accounts = createAccountModels(conn);
    await accounts.User.init();
    return await fn(accounts);
  } finally {
    await conn.close();
  }
}

export async function userCommand([action, ...args]: string[], usage: UsageFault): Promise<void> {
  const parse = <T extends string>(values: Record<string, unknown>, name: string, schema: z.ZodType<T>, required: boolean): T | undefined => {
    const value = values[name];
    if (value === undefined) {
      if (required) throw usage(`--${name} is required`);
      return undefined;
    }
    const result = schema.safeParse(value);
    if (!result.success) throw usage(`--${name}: ${result.error.issues[0]!.message} (got ${JSON.stringify(value)})`);
    return result.data;
  };
  const text = z.string().min(1, 'must not be empty');

  if (action === 'add') {
    const { values } = parseArgs({
      args,
      options: { username: { type: 'string' }, role: { type: 'string' }, dealer: { type: 'string' }, region: { type: 'string' }, name: { type: 'string' }, language: { type: 'string' } },
      strict: true,
    });
    const username = parse(values, 'username', text, true)!;
    const role = parse(values, 'role', z.enum(USER_ROLES, { message: `must be one of ${USER_ROLES.join(', ')}` }), true)!;
    const dealerCode = parse(values, 'dealer', text, false);
    const region = parse(values, 'region', text, false);
    const displayName = parse(values, 'name', text, false);
    const language = parse(values, 'language', z.enum(['zh', 'en'], { message: 'must be one of zh, en' }), false);
    const password = await passwordFromStdin();
    await withAccounts(usage, (accounts) => addUser(accounts, { username, role, dealerCode, region, displayName, language, password }));
    const scope = dealerCode ? ` ${dealerCode}` : region ? ` ${region}` : '';
    console.log(`user ${username} added (${role}${scope})`);
    return;
  }
  if (action === 'reset' || action === 'deactivate') {
    const { values } = parseArgs({ args, options: { username: { type: 'string' } }, strict: true });
    const username = parse(values, 'username', text, true)!;
    if (action === 'reset') {
      const password = await passwordFromStdin();
      // The operator chose it and passes it on: the user keeps it (a forced change would be a second secret to hand over).
      await withAccounts(usage, (accounts) => changeUser(accounts, username, { password }));
      console.log(`password of ${username} reset; its sessions ended`);
    } else {
      await withAccounts(usage, (accounts) => changeUser(accounts, username, { active: false }));
      console.log(`user ${username} deactivated; its sessions ended`);
    }
    return;
  }
  throw usage(`user: unknown action ${action ?? '(none)'}; use add, reset or deactivate`);
}
