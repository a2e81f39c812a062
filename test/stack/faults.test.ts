// Faults on the real stack, loopback only, each bounded in time: the notifier killed in the
// middle of sending, the SMTP server down, FerretDB restarted under load, intake killed during a
// burst of hotline webhooks that the call center retries, the Temporal dev server restarted while
// timers are pending; then intake's promises to its sources: Temporal down during a burst of
// submissions, the keys of closed complaints sent again, anonymous submissions with forged
// staff-only fields, and a bogus Authorization header against the public rate limit. Each prints
// its figures; all go to test-output/faults.json.
//
// The stack is the one `npm start` runs (scripts/lib/stack.ts), as processes; the SMTP server is a
// real one in this process (test/smtpSink.ts), so that it can be stopped and counted.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import mongoose from 'mongoose';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { getStateQuery } from '@complaints/workflows';
import { payloadDataConverter, readDirectoryFile, signToken } from '@complaints/runtime';
import { DEMO_DIRECTORY_FILE } from '@complaints/runtime/src/directory';
import { shippedPolicies } from '@complaints/runtime/src/rules';
import { beijingMonth, scoreFromAggregates, scoreMonth } from '@complaints/shared';
import { createModels, readMonthAggregates, savePolicy } from '@complaints/activities';
import { monthComplaints } from '@complaints/reporting/src/scorecards';
import { hotlineSignature } from '@complaints/intake/src/integrations';
import { LocalStack } from '../../scripts/lib/stack';
import { inPool } from '../../scripts/lib/pool';
import { TestSmtp, type Received } from '../smtpSink';
import { TEST_PAYLOAD_KEYS, validComplaint } from '../support';

jest.setTimeout(300_000);

const AUTH_SECRET = 'faults-auth-secret-0123456789';
const HOTLINE_SECRET = 'faults-hotline-secret-0123456789';
/** Anonymous submissions per address and minute: production's default, stated so that the counts below follow from it. */
const PUBLIC_RATE_LIMIT = 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a request that got no answer met: the error and its cause (refused, reset, timed out). */
const describeFailure = (error: unknown): string => {
  const { name, message, cause } = error as Error & { cause?: { code?: string; message?: string } };
  return `${name}: ${message}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`;
};

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
  /** Emails the complaints call for (one per notification key); absent where a fault is about intake's answers alone. */
  emails?: number;
  /** Keys that never arrived. */
  lost?: number;
  /** Extra deliveries of a key under another Message-ID: a real duplicate. */
  duplicated?: number;
  /** Extra deliveries under the same Message-ID (the crash window after SMTP accepted; a mailbox recognises them). */
  resentSameMessageId?: number;
  /** HTTP attempts the clients had to repeat (connection refused, 5xx). */
  retries: number;
  seconds: number;
  /** Stored submissions without a workflow once the reconciler had its time: complaints nobody works on. */
  orphans?: number;
  /** Source keys (call id, post URL, form token, Idempotency-Key) that got two numbers. */
  duplicates?: number;
  /** Web-form posts answered with the form again, what was typed kept, and a request to send it again. */
  friendlyPages?: number;
  /** Web-form posts answered with an API error body: a customer looking at JSON. */
  rawJson?: number;
  /** Workflow runs beyond the first under a complaint's workflow id. */
  newRuns?: number;
  /** Closed complaints whose status, KPI facts or event count changed. */
  changed?: number;
  /** Submissions answered 400 naming the staff-only field. */
  refused?: number;
  /** Submissions stored although they should not have been. */
  stored?: number;
  /** Requests answered 429 by the public rate limit. */
  limited?: number;
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
      env: { ...process.env, AUTH_SECRET, HOTLINE_SECRET, DIRECTORY_FILE: DEMO_DIRECTORY_FILE, LOG_LEVEL: 'warn', PUBLIC_RATE_LIMIT: String(PUBLIC_RATE_LIMIT) },
    });
    await stack.startServers();
    await Promise.all([stack.start('intake'), stack.start('notifier')]);
    connection = await Connection.connect({ address: stack.env.TEMPORAL_ADDRESS! });
    temporal = new Client({ connection, dataConverter: payloadDataConverter(TEST_PAYLOAD_KEYS) }); // the stack's keys (test/setupEach.ts)
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
  async function hotlineCall(callId: string): Promise<{ number: string; retries: number; created: boolean }> {
    const body = JSON.stringify({ ...validComplaint(), channel: 'hotline', callId });
    const deadline = Date.now() + 120_000;
    let lastMet = 'nothing';
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
          return { number: answer.number!, retries, created: res.status === 201 };
        }
        if (res.status < 500) throw new Error(`hotline call ${callId}: ${res.status} ${JSON.stringify(answer)}`);
        lastMet = `${res.status} ${JSON.stringify(answer)}`;
      } catch (error) {
        if ((error as Error).message.startsWith('hotline call')) throw error;
        lastMet = describeFailure(error);
      }
      if (Date.now() > deadline) throw new Error(`hotline call ${callId}: no answer within 120 s (${retries + 1} attempts; the last met ${lastMet})\n${stack.logTails()}`);
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
    let aggregatesConverged = false;
    try {
      const { Complaint } = createModels(mongo);
      const compare = async () => {
        const states = await Promise.all(numbers.map((n) => temporal.workflow.getHandle(`complaint-${n}`).query(getStateQuery)));
        const docs = new Map((await Complaint.find({ _id: { $in: numbers } }, { eventCount: 1, status: 1 }).lean()).map((d) => [String(d._id), d]));
        mismatched = states.filter((s, i) => docs.get(numbers[i]!)?.eventCount !== s.events.length || docs.get(numbers[i]!)?.status !== s.status).length;
        return mismatched === 0;
      };
      await until('the read model converges', compare, 120_000, () => `(${mismatched} complaints differ)`).catch(() => undefined);
      // The scorecards' aggregates, kept by the same projection through the kill, equal the full recompute from the complaints.
      const models = createModels(mongo);
      const months = [...new Set((await Complaint.find({ _id: { $in: numbers } }, { receivedAt: 1 }).lean()).map((d) => beijingMonth(d.receivedAt)))];
      const aggregatesAgree = async () => {
        for (const month of months) {
          const aggregates = (await readMonthAggregates(models, month, { evenIfNotBuilt: true }))!;
          if (!isDeepStrictEqual(scoreFromAggregates(month, aggregates.months, aggregates.open), scoreMonth(month, await monthComplaints(models, month)))) return false;
        }
        return true;
      };
      aggregatesConverged = await until('the scorecard aggregates converge', aggregatesAgree, 120_000).then(() => true, () => false);
    } finally {
      await mongo.close();
    }
    const delivered = await deliveries(numbers, numbers.length * EMAILS_PER_COMPLAINT, 120_000);
    const answers = [...serverErrors].map(([status, n]) => `${n}× ${status}`).join(', ') || 'none';
    record({ fault: 'FerretDB SIGKILL + restart under load', injected: 1, complaints: numbers.length, ...delivered, retries, seconds: (Date.now() - t0) / 1000, note: `read model differs from workflow: ${mismatched}; server errors: ${answers}` });
    expect(serverErrors.get(500) ?? 0).toBe(0); // the database being down is a 503 with Retry-After
    expect(mismatched).toBe(0);
    expect(aggregatesConverged).toBe(true);
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

  // --- intake's promises to its sources: one complaint per source key, none without its workflow,
  // no staff-only field from the public, no way round the public limit ------------------------------

  interface Answer {
    status: number;
    type: string;
    location: string;
    text: string;
  }

  /**
   * One request to intake from a loopback address of the caller's own (all of 127.0.0.0/8 is this
   * machine): the public rate limit counts per address, as it counts per customer in production.
   */
  function send(pathname: string, options: { from: string; method?: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const body = options.body === undefined ? undefined : Buffer.from(options.body);
      const headers = { ...options.headers, ...(body && { 'content-length': String(body.length) }) };
      const req = http.request({ host: '127.0.0.1', port: stack.options.ports.intake, path: pathname, method: options.method ?? 'GET', headers, localAddress: options.from, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type'] ?? ''), location: String(res.headers.location ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
      req.on('error', reject);
      req.end(body);
    });
  }

  const formTokenOf = (html: string) => /name="formToken" value="([^"]*)"/.exec(html)?.[1];
  const detailPaths = (answer: Answer): string[] => {
    try {
      return ((JSON.parse(answer.text) as { details?: { path: string }[] }).details ?? []).map((d) => d.path);
    } catch {
      return [];
    }
  };

  interface WebFormOutcome {
    /** The form token the customer's last post carried: the complaint's source key. */
    token: string;
    number?: string;
    posts: number;
    friendlyPages: number;
    rawJson: number;
    /** Anything else: no answer, a text or an unexpected status. */
    otherAnswers: string[];
  }

  /**
   * A customer at the web form: opens it (or has it open with `token`), fills it in and presses
   * Submit, which posts multipart as a browser does. The friendly page asks to press Submit again
   * in a moment, which they do with the form as it came back; shown an error in JSON, or nothing,
   * they give up.
   */
  async function webFormCustomer(from: string, description: string, token?: string): Promise<WebFormOutcome> {
    const outcome: WebFormOutcome = { token: token ?? formTokenOf((await send('/?lang=zh', { from })).text) ?? '', posts: 0, friendlyPages: 0, rawJson: 0, otherAnswers: [] };
    const c = validComplaint();
    for (let attempt = 0; attempt < 5; attempt++) {
      const form = new FormData();
      const fields = { formToken: outcome.token, lang: 'zh', kind: c.kind, 'customer.name': c.customer.name, 'customer.phone': c.customer.phone, 'vehicle.plate': c.vehicle.plate, 'vehicle.vin': c.vehicle.vin, dealerCode: c.dealerCode, category: c.category, description, request: c.request };
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      const encoded = new Request('http://form.invalid/', { method: 'POST', body: form });
      outcome.posts += 1;
      const answer = await send('/?lang=zh', { from, method: 'POST', headers: { 'content-type': encoded.headers.get('content-type')! }, body: Buffer.from(await encoded.arrayBuffer()) }).catch((error: Error) => error);
      if (answer instanceof Error) {
        outcome.otherAnswers.push(answer.message);
        return outcome;
      }
      const confirmation = answer.status === 303 ? /^\/submitted\/([^?/]+)/.exec(answer.location)?.[1] : undefined;
      if (confirmation) return { ...outcome, number: confirmation };
      const keptForm = answer.type.startsWith('text/html') && answer.text.includes(description) ? formTokenOf(answer.text) : undefined;
      if (answer.status === 503 && keptForm) {
        outcome.friendlyPages += 1;
        outcome.token = keptForm;
        await sleep(2000);
        continue;
      }
      if (answer.type.includes('json')) outcome.rawJson += 1;
      else outcome.otherAnswers.push(`${answer.status} ${answer.type}`);
      return outcome;
    }
    return outcome;
  }

  /** A staff integration's `POST /api/complaints`: repeats the same request (same Idempotency-Key) until answered. */
  async function staffSubmit(body: object, idempotencyKey?: string): Promise<{ number: string; status: number; workflowStarted?: boolean; retries: number }> {
    const deadline = Date.now() + 120_000;
    let lastMet = 'nothing';
    for (let retries = 0; ; retries++) {
      try {
        const res = await fetch(stack.url('intake', '/api/complaints'), {
          method: 'POST',
          headers: { authorization: `Bearer ${coordinatorToken}`, 'content-type': 'application/json', ...(idempotencyKey && { 'idempotency-key': idempotencyKey }) },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
        tally(res.status);
        const answer = (await res.json()) as { number?: string; workflowStarted?: boolean };
        if (res.status === 200 || res.status === 201) return { number: answer.number!, status: res.status, workflowStarted: answer.workflowStarted, retries };
        if (res.status < 500) throw new Error(`staff submission: ${res.status} ${JSON.stringify(answer)}`);
        lastMet = `${res.status} ${JSON.stringify(answer)}`;
      } catch (error) {
        if ((error as Error).message.startsWith('staff submission')) throw error;
        lastMet = describeFailure(error);
      }
      if (Date.now() > deadline) throw new Error(`staff submission: no answer within 120 s (${retries + 1} attempts; the last met ${lastMet})\n${stack.logTails()}`);
      await sleep(1000);
    }
  }

  async function forceClose(number: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await fetch(stack.url('intake', `/api/complaints/${number}/force-close`), {
        method: 'POST',
        headers: { authorization: `Bearer ${coordinatorToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: '客户撤回抱怨' }),
      }).catch(() => undefined);
      if (res?.ok) return;
      const text = res ? await res.text() : 'no answer';
      // "Still being received": the workflow has not finished taking the complaint in; the refusal asks to try again.
      const tooEarly = res?.status === 409 && /still being received/.test(text);
      if ((res && res.status < 500 && !tooEarly) || Date.now() > deadline) throw new Error(`force-close ${number}: ${res?.status} ${text}`);
      await sleep(500);
    }
  }

  const hasWorkflow = (number: string) =>
    temporal.workflow
      .getHandle(`complaint-${number}`)
      .describe()
      .then(
        () => true,
        (error: unknown) => {
          if (error instanceof WorkflowNotFoundError) return false;
          throw error;
        },
      );

  /** The runs Temporal holds under a complaint's workflow id, closed ones included. */
  async function runsOf(number: string): Promise<number> {
    let runs = 0;
    for await (const _run of temporal.workflow.list({ query: `WorkflowId = "complaint-${number}"` })) runs += 1;
    return runs;
  }

  it('Temporal down for 30 s during a burst of web-form, hotline and staff submissions: each accepted complaint gets one workflow, no customer sees JSON', async () => {
    const t0 = Date.now();
    const COUNT = 50;
    const DOWN_MS = 30_000;
    serverErrors.clear();
    const mongo = await mongoose.createConnection(stack.env.MONGO_URL!).asPromise();
    try {
      const models = createModels(mongo);
      // The shipped clocks again from now on: the previous fault's 45 s reply clock would mix its reminders into these emails.
      await savePolicy(models, { ...shippedPolicies().at(-1)!, version: `faults-shipped-${t0}`, effectiveFrom: new Date(t0).toISOString() });

      interface Source {
        via: 'web form' | 'hotline' | 'staff';
        /** Every number this source's key was answered with: one, however often it is sent. */
        numbers: string[];
        retries: number;
        workflowStarted?: boolean;
        web?: WebFormOutcome;
      }
      const description = (i: number) => `Temporal 停机期间提交的抱怨 ${t0}-${i}`;
      // Each web-form customer at an address of their own; the call center and the staff integration retry until answered.
      const submit = async (i: number): Promise<Source> => {
        if (i % 3 === 0) {
          const web = await webFormCustomer(`127.0.1.${i + 1}`, description(i));
          return { via: 'web form', numbers: web.number ? [web.number] : [], retries: web.posts - 1, web };
        }
        if (i % 3 === 1) {
          const call = await hotlineCall(`temporal-down-${i}`);
          return { via: 'hotline', numbers: [call.number], retries: call.retries };
        }
        const staff = await staffSubmit({ ...validComplaint(), channel: 'walk_in', description: description(i) }, `temporal-down-${t0}-${i}`);
        return { via: 'staff', numbers: [staff.number], retries: staff.retries, workflowStarted: staff.workflowStarted };
      };

      await stack.stop('temporal', { kill: true });
      const killedAt = Date.now();
      // Back after 30 s on its file database, as the earlier Temporal fault starts it: the histories are kept.
      const restart = (async () => {
        await sleep(DOWN_MS);
        await stack.start('temporal');
        return (Date.now() - killedAt) / 1000;
      })();
      // One arrival every 0.5 s: all 50 arrive while Temporal is down.
      const sources = await Promise.all(
        Array.from({ length: COUNT }, async (_item, i) => {
          await sleep(i * 500);
          return submit(i);
        }),
      );
      const downSeconds = await restart;

      // Once Temporal is back every key is sent again: the call center repeats its calls, the staff
      // integration its requests, a customer the same form from the browser's history.
      await inPool(COUNT, 5, async (i) => {
        const source = sources[i]!;
        if (!source.numbers.length) return; // a customer who gave up has nothing to send again
        if (source.via === 'web form') {
          const again = await webFormCustomer(`127.0.1.${i + 1}`, description(i), source.web!.token);
          if (again.number) source.numbers.push(again.number);
        } else if (source.via === 'hotline') source.numbers.push((await hotlineCall(`temporal-down-${i}`)).number);
        else source.numbers.push((await staffSubmit({ ...validComplaint(), channel: 'walk_in', description: description(i) }, `temporal-down-${t0}-${i}`)).number);
      });

      // No complaint without its workflow: every submission stored since the burst began has one
      // once intake's reconciler (every 5 s) has had its time — the numbers nobody was given included.
      let orphans: string[] = [];
      const findOrphans = async () => {
        const stored = await models.Submission.find({ receivedAt: { $gte: new Date(t0) } }, { _id: 1 }).lean();
        const without = await Promise.all(stored.map(async (s) => ((await hasWorkflow(String(s._id))) ? undefined : String(s._id))));
        orphans = without.filter((n): n is string => n !== undefined);
        return orphans.length === 0;
      };
      await until('every stored complaint has its workflow', findOrphans, 60_000, () => `(${orphans.length} without: ${orphans.slice(0, 5).join(', ')})`).catch(() => undefined);

      const accepted = sources.filter((s) => s.numbers.length > 0);
      const numbers = accepted.map((s) => s.numbers[0]!);
      let runs: number[] = [];
      await until(
        'every accepted complaint is listed in Temporal',
        async () => {
          runs = await Promise.all(numbers.map(runsOf));
          return runs.every((n) => n >= 1);
        },
        30_000,
      ).catch(() => undefined);
      const withoutWorkflow = runs.filter((n) => n === 0).length;
      const newRuns = runs.reduce((sum, n) => sum + Math.max(0, n - 1), 0);
      const duplicates = accepted.filter((s) => new Set(s.numbers).size > 1).length;
      const web = sources.filter((s) => s.via === 'web form').map((s) => s.web!);
      const friendlyPages = web.reduce((n, w) => n + w.friendlyPages, 0);
      const rawJson = web.reduce((n, w) => n + w.rawJson, 0);
      const otherAnswers = web.flatMap((w) => w.otherAnswers);
      const deferred = sources.filter((s) => s.workflowStarted === false).length;
      // A web-form complaint waits for the coordinator (SPEC §3.2): the coordinator's notice only, no work order yet.
      const webNumbers = new Set(accepted.filter((s) => s.via === 'web form').flatMap((s) => s.numbers));
      const expectedEmails = numbers.reduce((n, number) => n + (webNumbers.has(number) ? directory.roles.coordinator!.length : EMAILS_PER_COMPLAINT), 0);
      const delivered = await deliveries(numbers, expectedEmails, 120_000);
      const count = (via: Source['via']) => `${accepted.filter((s) => s.via === via).length}/${sources.filter((s) => s.via === via).length}`;
      const answers = [...serverErrors].map(([status, n]) => `${n}× ${status}`).join(', ') || 'none';
      record({
        fault: 'Temporal SIGKILL, down 30 s during a submission burst',
        injected: 1,
        complaints: numbers.length,
        ...delivered,
        retries: sources.reduce((n, s) => n + s.retries, 0),
        seconds: (Date.now() - t0) / 1000,
        orphans: orphans.length,
        duplicates,
        friendlyPages,
        rawJson,
        newRuns,
        note:
          `down ${downSeconds.toFixed(0)} s; accepted: web form ${count('web form')}, hotline ${count('hotline')}, staff ${count('staff')} (${deferred} staff answers workflowStarted false); ` +
          `complaints without a workflow ${withoutWorkflow}, extra runs ${newRuns}; orphans ${orphans.length}; keys with two numbers ${duplicates}; ` +
          `web form: ${web.filter((w) => w.number).length} redirected to the confirmation, ${friendlyPages} friendly pages, ${rawJson} raw JSON, ${otherAnswers.length} other; server errors: ${answers}`,
      });
      // All at once, so that a failure shows every figure that is off.
      expect({ accepted: accepted.length, distinct: new Set(numbers).size, withoutWorkflow, newRuns, orphans, duplicates, rawJson, otherAnswers, serverErrors500: serverErrors.get(500) ?? 0 }).toEqual({
        accepted: COUNT,
        distinct: COUNT,
        withoutWorkflow: 0,
        newRuns: 0,
        orphans: [],
        duplicates: 0,
        rawJson: 0,
        otherAnswers: [],
        serverErrors500: 0,
      });
      expect(delivered.lost).toBe(0);
      expect(delivered.duplicated).toBe(0);
    } finally {
      await mongo.close();
    }
  });

  it('the source keys of closed complaints sent again: the same numbers, no new workflow run, nothing changed', async () => {
    const t0 = Date.now();
    const COUNT = 20;
    // Each source as its system sends it: the call center's call, a post found by monitoring and
    // recorded by staff through the API (its URL is its key), a staff request with its Idempotency-Key.
    const sendSource = async (i: number): Promise<{ number: string; status: number }> => {
      if (i % 3 === 0) {
        const call = await hotlineCall(`closed-${t0}-${i}`);
        return { number: call.number, status: call.created ? 201 : 200 };
      }
      if (i % 3 === 1) return staffSubmit({ ...validComplaint(), channel: 'internet', url: `https://club.autohome.example/thread/${t0}-${i}`, source: '汽车之家' });
      return staffSubmit({ ...validComplaint(), channel: 'walk_in' }, `closed-${t0}-${i}`);
    };
    const first = await inPool(COUNT, 4, sendSource);
    const numbers = first.map((f) => f.number);
    await inPool(COUNT, 4, (i) => forceClose(numbers[i]!));

    const mongo = await mongoose.createConnection(stack.env.MONGO_URL!).asPromise();
    try {
      const { Complaint } = createModels(mongo);
      // What the closure left, in the read model and in the workflow (the source of truth, which a
      // new run would replace before its projections reach the read model): the status, the KPI
      // facts the scorecards count, the history's length.
      const snapshot = async () => {
        const docs = new Map((await Complaint.find({ _id: { $in: numbers } }, { status: 1, kpi: 1, eventCount: 1 }).lean()).map((d) => [String(d._id), JSON.stringify({ status: d.status, kpi: d.kpi, eventCount: d.eventCount })]));
        const workflows = await Promise.all(
          numbers.map(async (n) => {
            const handle = temporal.workflow.getHandle(`complaint-${n}`);
            const [description, state] = await Promise.all([handle.describe(), handle.query(getStateQuery)]);
            return JSON.stringify({ run: description.status.name, status: state.status, kpi: state.kpi, events: state.events.length });
          }),
        );
        return numbers.map((n, i) => ({ readModel: docs.get(n), workflow: workflows[i] }));
      };
      let notYet = COUNT;
      await until(
        'every complaint is closed: its workflow completed and its read model written',
        async () => {
          const runsClosed = await Promise.all(numbers.map(async (n) => (await temporal.workflow.getHandle(`complaint-${n}`).describe()).status.name === 'COMPLETED'));
          const docs = await Complaint.find({ _id: { $in: numbers } }, { status: 1 }).lean();
          notYet = runsClosed.filter((closed) => !closed).length + (COUNT - docs.filter((d) => d.status === 'force_closed').length);
          return notYet === 0;
        },
        60_000,
        () => `(${notYet} not yet)`,
      );
      const before = await snapshot();

      const again = await inPool(COUNT, 4, sendSource);
      // A run started by a repeat records the receipt within a second or two: give it longer than that.
      await sleep(8000);
      const runs = await Promise.all(numbers.map(runsOf));
      const newRuns = runs.reduce((sum, n) => sum + Math.max(0, n - 1), 0);
      const after = await snapshot();
      const readModelsChanged = after.filter((a, i) => a.readModel !== before[i]!.readModel).length;
      const workflowsChanged = after.filter((a, i) => a.workflow !== before[i]!.workflow).length;
      const changed = after.filter((a, i) => a.readModel !== before[i]!.readModel || a.workflow !== before[i]!.workflow).length;
      const sameComplaint = again.filter((a, i) => a.status === 200 && a.number === numbers[i]).length;
      const duplicates = again.filter((a, i) => a.number !== numbers[i]).length;
      record({
        fault: 'keys of closed complaints sent again',
        injected: COUNT,
        complaints: COUNT,
        retries: 0,
        seconds: (Date.now() - t0) / 1000,
        duplicates,
        newRuns,
        changed,
        note: `repeats answered 200 with the same number ${sameComplaint} of ${COUNT} (hotline calls, post URLs, Idempotency-Keys); other numbers ${duplicates}; new runs ${newRuns}; changed (status, KPI facts, events): read models ${readModelsChanged}, workflows ${workflowsChanged}`,
      });
      expect({ sameComplaint, newRuns, changed }).toEqual({ sameComplaint: COUNT, newRuns: 0, changed: 0 });
    } finally {
      await mongo.close();
    }
  });

  it('anonymous submissions with a forged receipt time or severity: each refused naming the field, none stored', async () => {
    const t0 = Date.now();
    const COUNT = 100;
    const description = (i: number) => `forged-${t0}-${i}`;
    // Two days back: within the window staff may backdate to, so only who sends it makes it wrong.
    const forgedAt = (i: number) => new Date(t0 - 2 * 86_400_000 - i * 60_000);
    const forgedFields = (i: number) => [...(i % 3 !== 1 ? ['receivedAt'] : []), ...(i % 3 !== 0 ? ['severity'] : [])];
    const body = (i: number) => ({
      ...validComplaint(),
      description: description(i),
      ...(forgedFields(i).includes('receivedAt') && { receivedAt: forgedAt(i).toISOString() }),
      ...(forgedFields(i).includes('severity') && { severity: 'major' }),
    });
    // Spread over addresses within the public limit: each answer is the field check's, not the limit's.
    const answers = await inPool(COUNT, 5, (i) =>
      send('/api/complaints', { from: `127.0.3.${Math.floor(i / PUBLIC_RATE_LIMIT) + 1}`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(i)) }),
    );
    const refused = answers.filter((a, i) => a.status === 400 && forgedFields(i).every((field) => detailPaths(a).includes(field))).length;
    const statuses = [...new Set(answers.map((a) => a.status))].sort().join(', ');

    const mongo = await mongoose.createConnection(stack.env.MONGO_URL!).asPromise();
    try {
      const { Submission, Complaint } = createModels(mongo);
      const stored = (await Submission.find({ description: { $in: Array.from({ length: COUNT }, (_item, i) => description(i)) } }, { _id: 1 }).lean()).map((s) => String(s._id));
      // The read model of anything stored is written by its workflow: wait for it before counting severities.
      await until('the read model of what was stored', async () => (await Complaint.countDocuments({ _id: { $in: stored } })) === stored.length, 30_000).catch(() => undefined);
      // By value too, whatever became of the description: nothing received at a forged time, nothing major among what was stored.
      const forgedTimes = Array.from({ length: COUNT }, (_item, i) => forgedAt(i));
      const atForgedTimes = (await Submission.countDocuments({ receivedAt: { $in: forgedTimes } })) + (await Complaint.countDocuments({ receivedAt: { $in: forgedTimes } }));
      const major = await Complaint.countDocuments({ _id: { $in: stored }, severity: 'major' });
      record({
        fault: 'anonymous submissions with forged receipt time or severity',
        injected: COUNT,
        complaints: COUNT,
        retries: 0,
        seconds: (Date.now() - t0) / 1000,
        refused,
        stored: stored.length,
        note: `answered 400 naming each forged field ${refused} of ${COUNT} (statuses ${statuses}); stored ${stored.length}; records at a forged receipt time ${atForgedTimes}; stored as major ${major}`,
      });
      expect({ refused, stored: stored.length, atForgedTimes, major }).toEqual({ refused: COUNT, stored: 0, atForgedTimes: 0, major: 0 });
    } finally {
      await mongo.close();
    }
  });

  it('anonymous posts with a bogus Authorization header from one address: limited like any anonymous post', async () => {
    const t0 = Date.now();
    const COUNT = 30;
    const description = (i: number) => `bogus-authorization-${t0}-${i}`;
    const statuses: number[] = [];
    for (let i = 0; i < COUNT; i++) {
      const body = JSON.stringify({ ...validComplaint(), description: description(i) });
      statuses.push((await send('/api/complaints', { from: '127.0.4.1', method: 'POST', headers: { authorization: 'Bearer forged', 'content-type': 'application/json' }, body })).status);
    }
    const limited = statuses.filter((s) => s === 429).length;
    const unauthorized = statuses.filter((s) => s === 401).length;
    const mongo = await mongoose.createConnection(stack.env.MONGO_URL!).asPromise();
    let stored: number;
    try {
      stored = await createModels(mongo).Submission.countDocuments({ description: { $in: Array.from({ length: COUNT }, (_item, i) => description(i)) } });
    } finally {
      await mongo.close();
    }
    record({
      fault: 'bogus Authorization header, one address',
      injected: COUNT,
      complaints: COUNT,
      retries: 0,
      seconds: (Date.now() - t0) / 1000,
      limited,
      stored,
      note: `limit ${PUBLIC_RATE_LIMIT} a minute: 401 (token refused) ${unauthorized}, 429 (limited) ${limited}, other ${COUNT - unauthorized - limited}; stored ${stored}`,
    });
    // The token is refused (401) while the address is within the limit; past it, limited (429) as without a header.
    expect({ unauthorized, limited, stored }).toEqual({ unauthorized: PUBLIC_RATE_LIMIT, limited: COUNT - PUBLIC_RATE_LIMIT, stored: 0 });
  });
});

function table(rows: Figures[]): string {
  const header = ['fault', 'injected', 'complaints', 'emails', 'lost', 'duplicated', 'resent (same Message-ID)', 'client retries', 'seconds', 'note'];
  const lines = rows.map((f) => [f.fault, f.injected, f.complaints, f.emails ?? '–', f.lost ?? '–', f.duplicated ?? '–', f.resentSameMessageId ?? '–', f.retries, f.seconds.toFixed(0), f.note ?? ''].map(String));
  return [header, ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
