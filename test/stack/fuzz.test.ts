// Bad input at scale: schemathesis (PyPI, .tools/fuzz) generates requests from intake's own
// /openapi.json — valid, invalid and edge-case bodies, queries, headers and path parameters — against
// the running stack, as the coordinator and as a dealer. Checks: no 5xx; every status is one the
// document lists; every body (4xx included: `{ error, message, details[] }`) matches its schema.
// `npm run fuzz` runs this file alone; FUZZ_EXAMPLES and FUZZ_SEED make it longer or different.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signToken } from '@complaints/runtime';
import { DEMO_DIRECTORY_FILE } from '@complaints/runtime/src/directory';
import { LocalStack, ROOT, TOOLS } from '../../scripts/lib/stack';
import { validComplaint } from '../support';

jest.setTimeout(300_000);

const AUTH_SECRET = 'fuzz-auth-secret-0123456789';
const SCHEMATHESIS = path.join(TOOLS, 'fuzz/bin/schemathesis');
const CHECKS = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_schema_conformance'];

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: os.tmpdir(), env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('schemathesis against /openapi.json', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'complaints-fuzz-'));
  let stack: LocalStack;

  beforeAll(async () => {
    stack = new LocalStack({
      dataDir,
      ports: await LocalStack.freePorts(),
      env: { ...process.env, AUTH_SECRET, HOTLINE_SECRET: 'fuzz-hotline-secret-0123456789', DIRECTORY_FILE: DEMO_DIRECTORY_FILE, LOG_LEVEL: 'warn', PUBLIC_RATE_LIMIT: '100000' },
    });
    await stack.startServers();
    await Promise.all([stack.start('intake'), stack.start('reporting')]);
    // A few complaints, so that lists and filters have something to answer with.
    const coordinator = await signToken(AUTH_SECRET, { sub: 'fuzz-seed', role: 'coordinator' });
    for (const dealerCode of ['SH001', 'SH002', 'BJ001']) {
      const res = await fetch(stack.url('intake', '/api/complaints'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${coordinator}` },
        body: JSON.stringify({ ...validComplaint(), dealerCode, channel: 'email' }),
      });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    await stack?.stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['coordinator', { sub: 'fuzz-coordinator', role: 'coordinator' as const }],
    ['dealer', { sub: 'fuzz-dealer', role: 'dealer' as const, dealerCode: 'SH001' }],
  ])('as the %s: no 5xx, and every answer as documented', async (name, claims) => {
    await fuzz('intake', name, claims);
  });

  // Reporting's own document (the policy what-if), as the coordinator who runs it.
  it('reporting, as the coordinator: no 5xx, and every answer as documented', async () => {
    await fuzz('reporting', 'reporting-coordinator', { sub: 'fuzz-coordinator', role: 'coordinator' });
  });

  async function fuzz(service: 'intake' | 'reporting', name: string, claims: Parameters<typeof signToken>[1]) {
    const token = await signToken(AUTH_SECRET, claims);
    const { code, output } = await run(SCHEMATHESIS, [
      'run',
      stack.url(service, '/openapi.json'),
      '--header',
      `Authorization: Bearer ${token}`,
      '--checks',
      CHECKS.join(','),
      '--max-examples',
      process.env.FUZZ_EXAMPLES ?? '15',
      '--seed',
      process.env.FUZZ_SEED ?? '1',
      '--report',
      'junit',
      '--report-junit-path',
      path.join(ROOT, `test-output/fuzz/junit-${name}.xml`),
    ]);
    const summary = /Test cases:\s*\n\s*(.+)/.exec(output)?.[1] ?? '(no summary)';
    console.log(`schemathesis as the ${name}: ${summary}`);
    if (code !== 0) throw new Error(`schemathesis found problems (exit ${code}):\n${output.slice(-20_000)}`);
    expect(summary).toMatch(/^\d+ generated, \d+ passed/);
  }
});
