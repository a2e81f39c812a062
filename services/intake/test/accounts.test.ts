import request from 'supertest';
import { addUser, changeUser, createAccountModels, createLogger, type AccountModels } from '@complaints/runtime';
import { createApp } from '../src/app';
import mongoose from 'mongoose';
import { useIntakeApp } from './harness';

// Staff sign in with their own password at /login: a server-side session, CSRF-protected writes,
// throttled failures, idle and absolute expiry, and revocation when the account changes.
describe('accounts and sign-in', () => {
  const start = new Date('2030-05-06T09:00:00+08:00');
  const intake = useIntakeApp('accounts', { now: () => start, config: { LOGIN_FAILURES_PER_ACCOUNT: '3', LOGIN_FAILURES_PER_ADDRESS: '50' } });
  const app = () => intake.app();
  let accounts: AccountModels;
  const PASSWORD = 'violet-harbour-42';

  beforeAll(async () => {
    const conn = intake.models().Complaint.db as unknown as mongoose.Connection;
    accounts = createAccountModels(conn);
    await Promise.all([accounts.User.init(), accounts.Session.init()]);
    for (const [username, role, dealerCode] of [['li', 'coordinator'], ['wang', 'dealer', 'BJ002'], ['zhao', 'coordinator'], ['qian', 'coordinator'], ['sun', 'dealer', 'BJ002'], ['zhou', 'dealer', 'BJ002']] as const)
      await addUser(accounts, { username, role, dealerCode, password: PASSWORD });
    await addUser(accounts, { username: 'first', role: 'coordinator', password: 'Zq8-one-time-xk', mustChangePassword: true });
  });
  afterEach(() => intake.setNow());

  const cookieOf = (res: request.Response) => (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('complaints_session='))!;
  const signIn = async (username: string, password = PASSWORD) => {
    const res = await request(app()).post('/login').type('form').send({ username, password });
    expect(res.status).toBe(303);
    const cookie = cookieOf(res).split(';')[0]!;
    const session = await request(app()).get('/api/session').set('cookie', cookie);
    return { res, cookie, csrf: session.body.csrfToken as string };
  };

  it('signs in, lands on the work-order list, signs out, and is refused afterwards', async () => {
    const page = await request(app()).get('/login').expect(200);
    expect(page.text).toContain('name="username"');
    expect(page.text).toContain('name="password"');
    expect(page.text).not.toContain('company-sign-in'); // no single sign-on configured: passwords only
    const { res, cookie, csrf } = await signIn('li');
    expect(res.headers.location).toBe('/complaints');
    expect(cookieOf(res)).toMatch(/HttpOnly/);
    expect(cookieOf(res)).toMatch(/SameSite=Lax/);
    await request(app()).get('/complaints').set('cookie', cookie).expect(200);
    await request(app()).get('/api/complaints').set('cookie', cookie).expect(200);
    await request(app()).post('/logout').type('form').set('cookie', cookie).send({ _csrf: csrf }).expect(303);
    await request(app()).get('/api/session').set('cookie', cookie).expect(401);
    await request(app()).get('/api/complaints').set('cookie', cookie).expect(401);
  });

  it('returns to the page an email linked to after sign-in, and never to another site', async () => {
    const page = await request(app()).get('/login?next=%2Fcomplaints%2FC20300506-0001').expect(200);
    expect(page.text).toContain('name="next" value="/complaints/C20300506-0001"');
    const back = await request(app()).post('/login').type('form').send({ username: 'li', password: PASSWORD, next: '/complaints/C20300506-0001' });
    expect(back.headers.location).toBe('/complaints/C20300506-0001');
    for (const next of ['//evil.example/complaints', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '/complaints\r\nx']) {
      const res = await request(app()).post('/login').type('form').send({ username: 'li', password: PASSWORD, next });
      expect(res.headers.location).toBe('/complaints');
    }
  });

  it('shows a signed-in dealer its own work orders only: another dealer’s complaint answers 404', async () => {
    const base = { workflowId: 'w', kind: 'complaint', category: 'service_process', severity: 'minor', channel: 'hotline', status: 'awaiting_reply', receivedAt: new Date('2030-05-06T09:00:00+08:00') } as const;
    await intake.models().Complaint.create({ ...base, _id: 'C20300506-0801', dealerCode: 'BJ002', attributedDealerCode: 'BJ002' });
    await intake.models().Complaint.create({ ...base, _id: 'C20300506-0802', dealerCode: 'SH001', attributedDealerCode: 'SH001' });
    const { cookie } = await signIn('sun');
    await request(app()).get('/api/complaints/C20300506-0801').set('cookie', cookie).expect(200);
    const other = await request(app()).get('/api/complaints/C20300506-0802').set('cookie', cookie);
    expect(other.status).toBe(404);
    expect(other.text).not.toContain('SH001');
    const list = await request(app()).get('/api/complaints?dealerCode=SH001').set('cookie', cookie).expect(200);
    expect(list.body.total).toBe(0);
  });

  it('refuses a write made with the session cookie but without its CSRF token', async () => {
    const { cookie, csrf } = await signIn('zhao');
    const refused = await request(app()).post('/logout').type('form').set('cookie', cookie).send({});
    expect(refused.status).toBe(403);
    await request(app()).post('/logout').type('form').set('cookie', cookie).send({ _csrf: 'forged' }).expect(403);
    await request(app()).get('/api/session').set('cookie', cookie).expect(200);
    await request(app()).post('/logout').set('cookie', cookie).set('x-csrf-token', csrf).expect(303);
  });

  it('throttles failed sign-ins per account with one message whether or not the user exists', async () => {
    const unknown = await request(app()).post('/login').type('form').send({ username: 'nobody', password: 'whatever-123' }).expect(401);
    const wrong = await request(app()).post('/login').type('form').send({ username: 'sun', password: 'whatever-123' }).expect(401);
    expect(unknown.text).toContain('用户名或密码不正确');
    expect(wrong.text).toContain('用户名或密码不正确');
    await request(app()).post('/login').type('form').send({ username: 'sun', password: 'whatever-123' }).expect(401);
    await request(app()).post('/login').type('form').send({ username: 'sun', password: 'whatever-123' }).expect(401);
    // Now even the right password waits.
    const blocked = await request(app()).post('/login?lang=en').type('form').send({ username: 'sun', password: PASSWORD }).expect(429);
    expect(blocked.text).toContain('Too many failed sign-ins');
    expect(blocked.headers['retry-after']).toBeDefined();
  });

  it('lets no more guesses through when they arrive all at once than one after another', async () => {
    // Each attempt takes its point before the password is checked: ten at once cannot all slip in
    // while the first ones are still being verified.
    const attempts = await Promise.all(Array.from({ length: 10 }, () => request(app()).post('/login').type('form').send({ username: 'ghost', password: 'whatever-123' })));
    const statuses = attempts.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(7);
  });

  it('counts failed sign-ins in the database, so that two intake processes share them', async () => {
    // A second intake process on the same database (production runs several behind a proxy).
    const other = createApp({ config: intake.config, logger: createLogger('intake-test-2', 'silent'), mongo: intake.mongo(), models: intake.models(), temporal: intake.temporal(), now: () => start });
    await request(app()).post('/login').type('form').send({ username: 'zhou', password: 'whatever-123' }).expect(401);
    await request(other).post('/login').type('form').send({ username: 'zhou', password: 'whatever-123' }).expect(401);
    await request(app()).post('/login').type('form').send({ username: 'zhou', password: 'whatever-123' }).expect(401);
    await request(other).post('/login').type('form').send({ username: 'zhou', password: PASSWORD }).expect(429);
    await request(app()).post('/login').type('form').send({ username: 'zhou', password: PASSWORD }).expect(429);
  });

  it('ends a session after 30 idle minutes, and after 12 hours however busy', async () => {
    intake.setNow(start);
    const idle = await signIn('qian');
    intake.setNow(new Date(start.getTime() + 31 * 60_000));
    await request(app()).get('/api/session').set('cookie', idle.cookie).expect(401);

    intake.setNow(start);
    const busy = await signIn('qian');
    for (let minutes = 20; minutes <= 12 * 60; minutes += 20) {
      intake.setNow(new Date(start.getTime() + minutes * 60_000));
      await request(app()).get('/api/session').set('cookie', busy.cookie).expect(200);
    }
    intake.setNow(new Date(start.getTime() + (12 * 60 + 10) * 60_000));
    await request(app()).get('/api/session').set('cookie', busy.cookie).expect(401);
  });

  it('ends the sessions of a user whose role or password changes, or who is deactivated', async () => {
    const a = await signIn('wang');
    await changeUser(accounts, 'wang', { role: 'dealer', dealerCode: 'SH001' });
    await request(app()).get('/api/complaints').set('cookie', a.cookie).expect(401);

    const b = await signIn('wang');
    const other = await signIn('wang');
    await request(app())
      .post('/password')
      .type('form')
      .set('cookie', b.cookie)
      .send({ _csrf: b.csrf, current: PASSWORD, password: 'amber-lantern-77', confirm: 'amber-lantern-77' })
      .expect(303);
    await request(app()).get('/api/session').set('cookie', other.cookie).expect(401);

    const c = await signIn('wang', 'amber-lantern-77');
    await changeUser(accounts, 'wang', { active: false });
    await request(app()).get('/api/session').set('cookie', c.cookie).expect(401);
    await request(app()).post('/login').type('form').send({ username: 'wang', password: 'amber-lantern-77' }).expect(401);
  });

  it('makes the first coordinator change a one-time password before anything else', async () => {
    const { res, cookie, csrf } = await signIn('first', 'Zq8-one-time-xk');
    expect(res.headers.location).toBe('/password');
    await request(app()).get('/api/complaints').set('cookie', cookie).expect(401);
    const common = await request(app()).post('/password').type('form').set('cookie', cookie).send({ _csrf: csrf, current: 'Zq8-one-time-xk', password: 'qwertyuiop', confirm: 'qwertyuiop' });
    expect(common.status).toBe(400);
    expect(common.text).toContain('最常见的密码');
    const short = await request(app()).post('/password').type('form').set('cookie', cookie).send({ _csrf: csrf, current: 'Zq8-one-time-xk', password: 'short', confirm: 'short' });
    expect(short.text).toContain('至少需要 10 个字符');
    const changed = await request(app())
      .post('/password')
      .type('form')
      .set('cookie', cookie)
      .send({ _csrf: csrf, current: 'Zq8-one-time-xk', password: 'copper-meadow-19', confirm: 'copper-meadow-19' })
      .expect(303);
    expect(changed.headers.location).toBe('/complaints');
    await request(app()).get('/api/complaints').set('cookie', cookieOf(changed).split(';')[0]!).expect(200);
  });
});
