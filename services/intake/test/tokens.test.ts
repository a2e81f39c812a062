import request from 'supertest';
import { SignJWT } from 'jose';
import mongoose from 'mongoose';
import { createAuth, createLogger, MAX_TOKEN_DAYS, signToken, type Principal } from '@complaints/runtime';
import { createApp as createReportingApp } from '@complaints/reporting/src/app';
import { useIntakeApp } from './harness';

// SPEC §8: machine tokens expire within their role's lifetime, name the service they are for, and
// can be revoked by the coordinator with effect on every service at once.
describe('machine tokens', () => {
  const intake = useIntakeApp('tokens');
  const { config } = intake;
  const app = () => intake.app();
  const reporting = () => createReportingApp({ mongo: intake.mongo(), temporal: intake.temporal(), logger: createLogger('reporting-test', 'silent'), models: intake.models(), secret: config.AUTH_SECRET });
  const coordinator: Principal = { sub: 'ops-script', role: 'coordinator' };
  const key = new TextEncoder().encode(config.AUTH_SECRET);
  /** A token signed by hand, to leave out or stretch what signToken always sets. */
  const handMade = (claims: Record<string, unknown>) => new SignJWT({ role: 'coordinator', ...claims }).setProtectedHeader({ alg: 'HS256' }).setSubject('ops-script').sign(key);
  const now = () => Math.floor(Date.now() / 1000);
  const intakeWith = (token: string) => request(app()).get('/api/dealers').set('authorization', `Bearer ${token}`);
  const reportingWith = (token: string) => request(reporting()).get('/api/reports/cases').set('authorization', `Bearer ${token}`);

  it('admits a token signed with the defaults on both services', async () => {
    const token = await signToken(config.AUTH_SECRET, coordinator);
    await intakeWith(token).expect(200);
    await reportingWith(token).expect(200);
  });

  it('refuses a token without exp, naming the claim', async () => {
    const token = await handMade({ iat: now(), aud: ['intake', 'reporting'], jti: 'no-exp-1' });
    const res = await intakeWith(token).expect(401);
    expect(res.body.message).toMatch(/exp/);
    await reportingWith(token).expect(401);
  });

  it('refuses an expired token', async () => {
    const token = await handMade({ iat: now() - 7200, exp: now() - 3600, aud: 'intake', jti: 'expired-1' });
    const res = await intakeWith(token).expect(401);
    expect(res.body.message).toMatch(/expired/);
  });

  it('refuses a token that lives longer than its role may', async () => {
    const days = MAX_TOKEN_DAYS.coordinator + 1;
    const token = await signToken(config.AUTH_SECRET, coordinator, { expiresIn: `${days}d` });
    const res = await intakeWith(token).expect(401);
    expect(res.body.message).toMatch(/longer than a coordinator token may \(90 days/);
    await reportingWith(token).expect(401);
    // The hotline integration's year is within its maximum.
    const hotline = await signToken(config.AUTH_SECRET, { sub: '400', role: 'hotline' }, { expiresIn: '366d' });
    await intakeWith(hotline).expect(403);
  });

  it('refuses a token meant for another service, and one that names none', async () => {
    const forReporting = await signToken(config.AUTH_SECRET, coordinator, { audience: 'reporting' });
    const forIntake = await signToken(config.AUTH_SECRET, coordinator, { audience: ['intake'] });
    expect((await intakeWith(forReporting).expect(401)).body.message).toMatch(/not meant for intake/);
    expect((await reportingWith(forIntake).expect(401)).body.message).toMatch(/not meant for reporting/);
    await intakeWith(forIntake).expect(200);
    await reportingWith(forReporting).expect(200);
    const noAudience = await handMade({ iat: now(), exp: now() + 600, jti: 'no-aud-1' });
    expect((await intakeWith(noAudience).expect(401)).body.message).toMatch(/aud/);
  });

  it('refuses a revoked jti at once on every service; the coordinator revokes once, audited, and lists it', async () => {
    const admin = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'coordinator-li', role: 'coordinator' })}`;
    const leaked = await signToken(config.AUTH_SECRET, { sub: 'monitor', role: 'call_center' }, { jti: 'monitor-2034-q1' });
    await intakeWith(leaked).expect(200);
    await reportingWith(leaked).expect(200);

    const revoke = () => request(app()).post('/api/tokens/revoked').set('authorization', admin).set('idempotency-key', 'revoke-monitor-1').send({ jti: 'monitor-2034-q1', reason: '令牌泄露 leaked in a ticket' });
    const first = await revoke().expect(201);
    expect(first.body).toMatchObject({ jti: 'monitor-2034-q1', reason: '令牌泄露 leaked in a ticket', revokedBy: 'coordinator:coordinator-li', alreadyRevoked: false });
    expect((await revoke().expect(201)).headers['idempotent-replayed']).toBe('true');

    expect((await intakeWith(leaked).expect(401)).body.message).toMatch(/revoked/);
    expect((await reportingWith(leaked).expect(401)).body.message).toMatch(/revoked/);

    // Revoked again under another key: the first record stands.
    const again = await request(app()).post('/api/tokens/revoked').set('authorization', admin).send({ jti: 'monitor-2034-q1', reason: 'twice' }).expect(200);
    expect(again.body).toMatchObject({ reason: '令牌泄露 leaked in a ticket', alreadyRevoked: true });

    const list = await request(app()).get('/api/tokens/revoked').set('authorization', admin).expect(200);
    expect(list.body.items).toEqual([expect.objectContaining({ jti: 'monitor-2034-q1', revokedBy: 'coordinator:coordinator-li', revokedAt: first.body.revokedAt })]);

    // Only the coordinator revokes, and the reason is required.
    const callCenter = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'cc', role: 'call_center' })}`;
    await request(app()).post('/api/tokens/revoked').set('authorization', callCenter).send({ jti: 'x', reason: 'y' }).expect(403);
    await request(app()).get('/api/tokens/revoked').set('authorization', callCenter).expect(403);
    await request(app()).post('/api/tokens/revoked').set('authorization', admin).send({ jti: 'x' }).expect(400);
  });

  it('asks the database about a busy token about once a second, and still refuses it within a second of a revocation another process wrote', async () => {
    // A hotline integration sends hundreds of calls a minute with one token: its revocation is
    // looked up once for all the requests of a second, not once each. Counted on a connection of
    // its own that reports every command it sends.
    const watched = await mongoose.createConnection(config.MONGO_URL, { monitorCommands: true }).asPromise();
    const lookups: string[] = [];
    watched.getClient().on('commandStarted', (event) => event.command[event.commandName] === 'revoked_tokens' && lookups.push(event.commandName));
    try {
      const auth = createAuth({ secret: config.AUTH_SECRET, audience: 'intake', connection: watched });
      const busy = await signToken(config.AUTH_SECRET, { sub: '400-busy', role: 'call_center' }, { jti: 'busy-line-1' });
      await Promise.all(Array.from({ length: 10 }, () => auth.verifyToken(busy, ['call_center'])));
      for (let i = 0; i < 10; i++) await auth.verifyToken(busy, ['call_center']);
      expect(lookups.length).toBeGreaterThanOrEqual(1);
      expect(lookups.length).toBeLessThanOrEqual(2);

      // Revoked by another service's process (its record written straight to the database):
      // refused here once what this process knew is a second old.
      await watched.collection('revoked_tokens').insertOne({ _id: 'busy-line-1' as never, reason: 'leaked', revokedBy: 'coordinator:elsewhere', revokedAt: new Date() });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await expect(auth.verifyToken(busy, ['call_center'])).rejects.toMatchObject({ status: 401, message: expect.stringMatching(/revoked/) });
    } finally {
      await watched.close();
    }
  });

  it('keeps a dealer token from another dealer’s complaint (404, as if it did not exist)', async () => {
    const codes = ['SH001', 'BJ002'];
    await intake.models().Complaint.create({ _id: 'C20340614-0901', workflowId: 'complaint-C20340614-0901', kind: 'complaint', category: 'service_process', severity: 'minor', channel: 'hotline', status: 'awaiting_acknowledgement', dealerCode: codes[0], receivedAt: new Date() });
    const other = await signToken(config.AUTH_SECRET, { sub: 'd2', role: 'dealer', dealerCode: codes[1]! });
    await request(app()).get('/api/complaints/C20340614-0901').set('authorization', `Bearer ${other}`).expect(404);
    const own = await signToken(config.AUTH_SECRET, { sub: 'd1', role: 'dealer', dealerCode: codes[0]! });
    await request(app()).get('/api/complaints/C20340614-0901').set('authorization', `Bearer ${own}`).expect(200);
  });
});
