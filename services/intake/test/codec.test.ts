import express from 'express';
import request from 'supertest';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import mongoose from 'mongoose';
import { addUser, createAccountModels, createAuth, createLogger, ENCRYPTED_ENCODING, KEY_ID_METADATA, payloadCodec, signToken } from '@complaints/runtime';
import { TEST_PAYLOAD_KEYS, eventually, validComplaint } from '../../../test/support';
import { codecRoutes } from '../src/codec';
import { useIntakeApp } from './harness';

type JsonPayload = { metadata?: Record<string, string>; data?: string };
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});
const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const valueOf = (p: JsonPayload) => defaultPayloadConverter.fromPayload(fromJson(p));

/** Every payload of a history, as the Temporal UI sends them to a codec endpoint. */
function payloadsOf(value: unknown, found: JsonPayload[] = []): JsonPayload[] {
  if (Array.isArray(value)) value.forEach((item) => payloadsOf(item, found));
  else if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const object = value as Record<string, unknown>;
    if (object.metadata && typeof object.metadata === 'object' && 'encoding' in object.metadata) found.push(toJson(object as Payload));
    else Object.values(object).forEach((item) => payloadsOf(item, found));
  }
  return found;
}

// What dealers and the call center type stays out of Temporal's histories (encrypted payloads), and
// intake's codec endpoint (the Temporal UI's "remote codec") shows it to a coordinator only.
describe('encrypted payloads and the codec endpoint', () => {
  const intake = useIntakeApp('codec', { now: () => new Date('2034-06-14T12:00:00+08:00') });
  const { config } = intake;
  const app = () => intake.app();
  const token = (claims: Parameters<typeof signToken>[1]) => signToken(config.AUTH_SECRET, claims);
  const uiOrigin = new URL(config.TEMPORAL_UI_URL).origin;
  const codec = payloadCodec(config);
  const oldKeyCodec = payloadCodec({ ...TEST_PAYLOAD_KEYS, PAYLOAD_KEY_ID: 'test-2025' });
  const reply = defaultPayloadConverter.toPayload({ text: '已更换水泵 codec-probe' });
  let coordinator: string;
  let dealer: string;
  let callCenter: string;

  beforeAll(async () => {
    coordinator = await token({ sub: 'c1', role: 'coordinator' });
    dealer = await token({ sub: 'd1', role: 'dealer', dealerCode: 'SH001' });
    callCenter = await token({ sub: 'cc1', role: 'call_center' });
  });

  const decode = (payloads: JsonPayload[]) => request(app()).post('/codec/decode').set('x-namespace', config.TEMPORAL_NAMESPACE).send({ payloads });

  it('keeps the reply, the contact note and the follow-up note out of the complaint’s Temporal history, and shows them to a coordinator through the codec', async () => {
    const MARKER = 'PIPL-marker-7Q3Z';
    const created = await request(app())
      .post('/api/complaints')
      .set('authorization', `Bearer ${coordinator}`)
      .send({ ...validComplaint(), category: 'service_process', channel: 'email', receivedAt: '2034-06-14T09:00:00+08:00' })
      .expect(201);
    const { number, workflowId } = created.body as { number: string; workflowId: string };
    const models = intake.models();
    await eventually(() => models.Complaint.findById(number).lean(), (doc) => doc?.status === 'awaiting_acknowledgement');
    const act = (action: string, auth: string, body: object) => request(app()).post(`/api/complaints/${number}/${action}`).set('authorization', `Bearer ${auth}`).send(body).expect(200);
    await act('acknowledge', dealer, {});
    await act('contact', dealer, { note: `已电话联系客户 ${MARKER}-contact` });
    await act('reply', dealer, { text: `已向客户道歉并整改 ${MARKER}-reply`, final: true });
    await act('request-closure', coordinator, { note: `${MARKER}-closure` });
    const closed = await act('follow-up', callCenter, { outcome: 'satisfied', note: `客户满意 ${MARKER}-follow-up` });
    expect(closed.body.status).toBe('closed');

    // Read as anyone with access to Temporal reads it: a client that holds no key, over gRPC.
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    try {
      const plain = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
      const runs = [];
      for await (const run of plain.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs.push(run.runId);
      expect(runs.length).toBeGreaterThanOrEqual(1);
      const histories = await Promise.all(runs.map((runId) => plain.workflow.getHandle(workflowId, runId).fetchHistory()));
      const bytes = Buffer.concat(histories.map((history) => temporal.api.history.v1.History.encode(history).finish()));
      expect(bytes.length).toBeGreaterThan(1000);
      expect(bytes.includes(Buffer.from(MARKER))).toBe(false);
      expect(bytes.includes(Buffer.from('已向客户道歉并整改'))).toBe(false);

      // The coordinator's codec (what the Temporal UI calls) reads every one of them.
      const payloads = histories.flatMap((history) => payloadsOf(history));
      const decoded = await decode(payloads).set('authorization', `Bearer ${coordinator}`).expect(200);
      const text = (decoded.body.payloads as JsonPayload[]).map((p) => Buffer.from(p.data ?? '', 'base64').toString('utf8')).join('\n');
      for (const field of ['contact', 'reply', 'closure', 'follow-up']) expect(text).toContain(`${MARKER}-${field}`);
    } finally {
      await connection.close();
    }
  });

  it('decodes for a coordinator’s bearer token, and refuses a dealer, the call center and anyone without a token', async () => {
    const [encrypted] = await codec.encode([reply]);
    const ok = await decode([toJson(encrypted!)]).set('authorization', `Bearer ${coordinator}`).expect(200);
    expect(ok.body.payloads.map(valueOf)).toEqual([{ text: '已更换水泵 codec-probe' }]);

    for (const [auth, status] of [[dealer, 403], [callCenter, 403], ['not-a-token', 401]] as const) {
      const refused = await decode([toJson(encrypted!)]).set('authorization', `Bearer ${auth}`).expect(status);
      expect(refused.body.payloads).toBeUndefined();
      expect(JSON.stringify(refused.body)).not.toContain('codec-probe');
    }
    const anonymous = await decode([toJson(encrypted!)]).expect(401);
    expect(anonymous.body.payloads).toBeUndefined();
    await request(app()).post('/codec/encode').send({ payloads: [toJson(reply)] }).expect(401);
  });

  it('reads a payload written before encryption as it is, and one written with a key rotated out of writing', async () => {
    const [old] = await oldKeyCodec.encode([reply]);
    expect(Buffer.from(old!.metadata![KEY_ID_METADATA]!).toString()).toBe('test-2025');
    const res = await decode([toJson(reply), toJson(old!)]).set('authorization', `Bearer ${coordinator}`).expect(200);
    expect(res.body.payloads).toEqual([toJson(reply), toJson(reply)]);
  });

  it('encodes with the writing key for a coordinator (the UI’s encode), and names a key it does not hold', async () => {
    const res = await request(app()).post('/codec/encode').set('authorization', `Bearer ${coordinator}`).send({ payloads: [toJson(reply)] }).expect(200);
    const [encoded] = res.body.payloads as JsonPayload[];
    expect(Buffer.from(encoded!.metadata![METADATA_ENCODING_KEY]!, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(encoded!.metadata![KEY_ID_METADATA]!, 'base64').toString()).toBe('test-2026');
    expect((await codec.decode([fromJson(encoded!)])).map(toJson)).toEqual([toJson(reply)]);

    const [foreign] = await payloadCodec({ PAYLOAD_KEYS: `retired:${Buffer.alloc(32, 9).toString('base64')}` }).encode([reply]);
    const unknown = await decode([toJson(foreign!)]).set('authorization', `Bearer ${coordinator}`).expect(422);
    expect(unknown.body.message).toMatch(/payload key retired is not configured/);
    await decode([{ data: 'x' } as JsonPayload, 7 as never]).set('authorization', `Bearer ${coordinator}`).expect(400);
    await decode([toJson(reply)]).set('authorization', `Bearer ${coordinator}`).set('x-namespace', 'someone-else').expect(400);
  });

  it('opens a codec session for a coordinator: an httpOnly cookie for the codec only, which the Temporal UI’s requests carry', async () => {
    const page = await request(app()).get('/codec/session').expect(200);
    expect(page.type).toBe('text/html');
    expect(page.text).toContain('<form method="post" action="/codec/session"');

    const refused = await request(app()).post('/codec/session').type('form').send({ token: dealer }).expect(403);
    expect(refused.headers['set-cookie']).toBeUndefined();
    await request(app()).post('/codec/session').type('form').send({ token: 'nonsense' }).expect(401);

    const opened = await request(app()).post('/codec/session').type('form').send({ token: coordinator }).expect(200);
    const cookie = (opened.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('codec_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/codec/);
    expect(cookie).not.toContain(coordinator); // a session of its own, not the token given
    expect(opened.text).toContain('Include cross-origin credentials');

    const [encrypted] = await codec.encode([reply]);
    const session = cookie.split(';')[0]!;
    const res = await decode([toJson(encrypted!)]).set('cookie', session).expect(200);
    expect(res.body.payloads.map(valueOf)).toEqual([{ text: '已更换水泵 codec-probe' }]);

    // The coordinator's API token is no codec session, and a session is no API token.
    await decode([toJson(encrypted!)]).set('cookie', `codec_session=${coordinator}`).expect(401);
    await request(app()).get('/api/complaints').set('authorization', `Bearer ${session.slice('codec_session='.length)}`).expect(401);

    const ended = await request(app()).post('/codec/session/end').set('cookie', session).expect(200);
    expect((ended.headers['set-cookie'] as unknown as string[]).join()).toMatch(/codec_session=;.*Expires=Thu, 01 Jan 1970/);
  });

  it('opens a codec session for the signed-in coordinator without a pasted token, which ends with the sign-in', async () => {
    const accounts = createAccountModels(intake.models().Complaint.db as unknown as mongoose.Connection);
    const PASSWORD = 'granite-willow-58';
    await addUser(accounts, { username: 'codec.coordinator', role: 'coordinator', password: PASSWORD });
    await addUser(accounts, { username: 'codec.dealer', role: 'dealer', dealerCode: 'SH001', password: PASSWORD });
    const signIn = async (username: string) => {
      const res = await request(app()).post('/login').type('form').send({ username, password: PASSWORD }).expect(303);
      const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('complaints_session='))!.split(';')[0]!;
      const { csrfToken } = (await request(app()).get('/api/session').set('cookie', cookie).expect(200)).body as { csrfToken: string };
      return { cookie, csrfToken };
    };
    const coordinatorSignIn = await signIn('codec.coordinator');
    const page = await request(app()).get('/codec/session').set('cookie', coordinatorSignIn.cookie).expect(200);
    expect(page.text).toContain('codec.coordinator');
    expect(page.text).toContain(`name="_csrf" value="${coordinatorSignIn.csrfToken}"`);

    // The sign-in session's CSRF token is asked for, as for every write made with it.
    await request(app()).post('/codec/session').type('form').set('cookie', coordinatorSignIn.cookie).send({}).expect(403);
    const opened = await request(app()).post('/codec/session').type('form').set('cookie', coordinatorSignIn.cookie).send({ _csrf: coordinatorSignIn.csrfToken }).expect(200);
    const codecCookie = (opened.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('codec_session='))!.split(';')[0]!;
    const [encrypted] = await codec.encode([reply]);
    const decoded = await decode([toJson(encrypted!)]).set('cookie', codecCookie).expect(200);
    expect(decoded.body.payloads.map(valueOf)).toEqual([{ text: '已更换水泵 codec-probe' }]);
    // Where the Temporal UI shares intake's host (npm start), its requests carry the sign-in cookie too.
    await decode([toJson(encrypted!)]).set('cookie', `${codecCookie}; ${coordinatorSignIn.cookie}`).expect(200);

    // Decoding in the Temporal UI keeps the sign-in in use; a sign-in left idle ends it.
    const signInSession = await accounts.Session.findOne({ username: 'codec.coordinator' }).lean();
    await accounts.Session.updateOne({ _id: signInSession!._id }, { $set: { lastSeenAt: new Date(Date.now() - 20 * 60_000) } });
    await decode([toJson(encrypted!)]).set('cookie', codecCookie).expect(200);
    expect((await accounts.Session.findById(signInSession!._id).lean())!.lastSeenAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    await accounts.Session.updateOne({ _id: signInSession!._id }, { $set: { lastSeenAt: new Date(Date.now() - 31 * 60_000) } });
    await decode([toJson(encrypted!)]).set('cookie', codecCookie).expect(401);
    await accounts.Session.updateOne({ _id: signInSession!._id }, { $set: { lastSeenAt: new Date() } });
    await decode([toJson(encrypted!)]).set('cookie', codecCookie).expect(200);

    // Signing out ends decoding in this browser as well.
    await request(app()).post('/logout').type('form').set('cookie', coordinatorSignIn.cookie).send({ _csrf: coordinatorSignIn.csrfToken }).expect(303);
    await decode([toJson(encrypted!)]).set('cookie', codecCookie).expect(401);

    const dealerSignIn = await signIn('codec.dealer');
    const refused = await request(app()).post('/codec/session').type('form').set('cookie', dealerSignIn.cookie).send({ _csrf: dealerSignIn.csrfToken }).expect(403);
    expect(refused.headers['set-cookie']).toBeUndefined();
  });

  it('makes the session cookie reach a Temporal UI on another host (production: its own name, or an SSH tunnel) over HTTPS', async () => {
    const production = { ...config, PUBLIC_BASE_URL: 'https://complaints.example.com', TEMPORAL_UI_URL: 'http://localhost:8080' };
    const app = express().use(codecRoutes({ config: production, logger: createLogger('codec-test', 'silent'), auth: createAuth({ secret: config.AUTH_SECRET, audience: 'intake', connection: intake.mongo() }), connection: intake.mongo() }));
    const opened = await request(app).post('/codec/session').type('form').send({ token: coordinator }).expect(200);
    const cookie = (opened.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('codec_session='))!;
    expect(cookie).toMatch(/SameSite=None/i);
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/HttpOnly/i);
    const preflight = await request(app).options('/codec/decode').set('origin', 'http://localhost:8080').set('access-control-request-method', 'POST').expect(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://localhost:8080');
  });

  it('answers the Temporal UI’s cross-origin preflight for its own origin only, with credentials allowed', async () => {
    const preflight = (origin: string) =>
      request(app()).options('/codec/decode').set('origin', origin).set('access-control-request-method', 'POST').set('access-control-request-headers', 'content-type,x-namespace,authorization');
    const ui = await preflight(uiOrigin).expect(204);
    expect(ui.headers['access-control-allow-origin']).toBe(uiOrigin);
    expect(ui.headers['access-control-allow-credentials']).toBe('true');
    expect(ui.headers['access-control-allow-headers']!.toLowerCase().split(',')).toEqual(expect.arrayContaining(['content-type', 'x-namespace', 'authorization']));
    const other = await preflight('https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();

    const [encrypted] = await codec.encode([reply]);
    const answer = await decode([toJson(encrypted!)]).set('origin', uiOrigin).set('authorization', `Bearer ${coordinator}`).expect(200);
    expect(answer.headers['access-control-allow-origin']).toBe(uiOrigin);
    expect(answer.headers['access-control-allow-credentials']).toBe('true');
  });
});
