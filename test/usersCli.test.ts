import mongoose from 'mongoose';
import { createAccountModels, verifyPassword, type AccountModels } from '@complaints/runtime';
import { cli } from './runCli';
import { testConfig } from './support';

// Operators manage staff accounts from the shell: the password comes on standard input, never on
// the command line (where the process list and the shell history would keep it).
describe('ops CLI: user', () => {
  const MONGO_URL = testConfig().MONGO_URL;
  let conn: mongoose.Connection;
  let accounts: AccountModels;

  beforeAll(async () => {
    conn = await mongoose.createConnection(MONGO_URL).asPromise();
    accounts = createAccountModels(conn);
  });
  afterAll(() => conn.close());

  it('adds a user with its own password read from standard input, resets it ending its sessions, and deactivates it', async () => {
    const added = await cli(['user', 'add', '--username', 'zhou', '--role', 'dealer', '--dealer', 'SH001', '--name', '周经理', '--language', 'en'], { MONGO_URL }, 'maple-orchard-77\n');
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('user zhou added (dealer SH001)');
    expect(added.stdout).not.toContain('maple-orchard-77');
    const user = (await accounts.User.findById('zhou').lean())!;
    expect(user).toMatchObject({ displayName: '周经理', role: 'dealer', dealerCode: 'SH001', language: 'en', active: true, mustChangePassword: false });
    expect(await verifyPassword(user.passwordHash, 'maple-orchard-77')).toBe(true);

    await accounts.Session.create({ _id: 'digest-of-a-cookie', username: 'zhou', createdAt: new Date(), lastSeenAt: new Date(), csrfToken: 'x' });
    const reset = await cli(['user', 'reset', '--username', 'zhou'], { MONGO_URL }, 'copper-lantern-19\n');
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain('password of zhou reset; its sessions ended');
    const after = (await accounts.User.findById('zhou').lean())!;
    expect(await verifyPassword(after.passwordHash, 'copper-lantern-19')).toBe(true);
    expect(await accounts.Session.countDocuments({ username: 'zhou' })).toBe(0);

    await accounts.Session.create({ _id: 'digest-of-another-cookie', username: 'zhou', createdAt: new Date(), lastSeenAt: new Date(), csrfToken: 'x' });
    const deactivated = await cli(['user', 'deactivate', '--username', 'zhou'], { MONGO_URL });
    expect(deactivated.code).toBe(0);
    expect(deactivated.stdout).toContain('user zhou deactivated');
    expect((await accounts.User.findById('zhou').lean())!.active).toBe(false);
    expect(await accounts.Session.countDocuments({ username: 'zhou' })).toBe(0);
  }, 60_000);

  it.each([
    [['user', 'add', '--role', 'hq'], 'error: --username is required'],
    [['user', 'add', '--username', 'boss', '--role', 'boss'], 'error: --role: must be one of coordinator, call_center, dealer, regional_manager, hq'],
    [['user', 'add', '--username', 'wu', '--role', 'dealer'], 'error: a dealer needs --dealer <code>'],
    [['user', 'add', '--username', 'wu', '--role', 'hq', '--language', 'fr'], 'error: --language: must be one of zh, en'],
    [['user', 'add', '--username', 'wu', '--role', 'hq'], 'error: the password must have at least 10 characters'],
    [['user', 'reset', '--username', 'nobody-here'], 'error: no user nobody-here'],
    [['user', 'rename', '--username', 'wu'], 'error: user: unknown action rename'],
  ])('refuses %j with a message naming the option', async (args, message) => {
    const { code, stderr } = await cli(args, { MONGO_URL }, args.includes('reset') ? 'granite-meadow-55\n' : 'short\n');
    expect(code).not.toBe(0);
    expect(stderr).toContain(message);
  }, 30_000);

  it('needs MONGO_URL', async () => {
    const { code, stderr } = await cli(['user', 'deactivate', '--username', 'zhou'], { MONGO_URL: undefined });
    expect(code).toBe(2);
    expect(stderr).toContain('MONGO_URL is not set');
  }, 30_000);
});
