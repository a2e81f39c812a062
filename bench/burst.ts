// The burst scenario of `npm run bench` (issue 22, "the 16:30 burst"): every closure deadline of a
// day falls at the cutoff, so on a busy day hundreds of closure-overdue notices (dealer, regional
// manager, coordinator) are due at the same instant. On the local stack as `npm start` runs it
// (Temporal dev server with its file database, FerretDB, the intake and notifier services as
// processes with the product's settings) and a real SMTP server in this process:
//
//   1. start   N complaints received "yesterday" just before a cutoff a few minutes from now, under
//              a bench policy whose closure clock is one calendar day: every one's closure deadline
//              is the same instant D (the calendar makes D's date a working day if it is not one);
//   2. burst   at D every workflow's closure-overdue clock runs out: for each overdue email (three a
//              complaint) its arrival in the SMTP sink minus D, counted by notification key and
//              Message-ID: none missing, none twice;
//   3. rate    emails per second through the notifier's send activity (render, record, the pooled
//              SMTP transport the notifier uses) in the same run: the bound is emails ÷ rate, and
//              the last email should arrive no later than 1 s after it;
//   4. floor   the same number of clocks on a fresh dev server, in workflows with no-op activities
//              (bench/floor.ts): what Temporal alone needs for the complaint's steps and for less.
// BENCH_BURST_COMPLAINTS (default 1,000) and BENCH_BURST_LEAD_SECONDS (how far ahead D lies;
// default: long enough for every complaint to be received first) change the size.
import { cpSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { Client, Connection } from '@temporalio/client';
import * as proto from '@temporalio/proto';
import { smtpSink } from './fixtures';
import { beijingDate, beijingIso, complaintInputSchema, complaintWorkflowId, loadConfig, type CalendarYear } from '@complaints/shared';
import { newPayloadKey, payloadDataConverter, readDirectoryFile } from '@complaints/runtime';
import { DEMO_DIRECTORY_FILE } from '@complaints/runtime/src/directory';
import { shippedCalendars, shippedPolicies } from '@complaints/runtime/src/rules';
import { createModels, createNotificationActivities, saveCalendar, savePolicy } from '@complaints/activities';
import { submitComplaint } from '@complaints/intake/src/submit';
import { createTransport } from '@complaints/notifier/src/smtp';
import { loadTemplates } from '@complaints/notifier/src/templates';
import { createRecipientResolver } from '@complaints/notifier/src/recipients';
import { NOTIFIER_ACTIVITY_CONCURRENCY } from '@complaints/notifier/src/worker';
import { LocalStack } from '../scripts/lib/stack';
import { benchComplaint, cpuMs, cpuPerOperation, peakMemoryMiB, percentile, type Row } from './rows';
import { inPool } from '../scripts/lib/pool';
import { FLOOR_SHAPES, floorOf } from './floor';
import { metricsUrlOf, operationsPer, persistenceOperations, persistenceOperationsSoFar } from '../scripts/lib/temporalMetrics';

const N = Number(process.env.BENCH_BURST_COMPLAINTS ?? 1_000);
// The receipts run at about 8 a second on 2 cores (bench/scale.ts), the closure reminders they
// send at once included: D lies after all of them, and more than three minutes after, as on a real
// day: a clock that far off is armed again in the minute before it runs out (the complaint workflow).
const LEAD_SECONDS = Number(process.env.BENCH_BURST_LEAD_SECONDS ?? Math.ceil(N / 6) + 240);
const RATE_EMAILS = Number(process.env.BENCH_BURST_RATE_EMAILS ?? Math.max(300, Math.min(3 * N, 1500)));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Arrival {
  key: string;
  messageId: string;
  at: number;
}

/** A real SMTP sink that notes each message's notification key, Message-ID and arrival time (ms). */
async function recordingSink(port: number) {
  const arrivals: Arrival[] = [];
  const sink = await smtpSink(port, (head, at) => {
    // Unfolded first: nodemailer folds a long header onto the next line.
    const unfolded = head.toString('latin1').replace(/\r\n[ \t]+/g, ' ');
    const key = /^X-Notification-Key:\s*(\S+)/im.exec(unfolded)?.[1] ?? '';
    const messageId = /^Message-ID:\s*(\S+)/im.exec(unfolded)?.[1] ?? '';
    arrivals.push({ key, messageId, at });
  });
  return { arrivals, close: sink.close };
}

/** The year's calendar with `date` a working day: a weekend becomes a make-up working day, a holiday is dropped. */
function withWorkingDay(calendars: CalendarYear[], date: string): CalendarYear {
  const year = Number(date.slice(0, 4));
  const calendar = calendars.find((c) => c.year === year) ?? { year, version: `bench-${year}`, holidays: [], makeUpWorkdays: [] };
  const weekday = new Date(`${date}T12:00:00+08:00`).getUTCDay(); // 0 Sunday … 6 Saturday
  const holidays = calendar.holidays.filter((h) => !(h.from <= date && date <= h.to));
  const weekend = weekday === 0 || weekday === 6;
  const makeUpWorkdays = weekend && !calendar.makeUpWorkdays.some((d) => d.date === date) ? [...calendar.makeUpWorkdays, { name: 'bench', date }] : calendar.makeUpWorkdays;
  return { ...calendar, version: `${calendar.version}-bench`, holidays, makeUpWorkdays };
}

/**
 * Where the latest emails spent their time: each one's complaint history from the timer that fired
 * to the send activity's completion, in ms after the deadline (printed, not measured).
 */
async function explainLatest(temporal: Client, emails: Arrival[], deadline: number): Promise<void> {
  const latest = [...emails].sort((a, b) => b.at - a.at).filter((a, i, all) => all.findIndex((b) => b.key.split(':')[0] === a.key.split(':')[0]) === i).slice(0, 3);
  for (const email of latest) {
    const number = email.key.split(':')[0]!;
    const history = await temporal.workflow.getHandle(complaintWorkflowId(number)).fetchHistory();
    const steps: string[] = [];
    for (const event of history.events ?? []) {
      const at = Number(event.eventTime?.seconds ?? 0) * 1000 + Math.round((event.eventTime?.nanos ?? 0) / 1e6) - deadline;
      if (at < -1000) continue;
      const type = String(proto.temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? event.eventType).replace('EVENT_TYPE_', '').toLowerCase();
      const detail = event.activityTaskScheduledEventAttributes?.activityType?.name ?? (event.activityTaskStartedEventAttributes ? `attempt ${event.activityTaskStartedEventAttributes.attempt}` : '');
      steps.push(`${type}${detail ? ` (${detail})` : ''} ${at}`);
    }
    console.log(`burst: ${number} emailed ${email.at - deadline} ms after the deadline: ${steps.join(', ')}`);
  }
}

export async function benchBurst(dir: string): Promise<{ rows: Row[]; figures: Record<string, number | string> }> {
  const ports = await LocalStack.freePorts();
  const sink = await recordingSink(ports.smtp);
  const stack = new LocalStack({
    dataDir: path.join(dir, 'burst'),
    ports,
    maildev: false,
    env: { ...process.env, AUTH_SECRET: 'bench-burst-secret-0123456789', HOTLINE_SECRET: 'bench-burst-hotline-0123456789', PAYLOAD_KEYS: `bench:${newPayloadKey().key}`, DIRECTORY_FILE: DEMO_DIRECTORY_FILE, LOG_LEVEL: 'warn' },
  });
  try {
    await stack.startServers();
    const config = loadConfig({ ...stack.env });
    const mongo = await mongoose.createConnection(config.MONGO_URL).asPromise();
    const models = createModels(mongo);

    // D: the cutoff, a whole minute at least LEAD_SECONDS from now. Received one day and a minute
    // before it, a complaint's closure deadline (one calendar day, at the cutoff) is D.
    const deadline = Math.ceil((Date.now() + LEAD_SECONDS * 1000) / 60_000) * 60_000;
    const cutoff = beijingIso(deadline).slice(11, 16);
    const receivedAt = new Date(deadline - 86_400_000 - 60_000);
    const base = shippedPolicies().at(-1)!;
    const oneDay = Object.fromEntries(Object.keys(base.closure.days).map((category) => [category, 1])) as typeof base.closure.days;
    // Before intake starts: its start-up seeds the shipped rules only where none are stored. The
    // other clocks stay away from D: the closure reminder is due before the complaints arrive (it
    // is sent at receipt), the work order's confirmation the next working day (dueAt has passed).
    await savePolicy(models, {
      ...base,
      version: `bench-burst-${deadline}`,
      effectiveFrom: new Date(receivedAt.getTime() - 86_400_000).toISOString(),
      cutoff,
      acknowledgement: { ...base.acknowledgement, dueAt: '00:00' },
      closure: { counting: 'calendar_days', days: oneDay, reminderBeforeHours: 24 },
    });
    await saveCalendar(models, withWorkingDay(shippedCalendars(), beijingDate(deadline)));
    await Promise.all([stack.start('intake'), stack.start('notifier')]);

    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    const temporal = new Client({ connection, dataConverter: payloadDataConverter(config) });
    const dealers = readDirectoryFile(DEMO_DIRECTORY_FILE).dealers.map((d) => d.code);
    const deps = { config, models, temporal, now: () => new Date() };

    console.log(`burst: ${N} complaints, every closure deadline at ${beijingIso(deadline)} (in ${Math.round((deadline - Date.now()) / 1000)} s)`);
    const startT = performance.now();
    const numbers = await inPool(N, 32, async (i) => (await submitComplaint(deps, complaintInputSchema.parse(benchComplaint(dealers[i % dealers.length]!, { receivedAt: receivedAt.toISOString() })))).number);
    const startSeconds = (performance.now() - startT) / 1000;
    // Received and dispatched, with the closure deadline recorded in the read model.
    let ready = 0;
    while ((ready = await models.Complaint.countDocuments({ _id: { $in: numbers }, status: 'awaiting_acknowledgement', closureDeadline: { $exists: true } })) < N && Date.now() < deadline) await sleep(2000);
    const readyBefore = (deadline - Date.now()) / 1000;
    const dues = await models.Complaint.distinct('closureDeadline', { _id: { $in: numbers } });
    if (ready < N || dues.length !== 1 || Date.parse(String(dues[0])) !== deadline) {
      throw new Error(`burst: only ${ready} of ${N} complaints were received ${readyBefore.toFixed(0)} s before the deadline, with closure deadlines ${JSON.stringify(dues)}: give it a longer BENCH_BURST_LEAD_SECONDS`);
    }
    console.log(`burst: ${N} received in ${startSeconds.toFixed(0)} s (+ workflows), ${readyBefore.toFixed(0)} s before the deadline`);
    const before = sink.arrivals.length;
    // What each process spends on the burst: read at the deadline and when the last email is in.
    const parts = ['intake', 'notifier', 'temporal', 'ferretdb'] as const;
    const cpuNow = () => parts.map((part) => cpuMs(stack.process(part).child.pid));
    const metricsUrl = metricsUrlOf(path.join(stack.logDir, 'temporal.log'));
    await sleep(Math.max(0, deadline - Date.now() - 200));
    const cpuBefore = cpuNow();
    const operationsBefore = await persistenceOperations(metricsUrl); // the last report, less than a second old: nothing of the burst yet

    // Every overdue email: <number>:closure-overdue:<recipient>, three a complaint.
    const expected = 3 * N;
    const overdue = () => sink.arrivals.filter((a) => /^C\d{8}-\d+:closure-overdue:/.test(a.key));
    const timeout = deadline + Math.max(5 * 60_000, N * 300);
    while (Date.now() < timeout && new Set(overdue().map((a) => a.key)).size < expected) await sleep(500);
    const cpuAfter = cpuNow();
    const temporalOperations = operationsPer(operationsBefore, await persistenceOperationsSoFar(metricsUrl), N);
    console.log(`burst: Temporal's persistence operations per complaint: ${temporalOperations}`);
    // Temporal keeps every complaint the burst woke in its caches (deploy/temporal-dynamicconfig.yaml): their cost.
    const temporalPeakMiB = peakMemoryMiB(stack.process('temporal').child.pid!);
    console.log(`burst: Temporal's dev server held at most ${temporalPeakMiB} MiB`);
    await sleep(5000); // anything late or twice would still show
    const emails = overdue();
    const keys = new Set(emails.map((a) => a.key));
    const messageIds = new Set(emails.map((a) => a.messageId));
    const twice = emails.length - keys.size;
    const missing = expected - keys.size;
    const lateness = emails.map((a) => a.at - deadline).sort((a, b) => a - b);
    const last = lateness.at(-1) ?? 0;
    // The other emails that arrived from the deadline on, by what they are about (the key's middle):
    // load the burst shares. Before it, the receipts' own emails may still be going out.
    const others = new Map<string, number>();
    for (const { key, at } of sink.arrivals.slice(before)) {
      if (at < deadline || /:closure-overdue:/.test(key)) continue;
      const about = key.split(':')[1] ?? key;
      others.set(about, (others.get(about) ?? 0) + 1);
    }
    const otherDuring = [...others.values()].reduce((sum, n) => sum + n, 0);
    if (others.size) console.log(`burst: other emails from the deadline on: ${[...others].map(([about, count]) => `${about} ${count}`).join(', ')}`);
    await explainLatest(temporal, emails, deadline);
    // The services' logs outlive the run's folder: a retried or timed-out task is explained there.
    const logs = path.join(os.tmpdir(), 'complaints-burst-logs');
    rmSync(logs, { recursive: true, force: true });
    cpSync(stack.logDir, logs, { recursive: true });
    console.log(`burst: the services' logs are in ${logs}`);

    // The send rate alone: the notifier's activity in this process, as many at once as the
    // notifier runs, the same three recipients a notification, over the same pooled transport.
    const transport = createTransport(config);
    const activities = createNotificationActivities({
      models,
      transport,
      from: config.MAIL_FROM,
      render: loadTemplates({ baseUrl: config.PUBLIC_BASE_URL }),
      resolveRecipients: createRecipientResolver({ models, coordinatorEmail: config.COORDINATOR_EMAIL, warn: () => undefined }),
    });
    const notifications = Math.ceil(RATE_EMAILS / 3);
    const rateBefore = sink.arrivals.length;
    const rateCpuBefore = [cpuMs(), cpuMs(stack.process('ferretdb').child.pid)];
    const t0 = performance.now();
    await inPool(notifications, NOTIFIER_ACTIVITY_CONCURRENCY, (i) => {
      const dealerCode = dealers[i % dealers.length]!;
      return activities.sendNotification({
        key: `bench-rate-${i}`,
        template: 'closure_overdue',
        recipients: [{ dealerCode }, { region: 'east' }, { role: 'coordinator' }],
        data: { number: `C20991231-${String(i).padStart(4, '0')}`, kind: 'complaint', category: 'service_process', severity: 'minor', channel: 'email', dealerCode, region: 'east', receivedAt: receivedAt.toISOString(), closureDeadline: beijingIso(deadline), replyDue: '', policyVersion: '' },
      });
    });
    const rateSeconds = (performance.now() - t0) / 1000;
    const rateCpuAfter = [cpuMs(), cpuMs(stack.process('ferretdb').child.pid)];
    const sent = sink.arrivals.length - rateBefore;
    // How much of the machine the send rate alone took: at the bound, everything else must fit in the rest.
    const rateCores = (rateCpuAfter[0]! - rateCpuBefore[0]! + rateCpuAfter[1]! - rateCpuBefore[1]!) / 1000 / rateSeconds;
    transport.close();
    const perSecond = sent / rateSeconds;
    const bound = (expected / perSecond) * 1000;

    await connection.close();
    await mongo.close();
    await stack.stopAll();
    const floors = [];
    for (const shape of FLOOR_SHAPES) {
      const floor = await floorOf(dir, N, shape);
      console.log(`burst floor: ${floor.row.variant}: the last activity ${floor.lastMs} ms after the timers`);
      floors.push(floor);
    }
    const rows: Row[] = [
      {
        scenario: 'burst: closure deadline → email',
        variant: `${N} complaints due at one instant, ${emails.length} overdue emails of ${expected} (missing ${missing}, twice ${twice}); the last ${(last / 1000).toFixed(1)} s after the deadline, the send rate alone needs ${(bound / 1000).toFixed(1)} s (target: last <= bound + 1 s)`,
        operations: emails.length,
        seconds: Number((last / 1000).toFixed(2)),
        perSecond: Math.round(emails.length / Math.max(last / 1000, 0.001)),
        p50Ms: Math.round(percentile(lateness, 50)),
        p99Ms: Math.round(percentile(lateness, 99)),
        maxMs: Math.round(last),
        cpuPerOp: `per complaint: ${cpuPerOperation([...parts], cpuBefore, cpuAfter, N)}`,
      },
      { scenario: 'burst: emails per second', variant: `the send activity alone, ${NOTIFIER_ACTIVITY_CONCURRENCY} at once, 3 recipients each, pooled SMTP; it kept ${rateCores.toFixed(1)} of ${os.cpus().length} cores busy`, operations: sent, seconds: Number(rateSeconds.toFixed(2)), perSecond: Math.round(perSecond), cpuPerOp: `per email: ${cpuPerOperation(['bench (activity and SMTP sink)', 'ferretdb'], rateCpuBefore, rateCpuAfter, sent)}` },
      ...floors.map((floor) => floor.row),
    ];
    const figures = { complaints: N, emailsExpected: expected, emails: emails.length, distinctKeys: keys.size, distinctMessageIds: messageIds.size, missing, twice, otherEmailsDuring: otherDuring, lastMs: Math.round(last), p50Ms: Math.round(percentile(lateness, 50)), p99Ms: Math.round(percentile(lateness, 99)), emailsPerSecond: Math.round(perSecond), boundMs: Math.round(bound), lastMinusBoundMs: Math.round(last - bound), startSeconds: Number(startSeconds.toFixed(1)), temporalPeakMiB, temporalOperationsPerComplaint: temporalOperations, rateCores: Number(rateCores.toFixed(2)), ...Object.fromEntries(floors.map((floor, i) => [`floor${i + 1}LastMs`, floor.lastMs])) };
    return { rows, figures };
  } finally {
    await stack.stopAll();
    await sink.close();
  }
}
