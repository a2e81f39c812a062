// The notifier scenarios of `npm run bench` (issue 7):
//   lateness   many complaints whose reply clock (a short policy: 60 s, once the start-up work of the burst is done) runs out at about the same
//              time, on the real dev server with the complaint and notifier workers; p50/p99 of the
//              overdue email's arrival in the SMTP sink minus the reply deadline (target p99 <= 1 s)
//   emails/s   the send activity (render, record, pooled SMTP) to the sink, 16 at once
// The SMTP sink is a real SMTP server (smtp-server) in this process, for arrival times to the ms.
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { connectMongo, connectTemporal, createLogger, newPayloadKey, readDirectoryFile } from '@complaints/runtime';
import { complaintInputSchema, loadConfig, type Config } from '@complaints/shared';
import { shippedPolicies } from '@complaints/runtime/src/rules';
import { createModels, createNotificationActivities, saveDirectory, savePolicy, seedRules } from '@complaints/activities';
import { submitComplaint } from '@complaints/intake/src/submit';
import { createComplaintWorker } from '@complaints/intake/src/worker';
import { createTransport } from '@complaints/notifier/src/smtp';
import { createNotifierWorker } from '@complaints/notifier/src/worker';
import { loadTemplates } from '@complaints/notifier/src/templates';
import { createRecipientResolver } from '@complaints/notifier/src/recipients';
import { smtpSink } from './fixtures';
import { benchComplaint, percentile, type Row } from './rows';
import { inPool } from '../scripts/lib/pool';
import { ManagedProcess, ROOT, freePort, startFerret, startTemporal } from '../scripts/lib/stack';

const COMPLAINTS = Number(process.env.BENCH_LATENESS_COMPLAINTS ?? 200);
const EMAILS = Number(process.env.BENCH_EMAILS ?? 500);
const REPLY_SECONDS = Number(process.env.BENCH_REPLY_SECONDS ?? 60);

interface SinkEmail {
  subject: string;
  /** When the sink had the whole message, by this process's clock (the Date header has whole seconds only). */
  arrivedAt: number;
}

/** A real SMTP sink on loopback that notes when each message arrived, to the millisecond. */
async function startSink(port: number): Promise<{ emails: SinkEmail[]; close: () => Promise<void> }> {
  const emails: SinkEmail[] = [];
  const sink = await smtpSink(port, (head, arrivedAt) => {
    const encoded = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(head.toString('utf8', 0, 4096))?.[1] ?? '';
    // nodemailer encodes a Chinese subject as RFC 2047 words: decode them.
    const subject = encoded.replace(/\r\n[ \t]/g, '').replace(/=\?UTF-8\?B\?([^?]*)\?=\s*/gi, (_m, b64: string) => Buffer.from(b64, 'base64').toString('utf8'));
    emails.push({ subject, arrivedAt });
  });
  return { emails, close: sink.close };
}

export async function benchNotifier(dir: string): Promise<Row[]> {
  const [temporalPort, mongoPort, smtpPort] = [await freePort(), await freePort(), await freePort()];
  const procs: ManagedProcess[] = [];
  const sink = await startSink(smtpPort);
  try {
    procs.push(await startTemporal({ port: temporalPort, dbFile: path.join(dir, 'notifier-temporal.db'), logFile: path.join(dir, 'notifier-temporal.log') }));
    procs.push(await startFerret({ port: mongoPort, dataDir: path.join(dir, 'notifier-ferretdb'), logFile: path.join(dir, 'notifier-ferretdb.log') }));
    const config: Config = loadConfig({
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      MONGO_URL: `mongodb://127.0.0.1:${mongoPort}/complaints`,
      SMTP_PORT: String(smtpPort),
      AUTH_SECRET: randomUUID(),
      HOTLINE_SECRET: randomUUID(),
      PAYLOAD_KEYS: `bench:${newPayloadKey().key}`,
      LOG_LEVEL: 'silent',
    });
    const logger = createLogger('bench', 'silent');
    const mongo = await connectMongo(config);
    const models = createModels(mongo);
    await Promise.all(Object.values(models).map((model) => model.init()));
    await seedRules(models);
    await saveDirectory(models, readDirectoryFile(path.join(ROOT, 'shared/directory/demo.json')));
    // A short reply clock, in force from now on; the other clocks stay out of the way.
    const base = shippedPolicies().at(-1)!;
    await savePolicy(models, { ...base, version: `bench-${Date.now()}`, effectiveFrom: new Date(Date.now() - 60_000).toISOString(), reply: { hours: REPLY_SECONDS / 3600, reminderBeforeHours: REPLY_SECONDS / 2 / 3600 } }); // the reminder halfway, away from the deadline

    const temporal = await connectTemporal(config);
    const transport = createTransport(config);
    const workers = [
      await createComplaintWorker({ config, connection: temporal.workerConnection, models, logger }),
      await createNotifierWorker({ config, connection: temporal.workerConnection, mongo, transport, logger }),
    ];
    const running = workers.map((w) => w.run());
    try {
      const dealers = (await models.Dealer.find({}, { _id: 1 }).lean()).map((d) => d._id);
      const deps = { config, models, temporal: temporal.client, now: () => new Date() };
      const numbers = await inPool(COMPLAINTS, 8, async (i) => (await submitComplaint(deps, complaintInputSchema.parse(benchComplaint(dealers[i % dealers.length]!)))).number);
      // Each overdue email goes to the dealer and the regional manager(s): wait until all arrived.
      const overdue = (emails: SinkEmail[]) => emails.filter((m) => m.subject.startsWith('【回复超时】'));
      const deadline = Date.now() + (REPLY_SECONDS + 120) * 1000;
      let emails: SinkEmail[] = [];
      const expected = new Set(numbers);
      while (Date.now() < deadline) {
        emails = overdue(sink.emails);
        const covered = new Set(emails.map((m) => /C\d{8}-\d{4,}/.exec(m.subject)?.[0]));
        if ([...expected].every((n) => covered.has(n))) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const docs = await models.Complaint.find({ _id: { $in: numbers } }, { replyDue: 1 }).lean();
      const due = new Map(docs.map((d) => [d._id, Date.parse(d.replyDue!)]));
      const lateness = emails.map((m) => m.arrivedAt - due.get(/C\d{8}-\d{4,}/.exec(m.subject)![0])!).sort((a, b) => a - b);
      const missing = numbers.filter((n) => !emails.some((m) => m.subject.includes(n))).length;
      if (missing) console.log(`lateness: ${missing} of ${numbers.length} complaints had no overdue email within 2 minutes of the deadline`);

      const latenessRow: Row = {
        scenario: 'notifier: deadline → email',
        variant: `${numbers.length} complaints, reply clock ${REPLY_SECONDS} s, ${emails.length} emails (missing: ${missing})`,
        operations: emails.length,
        seconds: Number(((lateness.at(-1) ?? 0) / 1000).toFixed(2)),
        perSecond: 0,
        p50Ms: Math.round(percentile(lateness, 50)),
        p99Ms: Math.round(percentile(lateness, 99)),
        maxMs: Math.round(lateness.at(-1) ?? 0),
      };

      // Emails per second through the activity: render, record the key, send over the pool.
      const activities = createNotificationActivities({
        models,
        transport,
        from: config.MAIL_FROM,
        render: loadTemplates({ baseUrl: config.PUBLIC_BASE_URL }),
        resolveRecipients: createRecipientResolver({ models, coordinatorEmail: config.COORDINATOR_EMAIL, warn: () => undefined }),
      });
      const t0 = performance.now();
      await inPool(EMAILS, 16, (i) =>
        activities.sendNotification({
              key: `bench-${i}`,
              template: 'work_order',
              recipients: [{ role: 'call_center' }],
              data: { number: `C20991231-${String(i).padStart(4, '0')}`, kind: 'complaint', category: 'service_process', severity: 'minor', channel: 'email', dealerCode: 'SH001', region: 'east', receivedAt: new Date().toISOString(), closureDeadline: '', replyDue: new Date().toISOString(), suggestion: '' },
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      const rateRow: Row = { scenario: 'notifier: emails per second', variant: 'send activity, pooled SMTP (10 connections), 16 at once', operations: EMAILS, seconds: Number(seconds.toFixed(2)), perSecond: Math.round(EMAILS / seconds) };
      return [latenessRow, rateRow];
    } finally {
      workers.forEach((w) => w.shutdown());
      await Promise.all(running);
      transport.close();
      await temporal.close();
      await mongo.close();
    }
  } finally {
    for (const proc of procs.reverse()) await proc.stop();
    await sink.close();
  }
}
