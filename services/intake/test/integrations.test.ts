import { createHash } from 'node:crypto';
import request from 'supertest';
import { signToken } from '@complaints/runtime';
import { hotlineSignature } from '../src/integrations';
import { eventually, validComplaint } from '../../../test/support';
import { useIntakeApp } from './harness';

// SPEC §8: the 400 call-center webhook (HMAC-signed, idempotent by callId) and internet complaints.
describe('hotline and internet integrations', () => {
  const intake = useIntakeApp('hotline', { now: () => new Date('2026-11-22T21:00:00+08:00') });
  const secret = intake.config.HOTLINE_SECRET;
  // Receipt dates of their own: numbers (and so workflow ids) never meet another test file's.
  const call = (callId: string) => ({ ...validComplaint(), callId, receivedAt: '2026-11-20T10:15:00+08:00' });

  function send(body: object | string, signature?: string) {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    return request(intake.app())
      .post('/api/hotline/calls')
      .set('content-type', 'application/json')
      .set('x-signature', signature ?? hotlineSignature(secret, raw))
      .send(raw);
  }

  it('records a signed call once: 201 the first time, 200 with the same number on a repeat', async () => {
    const first = await send(call('call-0001')).expect(201);
    expect(first.body.number).toMatch(/^C20261120-\d{4}$/);
    const repeat = await send(call('call-0001')).expect(200);
    expect(repeat.body).toEqual(first.body);
    const doc = await eventually(() => intake.models().Complaint.findById(first.body.number).lean(), Boolean);
    expect(doc).toMatchObject({ channel: 'hotline' });
  });

  it('turns ten identical calls arriving at once into exactly one complaint, and gives every caller its number', async () => {
    const body = call('call-burst');
    const answers = await Promise.all(Array.from({ length: 10 }, () => send(body)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const numbers = new Set(answers.map((a) => a.body.number));
    expect(numbers.size).toBe(1);
    const [number] = [...numbers];
    expect(await intake.models().IntakeKey.countDocuments({ _id: 'hotline:call-burst' })).toBe(1);
    const handle = intake.temporal().workflow.getHandle(`complaint-${number}`);
    expect((await handle.describe()).status.name).toBe('RUNNING');
  });

  it.each([
    ['a wrong signature', 'sha256=' + '0'.repeat(64)],
    ['a signature made with another secret', hotlineSignature('not-the-hotline-secret', JSON.stringify({ ...validComplaint(), callId: 'x' }))],
    ['no signature', ''],
  ])('answers %s with 401 and records nothing', async (_what, signature) => {
    const res = await send({ ...validComplaint(), callId: 'x' }, signature).expect(401);
    expect(res.body.error).toBe('unauthorized');
    expect(await intake.models().IntakeKey.countDocuments({ _id: 'hotline:x' })).toBe(0);
  });

  it('answers a signed but invalid call with 400 and the fields at fault', async () => {
    const res = await send({ kind: 'complaint', customer: { name: '王五' } }).expect(400);
    expect(res.body.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['callId', 'category', 'description']));
    await send('{not json').expect(400);
  });

  it('records an internet complaint once per post URL, without a phone', async () => {
    const auth = `Bearer ${await signToken(intake.config.AUTH_SECRET, { sub: 'monitor', role: 'call_center' })}`;
    const post = { kind: 'complaint', category: 'service_process', customer: { name: '车主论坛网友' }, description: '4S店乱收费', receivedAt: '2026-11-19T09:00:00+08:00', url: 'https://bbs.example.com/t/42', source: '汽车之家论坛', postedAt: '2026-11-22T20:00:00+08:00' };
    const first = await request(intake.app()).post('/api/internet-complaints').set('authorization', auth).send(post).expect(201);
    const again = await request(intake.app()).post('/api/internet-complaints').set('authorization', auth).send(post).expect(200);
    expect(again.body.number).toBe(first.body.number);
    const doc = await eventually(() => intake.models().Complaint.findById(first.body.number).lean(), Boolean);
    expect(doc).toMatchObject({ channel: 'internet', source: '汽车之家论坛' });
    const dealer = `Bearer ${await signToken(intake.config.AUTH_SECRET, { sub: 'd', role: 'dealer', dealerCode: 'SH001' })}`;
    await request(intake.app()).post('/api/internet-complaints').set('authorization', dealer).send(post).expect(403);
  });

  it('records one complaint for a post however its URL is spelled, by either route', async () => {
    const auth = `Bearer ${await signToken(intake.config.AUTH_SECRET, { sub: 'monitor', role: 'call_center' })}`;
    const post = { kind: 'complaint', category: 'service_process', customer: { name: '微博网友' }, description: '保养后漏油无人处理', receivedAt: '2026-11-19T10:00:00+08:00', source: '微博', postedAt: '2026-11-18T20:00:00+08:00' };
    const spellings = [
      'https://weibo.example.com/7788/PqRsT',
      'HTTPS://Weibo.Example.COM/7788/PqRsT',
      'https://weibo.example.com:443/7788/PqRsT',
      'https://weibo.example.com/7788/PqRsT/',
      'https://weibo.example.com/7788/PqRsT#comments',
      'https://weibo.example.com/7788/PqRsT?utm_source=share&utm_medium=wechat',
      'https://weibo.example.com/7788/PqRsT?share_token=abc123',
      'http://weibo.example.com/7788/PqRsT',
      'https://www.weibo.example.com/7788/PqRsT',
      'https://weibo.example.com/7788/PqRsT?spm=a2c4g.11186623&utm_campaign=x#top',
    ];
    const numbers = new Set<string>();
    for (const [i, url] of spellings.entries()) {
      const res = i % 2 ? await request(intake.app()).post('/api/internet-complaints').set('authorization', auth).send({ ...post, url }) : await request(intake.app()).post('/api/complaints').set('authorization', auth).send({ ...post, channel: 'internet', url });
      expect([200, 201]).toContain(res.status);
      numbers.add(res.body.number);
    }
    expect([...numbers]).toHaveLength(1);
    // A different post on the same site is another complaint; a parameter that names the post is kept.
    const other = await request(intake.app()).post('/api/internet-complaints').set('authorization', auth).send({ ...post, url: 'https://weibo.example.com/7788/PqRsT?page=2' }).expect(201);
    expect(numbers.has(other.body.number)).toBe(false);
  });

  it('a refused repeat of a call whose first attempt stopped before storing stores nothing it refused', async () => {
    // The first attempt claimed the key and stopped (a crash) before its submission was stored.
    await intake.models().IntakeKey.create({ _id: 'hotline:crashed-call-1', number: 'C20261119-0900' });
    const late = { ...validComplaint(), channel: 'hotline', callId: 'crashed-call-1', receivedAt: '2020-01-01T09:00:00+08:00' };
    const res = await send(late).expect(400);
    expect(res.body.details.map((d: { path: string }) => d.path)).toEqual(['receivedAt']);
    expect(await intake.models().Submission.exists({ _id: 'C20261119-0900' })).toBeNull();
    expect(await intake.models().PendingStart.exists({ _id: 'C20261119-0900' })).toBeNull();
  });

  it('finds a post recorded before URLs were made canonical by the spelling it was recorded with', async () => {
    const auth = `Bearer ${await signToken(intake.config.AUTH_SECRET, { sub: 'monitor', role: 'call_center' })}`;
    const post = { kind: 'complaint', category: 'service_process', customer: { name: '论坛网友' }, description: '索赔被拒', receivedAt: '2026-11-19T11:00:00+08:00', source: '论坛', url: 'https://bbs.example.com/t/77/?utm_source=app' };
    const first = await request(intake.app()).post('/api/internet-complaints').set('authorization', auth).send(post).expect(201);
    // As the former release keyed it: the URL as spelled.
    const keys = intake.models().IntakeKey;
    await keys.deleteMany({ number: first.body.number });
    await keys.create({ _id: `internet:${createHash('sha256').update(post.url).digest('hex')}`, number: first.body.number });
    const again = await request(intake.app()).post('/api/internet-complaints').set('authorization', auth).send(post).expect(200);
    expect(again.body.number).toBe(first.body.number);
  });
});
