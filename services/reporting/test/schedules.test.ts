import request from 'supertest';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { getStateQuery } from '@complaints/workflows';
import { signToken } from '@complaints/runtime';
import { useIntakeApp } from '@complaints/intake/test/harness';
import { SCHEDULES, ensureSchedules } from '../src/schedules';
import { monthFreezesAt, monthStart, previousMonth } from '@complaints/shared';
import { createReportingWorker } from '../src/worker';
import { address, eventually, mailbox, validComplaint } from '../../../test/support';
import { everythingAbout, savePoliciesOfThePast, storePastComplaint } from '../../../test/retentionFixtures';

// SPEC §5's periodic emails as Temporal Schedules, on the real dev server, FerretDB and SMTP sink.
describe('scheduled digests and lists', () => {
  const intake = useIntakeApp('sched');
  const { config, tag } = intake;
  let worker: Worker;
  let running: Promise<void>;
  let connection: NativeConnection;

  beforeAll(async () => {
    connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    worker = await createReportingWorker({ config, connection, models: intake.models() });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
    await Promise.all(SCHEDULES.map((s) => intake.temporal().schedule.getHandle(s.scheduleId).delete().catch(() => undefined)));
  });

  async function submit(body: { receivedAt?: string; [field: string]: unknown }) {
    // Recorded by staff an hour after receipt: within the policy's window back.
    if (body.receivedAt) intake.setNow(new Date(new Date(body.receivedAt).getTime() + 3_600_000));
    // Staff record other channels than the web form (the public may not).
    const token = await signToken(config.AUTH_SECRET, { sub: 'c', role: 'coordinator' });
    const { body: created } = await request(intake.app()).post('/api/complaints').set('authorization', `Bearer ${token}`).send(body).expect(201);
    await eventually(() => intake.temporal().workflow.getHandle(created.workflowId).query(getStateQuery), (s) => s.idle === true);
    return created.number as string;
  }

  it('creates the schedules once, and each run sends its emails once per period', async () => {
    // Receipt dates of their own (test/support.ts): numbers never meet another file's.
    const hotline = await submit({ ...validComplaint(), channel: 'hotline', receivedAt: '2033-03-17T10:00:00+08:00' });
    const internet = await submit({ ...validComplaint(), category: 'service_process', channel: 'internet', url: 'https://weibo.example.com/p/9', source: '微博', customer: { name: '网友' }, receivedAt: '2033-03-17T11:00:00+08:00' });

    expect(await ensureSchedules(intake.temporal(), config)).toEqual(SCHEDULES.map((s) => s.scheduleId));
    expect(await ensureSchedules(intake.temporal(), config)).toEqual([]); // a restart changes nothing
    const description = await intake.temporal().schedule.getHandle('dealer-daily-digest').describe();
    expect(description.spec).toMatchObject({ timezone: 'Asia/Shanghai' });

    const digest = intake.temporal().schedule.getHandle('dealer-daily-digest');
    await digest.trigger();
    const digests = await eventually(() => mailbox.to(address('sh001', tag)), (m) => m.some((x) => x.subject.startsWith('【每日待办】')));
    const sh001 = digests.find((x) => x.subject.startsWith('【每日待办】'));
    expect(sh001!.subject).toMatch(/^【每日待办】SH001 共 2 张未闭环派工单/);
    expect(sh001!.text).toContain(hotline);
    expect(sh001!.text).toContain(internet);
    expect(sh001!.text).not.toContain('13800138000');

    await digest.trigger(); // the same day again: nothing more
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await mailbox.to(address('sh001', tag)).then((m) => m.filter((x) => x.subject.startsWith('【每日待办】')))).toHaveLength(1);

    await intake.temporal().schedule.getHandle('regional-weekly-internet-list').trigger();
    const lists = await eventually(() => mailbox.to(address('rm-east', tag)), (m) => m.some((x) => x.subject.startsWith('【网络抱怨周报】')));
    const list = lists.find((x) => x.subject.startsWith('【网络抱怨周报】'))!;
    expect(list.subject).toMatch(/east 共 1 条/);
    expect(list.text).toContain(internet);
    expect(list.text).not.toContain(hotline);

    const coordinator = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'c', role: 'coordinator' })}`;
    await request(intake.app()).post(`/api/complaints/${hotline}/force-close`).set('authorization', coordinator).send({ reason: '客户期望无法满足' }).expect(200);
    await intake.temporal().schedule.getHandle('monthly-forced-closure-list').trigger();
    const monthly = await eventually(() => mailbox.to(address('coordinator', tag)), (m) => m.some((x) => x.subject.startsWith('【强制闭环月报】')));
    // Closed this month: it goes into next month's list, so last month's is empty.
    expect(monthly.find((x) => x.subject.startsWith('【强制闭环月报】'))!.subject).toMatch(/共 0 条$/);
  });

  it('moves a monthly-scoring schedule a former release created to the daily freeze-day check; leaves one an operator edited', async () => {
    const handle = intake.temporal().schedule.getHandle('monthly-scoring');
    await handle.delete().catch(() => undefined);
    const former = { scheduleId: 'monthly-scoring', action: { type: 'startWorkflow' as const, workflowType: 'monthlyScoringWorkflow', taskQueue: config.TASK_QUEUE_REPORTING, args: [{ notifications: config.TASK_QUEUE_NOTIFICATIONS }] }, state: { paused: true } };
    await intake.temporal().schedule.create({ ...former, spec: { cronExpressions: ['0 6 1 * *'], timezone: 'Asia/Shanghai' }, state: { paused: true, note: '每月1日 06:00 冻结上月服务商考核并通知关键客户科 (freeze last month’s scorecards)' } });
    expect(await ensureSchedules(intake.temporal(), config)).toContain('monthly-scoring');
    const moved = await handle.describe();
    expect(moved.state.note).toMatch(/^每日 06:00/);
    expect(moved.spec.calendars?.[0]).toMatchObject({ dayOfMonth: [{ start: 1, end: 31, step: 1 }], hour: [{ start: 6, end: 6, step: 1 }] });
    expect(moved.state.paused).toBe(true); // the rest as it was
    await handle.update((previous) => ({ ...previous, state: { ...previous.state, note: 'edited by ops' } }));
    expect(await ensureSchedules(intake.temporal(), config)).not.toContain('monthly-scoring');
    await handle.delete();
  });

  it('freezes last month’s scorecards on the freeze day and tells the coordinator, each dealer and each regional manager, once', async () => {
    await ensureSchedules(intake.temporal(), config);
    // SPEC §6: the month just ended freezes on the 10th at 06:00 (the default policy); before then,
    // the month before it is the latest due.
    const now = new Date();
    const month = monthFreezesAt(previousMonth(now)).getTime() <= now.getTime() ? previousMonth(now) : previousMonth(monthStart(previousMonth(now)));
    const scoring = intake.temporal().schedule.getHandle('monthly-scoring');
    await scoring.trigger();
    const summary = await eventually(() => mailbox.to(address('coordinator', tag)), (m) => m.some((x) => x.subject.startsWith(`【月度考核】${month}`)));
    expect(summary.filter((x) => x.subject.startsWith('【月度考核】'))).toHaveLength(1);
    expect(await intake.models().FrozenScorecard.findById(month).lean()).toMatchObject({ month, version: 1, frozenBy: 'schedule:monthly-scoring', audit: [{ action: 'freeze', reason: 'month closed' }] });
    // Last month had no complaints in this directory: all three dealers qualify, ¥2,000 each (the default policy).
    const coordinatorText = summary.find((x) => x.subject.startsWith('【月度考核】'))!.text;
    expect(coordinatorText).toContain('支持额度合计：¥6,000');
    expect(coordinatorText).toContain('east · 服务商 2 家 · 符合 2 家 · 支持额度 ¥4,000');
    expect(coordinatorText).toContain('north · 服务商 1 家 · 符合 1 家 · 支持额度 ¥2,000');
    expect(coordinatorText).toContain('客户投诉分析报告');
    // Each dealer its own card, in its language; each regional manager the region's table.
    const card = async (local: string, prefix: string) => (await eventually(() => mailbox.to(address(local, tag)), (m) => m.some((x) => x.subject.startsWith(prefix)))).filter((x) => x.subject.startsWith(prefix));
    const sh001 = await card('sh001', `【月度考核】${month} 上海浦东 4S 店（SH001）`);
    expect(sh001).toHaveLength(1);
    expect(sh001[0]!.text).toContain('抱怨处理费用支持：符合，支持额度 ¥2,000');
    expect(sh001[0]!.text).not.toContain('BJ002');
    expect(await card('sh002', `[Monthly scoring] ${month} 上海闵行 4S 店 (SH002)`)).toHaveLength(1);
    expect(await card('bj002', `【月度考核】${month} 北京海淀 3S 店（BJ002）`)).toHaveLength(1);
    const east = await card('rm-east', `【大区月度考核】${month} east`);
    expect(east).toHaveLength(1);
    expect(east[0]!.subject).toContain('2/2 家符合费用支持条件');
    expect(east[0]!.text).toContain('SH001 上海浦东 4S 店');
    expect(east[0]!.text).not.toContain('BJ002');
    expect(await card('rm-north', `【大区月度考核】${month} north`)).toHaveLength(1);

    await scoring.trigger(); // a re-run: the month is frozen already, nothing changes and nothing is sent
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await mailbox.to(address('coordinator', tag))).filter((x) => x.subject.startsWith('【月度考核】'))).toHaveLength(1);
    expect((await mailbox.to(address('sh001', tag))).filter((x) => x.subject.startsWith('【月度考核】'))).toHaveLength(1);
    expect((await mailbox.to(address('rm-east', tag))).filter((x) => x.subject.startsWith('【大区月度考核】'))).toHaveLength(1);
    expect((await intake.models().FrozenScorecard.findById(month).lean())!.version).toBe(1);
  });

  it('erases, every day, the personal data of complaints closed longer ago than their policy’s retention', async () => {
    // Received and closed in March 2024 under a policy keeping closed complaints 1 year.
    const number = 'C20240304-0001';
    await savePoliciesOfThePast(intake.models());
    await storePastComplaint(intake.models(), { number, receivedAt: '2024-03-04T10:00:00+08:00', closedAt: '2024-03-08T02:00:00.000Z' });
    await ensureSchedules(intake.temporal(), config);
    const retention = intake.temporal().schedule.getHandle('daily-retention');
    expect((await retention.describe()).spec).toMatchObject({ timezone: 'Asia/Shanghai' });

    await retention.trigger();
    const erased = await eventually(() => intake.models().Complaint.findById(number).lean(), (d) => Boolean(d?.erasedAt));
    expect(erased).toMatchObject({ status: 'closed', erasedUnder: '2024.short', erasedBecause: 'retention' });
    expect(await everythingAbout(intake.models(), number)).not.toContain('PII');
    expect(await intake.models().PrivacyAudit.findById(`${number}:erase`).lean()).toMatchObject({ action: 'erase', by: 'schedule:daily-retention', policyVersion: '2024.short' });
  });
});
