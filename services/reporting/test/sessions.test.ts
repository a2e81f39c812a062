import request from 'supertest';
import { addUser, createAccountModels, createLogger, startSession } from '@complaints/runtime';
import { createApp } from '../src/app';
import { useTestDatabase } from '../../../test/database';

// Staff signed in at intake's /login use the dashboard with the same session (the cookie is the
// host's, whatever the port); a write made with the cookie must carry the session's CSRF token.
describe('reporting with a signed-in session', () => {
  const { config, mongo, models } = useTestDatabase({ directory: 'reportingsessions' });
  let app: ReturnType<typeof createApp>;
  let cookie: string;
  let csrfToken: string;

  beforeAll(async () => {
    app = createApp({ mongo: mongo(), temporal: undefined as never, logger: createLogger('sessions', 'silent'), models: models(), secret: config.AUTH_SECRET });
    const accounts = createAccountModels(mongo());
    await addUser(accounts, { username: 'he', role: 'coordinator', password: 'quiet-lagoon-81' });
    const started = await startSession(accounts, 'he', new Date());
    cookie = `complaints_session=${started.cookie}`;
    csrfToken = started.csrfToken;
  });

  it('reads the scorecards with the session, tells the page who is signed in, and refuses a cookie write without the CSRF token', async () => {
    await request(app).get('/api/reports/scorecard?month=2030-10').expect(401);
    await request(app).get('/api/reports/scorecard?month=2030-10').set('cookie', cookie).expect(200);
    const session = await request(app).get('/api/session').set('cookie', cookie).expect(200);
    expect(session.body).toMatchObject({ username: 'he', role: 'coordinator', csrfToken });
    const write = () => request(app).post('/api/reports/scorecard/recompute').set('cookie', cookie).set('idempotency-key', crypto.randomUUID()).send({ month: '2030-10' });
    expect((await write()).status).toBe(403);
    expect((await write().set('x-csrf-token', 'forged')).status).toBe(403);
    expect((await write().set('x-csrf-token', csrfToken)).status).not.toBe(403);
  });

  it('signs out from a reporting page: the session ends on every service, and only with its CSRF token', async () => {
    const accounts = createAccountModels(mongo());
    const other = await startSession(accounts, 'he', new Date());
    const own = `complaints_session=${other.cookie}`;
    await request(app).post('/logout').set('cookie', own).expect(403);
    await request(app).get('/api/session').set('cookie', own).expect(200);
    const out = await request(app).post('/logout').set('cookie', own).set('x-csrf-token', other.csrfToken);
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/complaints_session=;/);
    await request(app).get('/api/session').set('cookie', own).expect(401);
    expect(await accounts.Session.countDocuments({ username: 'he' })).toBe(1);
  });
});
