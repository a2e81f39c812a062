// Faults on the real stack (issue 9), loopback only, each bounded in time: the notifier killed in the
// middle of sending, the SMTP server down, FerretDB restarted under load, intake killed during a
// burst of hotline webhooks that the call center retries, and the Temporal dev server restarted
// while timers are pending. Each prints its figures; all go to test-output/faults.json.
//
// The stack is the one `npm start` runs (scripts/lib/stack.ts), as processes; the SMTP server is a
// real one in this process (test/smtpSink.ts), so that it can be stopped and counted.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { Client, Connection } from '@temporalio/client';
import { getStateQuery } from '@complaints/workflows';
import { readDirectoryFile, signToken } from '@complaints/runtime';
import { DEMO_DIRECTORY_FILE } from '@complaints/runtime/src/directory';
import { shippedPolicies } from '@complaints/runtime/src/rules';
import { createModels, savePolicy } from '@complaints/activities';
import { hotlineSignature } from '@complaints/intake/src/integrations';
import { LocalStack } from '../../scripts/lib/stack';
import { inPool } from '../../scripts/lib/pool';
import { TestSmtp, type Received } from '../smtpSink';
import { validComplaint } from '../support';

jest.setTimeout(300_000);

const AUTH_SECRET = 'faults-auth-secret-0123456789';
const HOTLINE_SECRET = 'faults-hotline-secret-0123456789';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds, or fails after `timeoutMs` saying what it waited for and what it saw. */
async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, seen: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000}s ${seen()}`);
    await sleep(100);
  }
}

interface Figures {
  fault: string;
  injected: number;
  complaints: number;
  /** Emails the complaints call for (one per notification key). */
  emails: number;
  /** Keys that never arrived. */
  lost: number;
  /** Extra deliveries of a key under another Message-ID: a real duplicate. */
  duplicated: number;
  /** Extra deliveries under the same Message-ID (the crash window after SMTP accepted; a mailbox recognises them). */
  resentSameMessageId: number;
  /** HTTP attempts the clients had to repeat (connection refused, 5xx). */
  retries: number;
  seconds: number;
  note?: string;
}

describe('faults on the real stack', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'complaints-faults-'));
  const directory = readDirectoryFile(DEMO_DIRECTORY_FILE);
  const dealer = directory.dealers.find((d) => d.code === 'SH001')!;
  // A hotline complaint to SH001 calls for: the coordinator's notice and the dealer's work order.
  const EMAILS_PER_COMPLAINT = directory.roles.coordinator!.length + dealer.contacts.length;
  const figures: Figures[] = [];
  let stack: LocalStack;
  let smtp: TestSmtp;
  let temporal: Client;
  let connection: Connection;
  let coordinatorToken: string;
  let dealerToken: string;
  const allNumbers = new Set<string>();

  beforeAll(async () => {
    const ports = await LocalStack.freePorts();
    smtp = new TestSmtp(ports.smtp);
    await smtp.start();
    stack = new LocalStack({
      dataDir,
      ports,
      maildev: false,
      env: { ...process.env, AUTH_SECRET, HOTLINE_SECRET, DIRECTORY_FILE: DEMO_DIRECTORY_FILE, LOG_LEVEL: 'warn' },
    });
    await stack.startServers();
    await Promise.all([stack.start('intake'), stack.start('notifier')]);
    connection = await Connection.connect({ address: stack.env.TEMPORAL_ADDRESS! });
    temporal = new Client({ connection });
    coordinatorToken = await signToken(AUTH_SECRET, { sub: 'faults-coordinator', role: 'coordinator' });
    dealerToken = await signToken(AUTH_SECRET, { sub: 'faults-sh001', role: 'dealer', dealerCode: 'SH001' });
  });

  afterAll(async () => {
    if (figures.length) {
      console.log(`Faults on the real stack:\n${table(figures)}`);
      mkdirSync(path.resolve(__dirname, '../../test-output'), { recursive: true });
      writeFileSync(path.resolve(__dirname, '../../test-output/faults.json'), JSON.stringify({ cores: os.cpus().length, figures }, null, 2));
    }
    await connection?.close();
    await stack?.stopAll();
    await smtp?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Server errors the clients met, by status: an unavailable dependency must answer 503, never 500. */
  const serverErrors = new Map<number, number>();
  const tally = (status: number) => status >= 500 && serverErrors.set(status, (serverErrors.get(status) ?? 0) + 1);

  /** The call center's side of the webhook: repeats the same call until intake answers, as its integration does. */
  async function hotlineCall(callId: string): Promise<{ number: string; retries: number }> {
    const body = JSON.stringify({ ...validComplaint(), channel: 'hotline', callId });
    const deadline = Date.now() + 120_000;
    for (let retries = 0; ; retries++) {
      try {
        const res = await fetch(stack.url('intake', '/api/hotline/calls'), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-signature': hotlineSignature(HOTLINE_SECRET, body) },
          body,
          signal: AbortSignal.timeout(30_000),
        });
        tally(res.status);
        const answer = (await res.json()) as { number?: string };
        if (res.status === 200 || res.status === 201) {
          allNumbers.add(answer.number!);
          return { number: answer.number!, retries };
        }
        if (res.status < 500) throw new Error(`hotline call ${callId}: ${res.status} ${JSON.stringify(answer)}`);
      } catch (error) {
        if ((error as Error).message.startsWith('hotline call')) throw error;
      }
      if (Date.now() > deadline) throw new Error(`hotline call ${callId}: no answer within 120 s`);
      await sleep(300);
    }
  }

  const aboutAny = (numbers: string[]) => {
    const wanted = new Set(numbers);
    return (m: Received) => wanted.has(m.key.split(':')[0]!);
  };

  /** Delivery figures of the emails about `numbers`, once `expected` distinct keys arrived (or the time is up). */
  async function deliveries(numbers: string[], expected: number, timeoutMs: number) {
    const mine = () => smtp.received.filter(aboutAny(numbers));
    await until('all emails arrive', () => new Set(mine().map((m) => m.key)).size >= expected, timeoutMs, () => `(${new Set(mine().map((m) => m.key)).size} of ${expected})`).catch(() => undefined);
    await sleep(2000); // anything still on its way would show as a duplicate
    const emails = mine();
    const byKey = new Map<string, Set<string>>();
    for (const m of emails) byKey.set(m.key, (byKey.get(m.key) ?? new Set()).add(m.messageId));
    const distinctMessages = [...byKey.values()].reduce((n, ids) => n + ids.size, 0);
    return {
      emails: expected,
      lost: Math.max(0, expected - byKey.size),
      duplicated: distinctMessages - byKey.size,
      resentSameMessageId: emails.length - distinctMessages,
    };
  }

  function record(f: Figures): void {
    figures.push(f);
    console.log(table([f]));
  }

  it('the notifier killed 20 times in the middle of sending: every email arrives, none twice', async () => {
    const t0 = Date.now();
    const numbers: string[] = [];
    let retries = 0;
    for (let kill = 0; kill < 20; kill++) {
      // A batch of 5 complaints (10 emails); the notifier is killed a few ms after the sink accepted
      // the batch's second email, while the others are being sent.
      const notifier = stack.process('notifier');
      const batch: string[] = [];
      let accepted = 0;
      smtp.onAccepted = (message) => {
        if (batch.includes(message.key.split(':')[0]!) && ++accepted === 2) setTimeout(() => notifier.child.kill('SIGKILL'), Math.random() * 20);
      };
      const calls = await Promise.all([0, 1, 2, 3, 4].map((i) => hotlineCall(`notifier-kill-${kill}-${i}`)));
      batch.push(...calls.map((c) => c.number));
      numbers.push(...batch);
      retries += calls.reduce((n, c) => n + c.retries, 0);
      await until('the notifier is killed while sending', () => notifier.exited, 90_000);
      smtp.onAccepted = undefined;
      await stack.restart('notifier');
    }
    // Activities cut off by a kill are retried when their start-to-close timeout (1 minute) ends.
    const delivered = await deliveries(numbers, numbers.length * EMAILS_PER_COMPLAINT, 240_000);
    record({ fault: 'notifier SIGKILL while sending', injected: 20, complaints: numbers.length, ...delivered, retries, seconds: (Date.now() - t0) / 1000, note: `SMTP sessions cut off by a kill: ${smtp.connectionErrors.length}` });
    expect(delivered.lost).toBe(0);
    expect(delivered.duplicated).toBe(0);
  });

  it('the SMTP server down for 20 s, then back: every pending email arrives once', async () => {
    const t0 = Date.now();
    await smtp.stop();
    const calls = await inPool(20, 4, (i) => hotlineCall(`smtp-down-${i}`));
    const numbers = calls.map((c) => c.number);
    await sleep(20_000 - (Date.now() - t0));
    expect(smtp.received.filter(aboutAny(numbers))).toHaveLength(0);
    await smtp.start();
    const delivered = await deliveries(numbers, numbers.length * EMAILS_PER_COMPLAINT, 120_000);
    record({ fault: 'SMTP server down 20 s', injected: 1, complaints: numbers.length, ...delivered, retries: 0, seconds: (Date.now() - t0) / 1000 });
    expect(delivered.lost).toBe(0);
    expect(delivered.duplicated).toBe(0);
  });

  it('FerretDB killed and restarted under load: workflows go on, the read model converges to the workflow histories', async () => {
    const t0 = Date.now();
    serverErrors.clear();
    let retries = 0;
    let restarted = false;
    const acknowledge = async (number: string) => {
      for (;;) {
        const res = await fetch(stack.url('intake', `/api/complaints/${number}/acknowledge`), {
          method: 'POST',
          headers: { authorization: `Bearer ${dealerToken}`, 'content-type': 'application/json' },
          body: '{}',
        }).catch(() => undefined);
        if (res) tally(res.status);
        const answer = res ? ((await res.json()) as { message?: string }) : {};
        if (res?.ok) return;
        // 409 after a success whose answer was lost: already acknowledged. "still being received": try again.
        if (res?.status === 409 && !/still being received/.test(answer.message ?? '')) return;
        if (res && res.status < 500 && res.status !== 409 && res.status !== 404) throw new Error(`acknowledge ${number}: ${res.status} ${JSON.stringify(answer)}`);
        retries += 1;
        await sleep(300);
      }
    };
    const restart = (async () => {
      await sleep(4000);
      await stack.stop('ferretdb', { kill: true });
      await sleep(5000);
      await stack.start('ferretdb');
      restarted = true;
    })();
    const numbers = await inPool(40, 4, async (i) => {
      const call = await hotlineCall(`ferretdb-restart-${i}`);
      retries += call.retries;
      await acknowledge(call.number);
      await sleep(200);
      return call.number;
    });
    await restart;
    expect(restarted).toBe(true);

    // Converged: each complaint's read model has as many events as its workflow, and is acknowledged.
    const mongo = await mongoose.createConnection(stack.env.MONGO_URL!).asPromise();
    let mismatched = numbers.length;
    try {
      const { Complaint } = createModels(mongo);
      const compare = async () => {
        const states = await Promise.all(numbers.map((n) => temporal.workflow.getHandle(`complaint-${n}`).query(getStateQuery)));
        const docs = new Map((await Complaint.find({ _id: { $in: numbers } }, { eventCount: 1, status: 1 }).lean()).map((d) => [String(d._id), d]));
        mismatched = states.filter((s, i) => docs.get(numbers[i]!)?.eventCount !== s.events.length || docs.get(numbers[i]!)?.status !== s.status).length;
        return mismatched === 0;
      };
      await until('the read model converges', compare, 120_000, () => `(${mismatched} complaints differ)`).catch(() => undefined);
    } finally {
      await mongo.close();
    }
    const delivered = await deliveries(numbers, numbers.length * EMAILS_PER_COMPLAINT, 120_000);
    const answers = [...serverErrors].map(([status, n]) => `${n}× ${status}`).join(', ') || 'none';
    record({ fault: 'FerretDB SIGKILL + restart under load', injected: 1, complaints: numbers.length, ...delivered, retries, seconds: (Date.now() - t0) / 1000, note: `read model differs from workflow: ${mismatched}; server errors: ${answers}` });
    expect(serverErrors.get(500) ?? 0).toBe(0); // the database being down is a 503 with Retry-After
    expect(mismatched).toBe(0);
    expect(new Set(numbers).size).toBe(40);
    expect(delivered.lost).toBe(0);
    expect(delivered.duplicated).toBe(0);
  });

  it('intake killed during a burst of hotline webhooks that are retried: no complaint lost or duplicated', async () => {
    const t0 = Date.now();
    let answered = 0;
    const killer = (async () => {
      await until('some calls answered', () => answered >= 15, 60_000);
      await stack.restart('intake', { kill: true });
    })();
    // 4 lines of the call center, each pausing 100 ms between calls: the burst outlasts the restart.
    const results = await inPool(60, 4, async (i) => {
      const call = await hotlineCall(`intake-restart-${i}`);
      answered += 1;
      await sleep(100);
      return call;
    });
    await killer;
    const numbers = results.map((c) => c.number);
    // The call center repeats every call once more: each answers with the number it already has.
    const repeats = await inPool(60, 6, (i) => hotlineCall(`intake-restart-${i}`));
    expect(repeats.map((c) => c.number)).toEqual(numbers);

    // The read model and Temporal hold exactly one complaint per call made in this file.
    let listed = 0;
    let workflows = 0;
    await until(
      'the read model and the workflows count every call once',
      async () => {
        const list = await fetch(stack.url('intake', '/api/complaints?channel=hotline&pageSize=1'), { headers: { authorization: `Bearer ${coordinatorToken}` } });
        listed = ((await list.json()) as { total: number }).total;
        workflows = (await temporal.workflow.count('WorkflowType = "complaintWorkflow"')).count;
        return listed === allNumbers.size && workflows === allNumbers.size;
      },
      60_000,
      () => `(read model ${listed}, workflows ${workflows}, calls ${allNumbers.size})`,
    ).catch(() => undefined);
    const delivered = await deliveries(numbers, numbers.length * EMAILS_PER_COMPLAINT, 120_000);
    record({
      fault: 'intake SIGKILL during a hotline burst',
      injected: 1,
      complaints: numbers.length,
      ...delivered,
      retries: results.reduce((n, c) => n + c.retries, 0),
      seconds: (Date.now() - t0) / 1000,
      note: `distinct numbers ${new Set(numbers).size}; read model ${listed} and workflows ${workflows} for ${allNumbers.size} calls so far`,
    });
    expect(new Set(numbers).size).toBe(60);
    expect(listed).toBe(allNumbers.size);
    expect(workflows).toBe(allNumbers.size);
    expect(delivered.lost).toBe(0);
    expect(delivered.duplicated).toBe(0);
  });

  it('the Temporal dev server killed and restarted (file database): the pending timers still fire', async () => {
    const t0 = Date.now();
    const REPLY_SECONDS = 45;
    const mongo = await mongoose.createConnection(stack.env.MONGO_URL!).asPromise();
    try {
      const base = shippedPolicies().at(-1)!;
      const now = new Date();
      // From now on the reply is due in 45 s, with its reminder at 25 s.
      await savePolicy(createModels(mongo), { ...base, version: `faults-${now.getTime()}`, effectiveFrom: now.toISOString(), reply: { hours: REPLY_SECONDS / 3600, reminderBeforeHours: 20 / 3600 } });
    } finally {
      await mongo.close();
    }
    const calls = await inPool(10, 5, (i) => hotlineCall(`temporal-restart-${i}`));
    const numbers = calls.map((c) => c.number);
    await sleep(8000);
    await stack.stop('temporal', { kill: true });
    await sleep(5000);
    await stack.start('temporal');

    // Each complaint's reminder and overdue notice (to the dealer and the regional manager) arrive.
    const timerEmails = (m: Received) => /:(reply-reminder|reply-overdue):/.test(m.key);
    const perComplaint = dealer.contacts.length /* reminder */ + dealer.contacts.length + directory.regions.find((r) => r.code === dealer.region)!.managers.length;
    const expected = numbers.length * perComplaint;
    const fired = () => new Set(smtp.received.filter(aboutAny(numbers)).filter(timerEmails).map((m) => m.key)).size;
    await until('the timers fire', () => fired() >= expected, 150_000, () => `(${fired()} of ${expected} emails)`).catch(() => undefined);
    const states = await Promise.all(numbers.map((n) => temporal.workflow.getHandle(`complaint-${n}`).query(getStateQuery)));
    const overdue = states.filter((s) => s.overdue).length;
    record({
      fault: 'Temporal dev server SIGKILL + restart',
      injected: 1,
      complaints: numbers.length,
      emails: expected,
      lost: expected - fired(),
      duplicated: 0,
      resentSameMessageId: smtp.received.filter(aboutAny(numbers)).filter(timerEmails).length - fired(),
      retries: calls.reduce((n, c) => n + c.retries, 0),
      seconds: (Date.now() - t0) / 1000,
      note: `timer emails (reminder, overdue) ${fired()} of ${expected}; workflows overdue ${overdue} of ${numbers.length}`,
    });
    expect(fired()).toBe(expected);
    expect(overdue).toBe(numbers.length);
  });
});

function table(rows: Figures[]): string {
  const header = ['fault', 'injected', 'complaints', 'emails', 'lost', 'duplicated', 'resent (same Message-ID)', 'client retries', 'seconds', 'note'];
  const lines = rows.map((f) => [f.fault, f.injected, f.complaints, f.emails, f.lost, f.duplicated, f.resentSameMessageId, f.retries, f.seconds.toFixed(0), f.note ?? ''].map(String));
  return [header, ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
