// Personal data in Temporal, on the whole stack as `npm start` runs it: what the dealer and the call
// center type into a complaint is encrypted in its history, so the Temporal CLI and the Temporal UI
// show ciphertext; a coordinator reads it through intake's codec endpoint (the UI's "remote codec",
// the CLI's --codec-endpoint). Screenshots of the UI without and with decoding go to
// test-output/screenshots/codec-*.png.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { signToken, type Principal } from '@complaints/runtime';
import { DEMO_DIRECTORY_FILE } from '@complaints/runtime/src/directory';
import { LocalStack, TEMPORAL_BIN } from '../../scripts/lib/stack';
import { launchBrowser, screenshot } from '../browser';
import { eventually, validComplaint } from '../support';

jest.setTimeout(240_000);

const run = promisify(execFile);
const AUTH_SECRET = 'payloads-auth-secret-0123456789';
const MARKER = 'PIPL-marker-K7XQ';

/** Every text the output holds, the payloads' base64 data decoded too (a clear payload would show there). */
function readable(output: string): string {
  const decoded = [...output.matchAll(/"([A-Za-z0-9+/]{16,}={0,2})"/g)].map(([, b64]) => Buffer.from(b64!, 'base64').toString('utf8'));
  return [output, ...decoded].join('\n');
}

describe('encrypted payloads on the whole stack: the Temporal CLI and UI', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'complaints-payloads-'));
  let stack: LocalStack;
  let browser: Browser;
  let workflowId: string;
  let coordinator: string;

  const token = (claims: Principal) => signToken(AUTH_SECRET, claims);

  beforeAll(async () => {
    stack = new LocalStack({
      dataDir,
      ports: await LocalStack.freePorts(),
      // PAYLOAD_KEYS: the tests' keys, from the environment (test/setupEach.ts).
      env: { ...process.env, AUTH_SECRET, HOTLINE_SECRET: 'payloads-hotline-secret-0123456789', DIRECTORY_FILE: DEMO_DIRECTORY_FILE, LOG_LEVEL: 'warn' },
    });
    await stack.startServers();
    await stack.startServices();
    browser = await launchBrowser();

    coordinator = await token({ sub: 'coordinator-wang', role: 'coordinator' });
    const dealer = await token({ sub: 'dealer-SH001', role: 'dealer', dealerCode: 'SH001' });
    const callCenter = await token({ sub: 'call-center-li', role: 'call_center' });
    const post = async (pathname: string, auth: string, body: object) => {
      const res = await fetch(stack.url('intake', pathname), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` }, body: JSON.stringify(body) });
      const answer = (await res.json()) as Record<string, string>;
      if (!res.ok) throw new Error(`${pathname}: ${res.status} ${JSON.stringify(answer)}`);
      return answer;
    };
    const created = await post('/api/complaints', coordinator, { ...validComplaint(), category: 'service_process', channel: 'email' });
    workflowId = created.workflowId!;
    const status = async () => (await (await fetch(stack.url('intake', `/api/complaints/${created.number}`), { headers: { authorization: `Bearer ${coordinator}` } })).json()) as { status: string };
    await eventually(status, (s) => s.status === 'awaiting_acknowledgement', 30_000);
    const act = (action: string, auth: string, body: object) => post(`/api/complaints/${created.number}/${action}`, auth, body);
    await act('acknowledge', dealer, {});
    await act('contact', dealer, { note: `已电话联系客户 ${MARKER}-contact` });
    await act('reply', dealer, { text: `已向客户道歉并加强培训 ${MARKER}-reply`, final: true });
    await act('request-closure', coordinator, {});
    await act('follow-up', callCenter, { outcome: 'satisfied', method: 'phone', note: `客户表示满意 ${MARKER}-follow-up` });
    await eventually(status, (s) => s.status === 'closed', 30_000);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const show = (...extra: string[]) => run(TEMPORAL_BIN, ['workflow', 'show', '--address', stack.env.TEMPORAL_ADDRESS!, '--workflow-id', workflowId, '--output', 'json', ...extra], { maxBuffer: 64 * 1024 * 1024 });

  it('shows the Temporal CLI ciphertext only, and the complaint’s text to a coordinator through the codec endpoint', async () => {
    const plain = await show();
    expect(plain.stdout.length).toBeGreaterThan(5000);
    expect(readable(plain.stdout)).not.toContain(MARKER);
    expect(plain.stdout).toContain(Buffer.from('binary/encrypted').toString('base64'));

    const decoded = await show('--codec-endpoint', stack.url('intake', '/codec'), '--codec-auth', `Bearer ${coordinator}`);
    for (const field of ['contact', 'reply', 'follow-up']) expect(readable(decoded.stdout)).toContain(`${MARKER}-${field}`);

    const dealer = await token({ sub: 'dealer-SH001', role: 'dealer', dealerCode: 'SH001' });
    const refused = await show('--codec-endpoint', stack.url('intake', '/codec'), '--codec-auth', `Bearer ${dealer}`).catch((error: { stdout: string; stderr: string }) => error);
    expect(readable(`${refused.stdout}${refused.stderr}`)).not.toContain(MARKER);
  });

  async function openWorkflow(page: Page) {
    await page.goto(stack.url('temporalUi', `/namespaces/default/workflows/${workflowId}`));
    await page.getByText(/Completed/).first().waitFor();
  }

  /** The dealer's reply as the update that delivered it: its event opened in the Event History. */
  async function openReplyEvent(page: Page) {
    await openWorkflow(page);
    await page.getByRole('tab', { name: /Event History/ }).click();
    await page.getByRole('row').filter({ hasText: 'Workflow Execution Update Accepted' }).filter({ hasText: /Name\s*reply/ }).click();
    await page.getByText('Accepted Request', { exact: true }).waitFor();
  }

  it('shows ciphertext in the Temporal UI to anyone without a codec session', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const answers: number[] = [];
    page.on('response', (res) => res.url().includes('/codec/decode') && answers.push(res.status()));
    await openReplyEvent(page);
    await page.getByTestId('data-encoder-status-error').waitFor(); // "Codec Server could not connect"
    expect(answers.length).toBeGreaterThan(0);
    expect(new Set(answers)).toEqual(new Set([401]));
    expect(await page.content()).not.toContain(MARKER);
    await screenshot(page, 'codec-ui-ciphertext');
    await page.close();
  });

  it('shows a coordinator the decrypted history in the Temporal UI once the codec session is open', async () => {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const page = await context.newPage();
    await page.goto(stack.url('intake', '/codec/session'));
    await page.fill('#token', coordinator);
    await page.click('form[action="/codec/session"] button');
    await page.getByText('Decoding is on').waitFor();
    await screenshot(page, 'codec-session');

    // As the session page says: the UI's Codec Server settings, for this browser.
    await openWorkflow(page);
    await page.getByTestId('data-encoder-status-error').click();
    await page.getByTestId('use-local-endpoint-input').check();
    await page.getByTestId('data-encoder-endpoint-input').fill(stack.url('intake', '/codec'));
    await page.getByTestId('data-encoder-include-credentials').click();
    await page.getByRole('button', { name: 'Apply' }).click();

    const answers: number[] = [];
    page.on('response', (res) => res.url().includes('/codec/decode') && answers.push(res.status()));
    await openReplyEvent(page);
    await page.getByText(`${MARKER}-reply`).first().waitFor();
    expect(new Set(answers)).toEqual(new Set([200]));
    await screenshot(page, 'codec-ui-decoded');

    // Ending the session ends the decoding.
    await page.goto(stack.url('intake', '/codec/session'));
    await page.evaluate(() => fetch('/codec/session/end', { method: 'POST' }));
    answers.length = 0;
    await openWorkflow(page);
    await page.getByTestId('data-encoder-status-error').waitFor(); // "Codec Server could not connect"
    expect(await page.content()).not.toContain(MARKER);
    expect(new Set(answers)).toEqual(new Set([401]));
    await context.close();
  });
});
