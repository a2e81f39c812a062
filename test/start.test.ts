import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { payloadDataConverter, signToken } from '@complaints/runtime';
import { getStateQuery } from '@complaints/workflows';
import { LocalStack, ROOT, TSX_BIN, namespaceRetentionDays, portIsFree, type StackPorts } from '../scripts/lib/stack';
import { validComplaint } from './support';

jest.setTimeout(240_000);

/** `npm start` as a user runs it (minus the install step), on free ports and a temporary data folder. */
describe('npm start', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'complaints-start-'));
  let env: NodeJS.ProcessEnv;
  let ports: StackPorts;

  beforeAll(async () => {
    ports = await LocalStack.freePorts();
    // The addresses npm start derives its servers' ports from, as LocalStack sets them for services.
    env = { ...process.env, ...new LocalStack({ dataDir, ports, env: {} }).env, DATA_DIR: dataDir, MAIL_WEB_PORT: String(ports.mailWeb), LOG_LEVEL: 'warn' };
    delete env.AUTH_SECRET;
    delete env.HOTLINE_SECRET;
    delete env.PAYLOAD_KEYS;
    delete env.PAYLOAD_KEY_ID;
  });

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  function start(): Promise<{ child: ChildProcess; output: () => string }> {
    const child = spawn(TSX_BIN, [path.join(ROOT, 'scripts/start.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start did not become ready:\n${output}`)), 150_000);
      child.stdout!.on('data', () => {
        if (output.includes('Press Ctrl-C to stop.')) {
          clearTimeout(timer);
          resolve({ child, output: () => output });
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`npm start exited with ${code}:\n${output}`));
      });
    });
  }

  /** The pid of the service listening on `port` (its command line names it, its environment the port). */
  function servicePid(service: string, port: number): number {
    const pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
    const found = pids.filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`services/${service}/src/main.ts`) && readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${service.toUpperCase()}_PORT=${port}`);
      } catch {
        return false; // exited meanwhile
      }
    });
    if (found.length !== 1) throw new Error(`expected one ${service} on :${port}, found ${found.length}`);
    return Number(found[0]);
  }

  async function until(check: () => boolean, timeoutMs: number, seen: () => string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`not within ${timeoutMs / 1000}s:\n${seen()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  function interrupt(child: ChildProcess): Promise<number | null> {
    return new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.kill('SIGINT');
    });
  }

  it('runs the whole system, stops cleanly on Ctrl-C, finds the earlier complaints after a restart, and restarts a service that dies', async () => {
    const first = await start();
    for (const url of ['Temporal Web UI', 'Mail UI', 'Web form', 'Console (staff)', 'Dashboard']) expect(first.output()).toContain(url);
    for (const port of [ports.intake, ports.notifier, ports.reporting]) {
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
    }
    expect((await fetch(`http://127.0.0.1:${ports.temporalUi}/`)).status).toBe(200);
    // A payload key made once and kept with the other secrets; the UI decodes through intake for a coordinator.
    const secrets = JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as { PAYLOAD_KEYS: string };
    expect(secrets.PAYLOAD_KEYS).toMatch(/^k\d{8}:[A-Za-z0-9+/]{43}=$/);
    expect(first.output()).toContain(`http://127.0.0.1:${ports.intake}/codec/session`);
    expect(first.output()).not.toContain(secrets.PAYLOAD_KEYS);
    // The first coordinator signs in with a one-time password printed once; no token is printed.
    expect(first.output()).toContain(`http://127.0.0.1:${ports.intake}/login`);
    expect(first.output()).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    const oneTime = /username coordinator, one-time password (\S+)/.exec(first.output())?.[1];
    expect(oneTime).toBeDefined();
    const signIn = await fetch(`http://127.0.0.1:${ports.intake}/login`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ username: 'coordinator', password: oneTime! }) });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('location')).toMatch(/^\/password/); // must be changed at the first sign-in
    expect(readdirSync(path.join(dataDir, 'logs')).map((file) => readFileSync(path.join(dataDir, 'logs', file), 'utf8')).join('')).not.toContain(oneTime);
    // Temporal keeps closed complaints' histories as long as the policy keeps closed complaints (2 years).
    expect(await namespaceRetentionDays(env.TEMPORAL_ADDRESS!, 'default')).toBe(730);

    const created = await fetch(`http://127.0.0.1:${ports.intake}/api/complaints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(validComplaint()),
    });
    expect(created.status).toBe(201);
    const { number, workflowId } = (await created.json()) as { number: string; workflowId: string };

    // The email reaches the mail sink started by npm start.
    let subjects: string[] = [];
    for (let i = 0; i < 100 && subjects.filter((s) => s.includes(number)).length < 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const mails = (await (await fetch(`http://127.0.0.1:${ports.mailWeb}/email`)).json()) as { subject: string }[];
      subjects = mails.map((m) => m.subject);
    }
    // The coordinator's notice: a web-form complaint waits for the coordinator's dispatch (SPEC §3.2).
    expect(subjects.filter((s) => s.includes(number))).toEqual([expect.stringMatching(/^【新抱怨已受理】/)]);

    expect(await interrupt(first.child)).toBe(0);
    for (const port of Object.values(ports)) expect(await portIsFree(port)).toBe(true);

    const second = await start();
    try {
      // The coordinator exists now: no new password.
      expect(second.output()).not.toContain('one-time password');
      const { AUTH_SECRET, PAYLOAD_KEYS } = JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as { AUTH_SECRET: string; PAYLOAD_KEYS: string };
      const token = await signToken(AUTH_SECRET, { sub: 'test', role: 'coordinator' });
      const res = await fetch(`http://127.0.0.1:${ports.intake}/api/complaints/${number}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      // A web-form complaint waits for the coordinator, with the dealer the customer named (SPEC §3.2).
      expect(await res.json()).toMatchObject({ number, status: 'awaiting_dispatch', namedDealerCode: 'SH001', dealerCode: null });

      const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS! });
      const handle = new Client({ connection, dataConverter: payloadDataConverter({ PAYLOAD_KEYS }) }).workflow.getHandle(workflowId);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      // The second start kept the key: the workflow's encrypted history is read and its state answered.
      expect(await handle.query(getStateQuery)).toMatchObject({ status: 'awaiting_dispatch' });
      await connection.close();

      // A service that dies (here SIGKILL, as the kernel's out-of-memory killer would) is started again.
      const notifier = servicePid('notifier', ports.notifier);
      process.kill(notifier, 'SIGKILL');
      await until(() => second.output().includes('notifier restarted'), 90_000, second.output);
      expect(second.output()).toContain('notifier exited (code null); restarting');
      expect(servicePid('notifier', ports.notifier)).not.toBe(notifier);
      expect((await fetch(`http://127.0.0.1:${ports.notifier}/health`)).status).toBe(200);
    } finally {
      expect(await interrupt(second.child)).toBe(0);
    }
  });
});
