import request from 'supertest';
import mongoose from 'mongoose';
import { addUser, createAccountModels, signToken, verifyPassword, type AccountModels } from '@complaints/runtime';
import { createApp as createReportingApp } from '@complaints/reporting/src/app';
import { createLogger } from '@complaints/runtime';
import { useIntakeApp } from './harness';

// The coordinator's administration over the API (the console's users and tokens pages call it):
// accounts with one-time passwords shown once, changes that end sessions, machine tokens issued
// from the console and listed with their revocation.
describe('administration: users and machine tokens', () => {
  const intake = useIntakeApp('admin');
  const { config } = intake;
  const app = () => intake.app();
  let accounts: AccountModels;
  let admin: Record<string, string>;
  let machine: string;
  const PASSWORD = 'violet-harbour-42';

  beforeAll(async () => {
    const conn = intake.models().Complaint.db as unknown as mongoose.Connection;
    accounts = createAccountModels(conn);
    await Promise.all([accounts.User.init(), accounts.Session.init()]);
    await addUser(accounts, { username: 'li', role: 'coordinator', password: PASSWORD });
    await addUser(accounts, { username: 'zhou', role: 'dealer', dealerCode: 'SH001', password: PASSWORD });
    machine = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'li', role: 'coordinator' })}`;
    const res = await request(app()).post('/login').type('form').send({ username: 'li', password: PASSWORD });
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('complaints_session='))!.split(';')[0]!;
    const session = await request(app()).get('/api/session').set('cookie', cookie);
    admin = { cookie, 'x-csrf-token': session.body.csrfToken as string };
  });

  const signIn = async (username: string, password = PASSWORD) => {
    const res = await request(app()).post('/login').type('form').send({ username, password });
    const cookie = (res.headers['set-cookie'] as unknown as string[] | undefined)?.find((c) => c.startsWith('complaints_session='))?.split(';')[0];
    return { status: res.status, location: res.headers.location as string, cookie: cookie! };
  };

  it('takes account and token changes only from a signed-in coordinator, never from a machine token', async () => {
    // A leaked coordinator token would otherwise mint its own successors and reset people's passwords.
    const writes = [
      request(app()).post('/api/users').send({ username: 'ma', role: 'hq' }),
      request(app()).patch('/api/users/zhou').send({ role: 'hq' }),
      request(app()).post('/api/users/zhou/reset').send({}),
      request(app()).post('/api/tokens').send({ role: 'coordinator', subject: 'ops-script', days: 30 }),
    ];
    for (const write of writes) {
      const res = await write.set('authorization', machine);
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/signed-in/);
    }
    expect(await accounts.User.exists({ _id: 'ma' })).toBeNull();
    expect((await accounts.User.findById('zhou').lean())?.role).toBe('dealer');
    await request(app()).get('/api/users').set('authorization', machine).expect(200);
  });

  it('adds a user with a one-time password shown once, which must be changed at the first sign-in', async () => {
    const res = await request(app()).post('/api/users').set(admin).set('idempotency-key', 'add-wu-0001').send({ username: 'wu', displayName: '吴敏', role: 'dealer', dealerCode: 'SH002', language: 'en' }).expect(201);
    expect(res.body.user).toMatchObject({ username: 'wu', displayName: '吴敏', role: 'dealer', dealerCode: 'SH002', language: 'en', active: true, mustChangePassword: true });
    expect(res.body.user.passwordHash).toBeUndefined();
    const { oneTimePassword } = res.body as { oneTimePassword: string };
    expect(oneTimePassword.length).toBeGreaterThanOrEqual(10);
    const stored = await accounts.User.findById('wu').lean();
    expect(await verifyPassword(stored!.passwordHash, oneTimePassword)).toBe(true);
    // A repeat of the same submission is the same user, and the password is not shown again (it is kept nowhere).
    const replay = await request(app()).post('/api/users').set(admin).set('idempotency-key', 'add-wu-0001').send({ username: 'wu', displayName: '吴敏', role: 'dealer', dealerCode: 'SH002', language: 'en' }).expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(JSON.stringify(replay.body ?? {})).not.toContain(oneTimePassword);
    const kept = await intake.models().Complaint.db.collection('idempotent_requests').find().toArray();
    expect(JSON.stringify(kept)).not.toContain(oneTimePassword);

    const first = await signIn('wu', oneTimePassword);
    expect(first.location).toMatch(/^\/password/);
  });

  it('refuses a bad user with field messages, a duplicate with 409, and lists users without hashes', async () => {
    const bad = await request(app()).post('/api/users').set(admin).send({ username: 'A B', role: 'dealer', language: 'fr' }).expect(400);
    const paths = (bad.body.details as { path: string }[]).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['username', 'dealerCode', 'language']));
    const unknownDealer = await request(app()).post('/api/users').set(admin).send({ username: 'qin', role: 'dealer', dealerCode: 'XX999' }).expect(422);
    expect(unknownDealer.body.details[0].path).toBe('dealerCode');
    const unknownRegion = await request(app()).post('/api/users').set(admin).send({ username: 'qin', role: 'regional_manager', region: 'mars' }).expect(400);
    expect(unknownRegion.body.details[0]).toMatchObject({ path: 'region' });
    const dup = await request(app()).post('/api/users').set(admin).send({ username: 'zhou', role: 'hq' }).expect(409);
    expect(dup.body.details[0].path).toBe('username');

    const list = await request(app()).get('/api/users').set(admin).expect(200);
    expect(list.body.total).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(list.body)).not.toMatch(/passwordHash|argon2/);
    const dealers = await request(app()).get('/api/users?role=dealer&sort=username').set(admin).expect(200);
    expect(dealers.body.items.every((u: { role: string }) => u.role === 'dealer')).toBe(true);
    const paged = await request(app()).get('/api/users?pageSize=1&page=2&sort=username').set(admin).expect(200);
    expect(paged.body).toMatchObject({ page: 2, pageSize: 1 });
    expect(paged.body.items).toHaveLength(1);
    // Only the coordinator administers accounts.
    const dealer = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'zhou', role: 'dealer', dealerCode: 'SH001' })}`;
    await request(app()).get('/api/users').set('authorization', dealer).expect(403);
  });

  it('changes a user: a new name keeps its sessions, a new dealer or a deactivation ends them; a reset gives a new one-time password', async () => {
    await addUser(accounts, { username: 'sun', role: 'dealer', dealerCode: 'SH001', password: PASSWORD });
    const session = await signIn('sun');
    await request(app()).get('/api/session').set('cookie', session.cookie).expect(200);

    const renamed = await request(app()).patch('/api/users/sun').set(admin).send({ displayName: '孙强', language: 'en' }).expect(200);
    expect(renamed.body).toMatchObject({ username: 'sun', displayName: '孙强', language: 'en' });
    await request(app()).get('/api/session').set('cookie', session.cookie).expect(200);

    const moved = await request(app()).patch('/api/users/sun').set(admin).send({ dealerCode: 'BJ002' }).expect(200);
    expect(moved.body.dealerCode).toBe('BJ002');
    await request(app()).get('/api/session').set('cookie', session.cookie).expect(401);

    // A role change drops the scope the new role does not have.
    const promoted = await request(app()).patch('/api/users/sun').set(admin).send({ role: 'regional_manager', region: 'north' }).expect(200);
    expect(promoted.body).toMatchObject({ role: 'regional_manager', region: 'north' });
    expect(promoted.body.dealerCode).toBeUndefined();
    const badScope = await request(app()).patch('/api/users/sun').set(admin).send({ role: 'dealer' }).expect(400);
    expect(badScope.body.details[0].path).toBe('dealerCode');

    const again = await signIn('sun');
    await request(app()).patch('/api/users/sun').set(admin).send({ active: false }).expect(200);
    await request(app()).get('/api/session').set('cookie', again.cookie).expect(401);
    expect((await signIn('sun')).status).toBe(401);

    await request(app()).patch('/api/users/sun').set(admin).send({ active: true }).expect(200);
    const reset = await request(app()).post('/api/users/sun/reset').set(admin).set('idempotency-key', 'reset-sun-001').send({}).expect(200);
    expect(reset.body.oneTimePassword).toEqual(expect.any(String));
    const after = await signIn('sun', reset.body.oneTimePassword);
    expect(after.location).toMatch(/^\/password/);

    // A single sign-on user has no password: none is made, none is reset.
    const company = await request(app()).post('/api/users').set(admin).send({ username: 'he.lin', role: 'hq', signIn: 'oidc' }).expect(201);
    expect(company.body).toEqual({ user: expect.objectContaining({ username: 'he.lin', signIn: 'oidc', mustChangePassword: false }) });
    await request(app()).post('/api/users/he.lin/reset').set(admin).send({}).expect(409);

    await request(app()).patch('/api/users/nobody').set(admin).send({ active: false }).expect(404);
    await request(app()).patch('/api/users/sun').set(admin).send({ password: 'x' }).expect(400);
    // The coordinator does not lock itself out.
    const self = await request(app()).patch('/api/users/li').set(admin).send({ active: false }).expect(409);
    expect(self.body.message).toMatch(/own account/);
  });

  it('issues a machine token shown once, lists it with its metadata, and shows it revoked after revocation', async () => {
    const issued = await request(app()).post('/api/tokens').set(admin).set('idempotency-key', 'issue-400-0001').send({ role: 'hotline', subject: 'hotline-400', audience: ['intake'], days: 366 }).expect(201);
    const { token, jti } = issued.body as { token: string; jti: string };
    expect(issued.body).toMatchObject({ subject: 'hotline-400', role: 'hotline', audience: ['intake'], issuedBy: 'coordinator:li' });
    // It works where it is meant to, and only there.
    await request(app()).get('/api/dealers').set('authorization', `Bearer ${token}`).expect(403); // a hotline token may not list dealers, but it is accepted as a token
    const reporting = createReportingApp({ mongo: intake.mongo(), temporal: intake.temporal(), logger: createLogger('reporting-test', 'silent'), models: intake.models(), secret: config.AUTH_SECRET });
    expect((await request(reporting).get('/api/reports/cases').set('authorization', `Bearer ${token}`).expect(401)).body.message).toMatch(/not meant for reporting/);

    const replay = await request(app()).post('/api/tokens').set(admin).set('idempotency-key', 'issue-400-0001').send({ role: 'hotline', subject: 'hotline-400', audience: ['intake'], days: 366 });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(JSON.stringify(replay.body ?? {})).not.toContain(token);
    const everything = JSON.stringify(await intake.models().Complaint.db.collection('issued_tokens').find().toArray()) + JSON.stringify(await intake.models().Complaint.db.collection('idempotent_requests').find().toArray());
    expect(everything).toContain(jti);
    expect(everything).not.toContain(token);

    await request(app()).post('/api/tokens').set(admin).send({ role: 'call_center', subject: 'monitor', days: 30 }).expect(201);
    const bySubject = await request(app()).get('/api/tokens?sort=subject').set(admin).expect(200);
    expect(bySubject.body.items.map((i: { subject: string }) => i.subject)).toEqual(['hotline-400', 'monitor']);
    const list = await request(app()).get('/api/tokens?role=hotline').set(admin).expect(200);
    expect(list.body.items).toEqual([expect.objectContaining({ jti, subject: 'hotline-400', role: 'hotline', audience: ['intake'], issuedBy: 'coordinator:li', revoked: false })]);
    expect(JSON.stringify(list.body)).not.toContain(token);

    await request(app()).post('/api/tokens/revoked').set(admin).send({ jti, reason: '合同终止 contract ended' }).expect(201);
    const after = await request(app()).get('/api/tokens?state=revoked').set(admin).expect(200);
    expect(after.body.total).toBe(1);
    expect(after.body.items[0]).toMatchObject({ jti, revoked: true, revokedBy: 'coordinator:li', revokedReason: '合同终止 contract ended' });
    await request(app()).get('/api/dealers').set('authorization', `Bearer ${token}`).expect(401);
  });

  it('never issues a machine token in the name of a person who signs in', async () => {
    // Its actions would read as that person's in every history and log.
    const res = await request(app()).post('/api/tokens').set(admin).send({ role: 'dealer', dealerCode: 'SH001', subject: 'zhou', days: 30 }).expect(409);
    expect(res.body.details).toEqual([expect.objectContaining({ path: 'subject' })]);
    expect(res.text).not.toMatch(/eyJ/);
  });

  it('refuses a token beyond its role’s lifetime or without its scope, naming the field', async () => {
    const tooLong = await request(app()).post('/api/tokens').set(admin).send({ role: 'coordinator', days: 91 }).expect(400);
    expect(tooLong.body.details).toEqual([{ path: 'days', message: 'may be at most 90 for a coordinator token' }]);
    const noDealer = await request(app()).post('/api/tokens').set(admin).send({ role: 'dealer', days: 7 }).expect(400);
    expect(noDealer.body.details[0].path).toBe('dealerCode');
    await request(app()).post('/api/tokens').set(admin).send({ role: 'dealer', dealerCode: 'XX999', days: 7 }).expect(422);
    const dealer = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'zhou', role: 'dealer', dealerCode: 'SH001' })}`;
    await request(app()).post('/api/tokens').set('authorization', dealer).send({ role: 'dealer', dealerCode: 'SH001', days: 7 }).expect(403);
    await request(app()).get('/api/tokens').set('authorization', dealer).expect(403);
  });

  it('gives the directory as it loads it, so that the console’s read, edit and save keeps every field (a star level too)', async () => {
    const { body: directory } = await request(app()).get('/api/directory').set(admin).expect(200);
    directory.dealers[0].starLevel = 4;
    await request(app()).put('/api/directory').set(admin).send(directory).expect(200);
    const { body: read } = await request(app()).get('/api/directory').set(admin).expect(200);
    expect(read.dealers[0].starLevel).toBe(4);
    read.dealers[0].name = '上海浦东 4S 店（新址）';
    await request(app()).put('/api/directory').set(admin).send(read).expect(200);
    expect((await request(app()).get('/api/directory').set(admin).expect(200)).body.dealers[0]).toMatchObject({ name: '上海浦东 4S 店（新址）', starLevel: 4 });
  });

  it('documents the administration routes in the OpenAPI document', async () => {
    const { body: doc } = await request(app()).get('/openapi.json').expect(200);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/users', '/api/users/{username}', '/api/users/{username}/reset', '/api/tokens']));
    expect(doc.paths['/api/users/{username}'].patch).toBeDefined();
    expect(doc.paths['/api/tokens'].post.responses['201']).toBeDefined();
    expect(Object.keys(doc.components.schemas.User.properties)).not.toContain('passwordHash');
  });
});
