import request from 'supertest';
import { getStateQuery } from '@complaints/workflows';
import { signToken } from '@complaints/runtime';
import { useIntakeApp } from '@complaints/intake/test/harness';
import { eventually, validComplaint } from '../../../test/support';
import { freePort } from '../../../scripts/lib/stack';
import { TestSmtp } from '../../../test/smtpSink';

// SPEC §5 delivery on real servers: an SMTP outage delays emails but loses none and sends none
// twice; a refused address is recorded as undeliverable and reported to the coordinator.
describe('email delivery', () => {
  let smtp: TestSmtp;
  const intake = useIntakeApp('delivery', {
    now: () => new Date('2030-05-06T10:00:00+08:00'),
    prepare: async () => {
      smtp = new TestSmtp(await freePort());
      return { SMTP_PORT: smtp.port }; // not started yet: the SMTP server is down
    },
  });
  const { config, tag } = intake;
  const coordinator = () => `coordinator-${tag}@test.local`;
  let token: string;

  beforeAll(async () => {
    token = await signToken(config.AUTH_SECRET, { sub: 'c', role: 'coordinator' });
  });
  afterAll(() => smtp?.stop());

  const submit = (fields: object) =>
    request(intake.app())
      .post('/api/complaints')
      .set('authorization', `Bearer ${token}`)
      .send({ ...validComplaint(), channel: 'email', ...fields })
      .expect(201)
      .then((res) => res.body.number as string);

  it('holds the emails while the SMTP server is down and sends each once when it is back', async () => {
    const number = await submit({ receivedAt: '2030-05-06T09:00:00+08:00' });
    // Two emails are due at once (SPEC §5): the coordinator's notice and the dealer's work order.
    const handle = intake.temporal().workflow.getHandle(`complaint-${number}`);
    const failing = await eventually(() => handle.describe(), (d) => (d.raw.pendingActivities ?? []).some((a) => (a.attempt ?? 0) >= 2), 30_000);
    expect(failing.raw.pendingActivities!.some((a) => a.lastFailure?.message?.includes('ECONNREFUSED'))).toBe(true);
    expect(await intake.models().Notification.countDocuments({ status: 'sent' })).toBe(0);

    await smtp.start();
    const settled = await eventually(() => handle.query(getStateQuery), (s) => s.idle === true, 60_000);
    expect(settled.idle).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 2000)); // room for a duplicate to show up
    const about = smtp.received.filter((m) => m.subject.includes(number));
    expect(about.map((m) => m.to[0]).sort()).toEqual([coordinator(), `sh001-${tag}@test.local`].sort());
    expect(new Set(about.map((m) => m.key)).size).toBe(about.length);
  }, 90_000);

  it('records a refused address as undeliverable, reports it to the coordinator, and still sends the others', async () => {
    await intake.models().Dealer.create({ _id: 'BAD01', name: '地址错误的服务商', region: 'east', contacts: [{ email: `bounce-bad01-${tag}@test.local`, language: 'zh' }] });
    const number = await submit({ dealerCode: 'BAD01', receivedAt: '2030-05-06T09:30:00+08:00' });
    const handle = intake.temporal().workflow.getHandle(`complaint-${number}`);

    const state = await eventually(() => handle.query(getStateQuery), (s) => s.events.some((e) => e.type === 'notification_undeliverable') && s.idle === true, 30_000);
    expect(state.status).toBe('awaiting_acknowledgement'); // the complaint goes on
    expect((await handle.describe()).status.name).toBe('RUNNING');

    const undeliverable = await intake.models().Notification.findOne({ to: `bounce-bad01-${tag}@test.local` }).lean();
    expect(undeliverable).toMatchObject({ status: 'undeliverable', template: 'work_order', error: expect.stringContaining('550') });

    const reports = await eventually(async () => smtp.to(coordinator()).filter((m) => m.subject.startsWith('【邮件无法投递】')), (r) => r.length > 0);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.subject).toBe(`【邮件无法投递】${number} 发往 bounce-bad01-${tag}@test.local 的邮件被拒收`);
    // The coordinator's own notice of the new complaint went out as usual.
    expect(smtp.to(coordinator()).some((m) => m.subject.includes(number) && m.subject.startsWith('【新抱怨已受理】'))).toBe(true);
    expect(smtp.to(`bounce-bad01-${tag}@test.local`)).toHaveLength(0);
  }, 60_000);
});
