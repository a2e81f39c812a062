import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { listIssuedTokens } from '@complaints/runtime';
import { shippedPolicies } from '@complaints/runtime/src/rules';
import { cli } from './runCli';
import { testConfig } from './support';

describe('ops CLI', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'complaints-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the same deadlines whatever the host time zone', async () => {
    const args = ['deadline', '--received', '2026-09-30T16:31:00+08:00', '--category', 'product_quality'];
    const outputs = await Promise.all(['UTC', 'America/Los_Angeles', 'Asia/Shanghai'].map((TZ) => cli(args, { TZ, MONGO_URL: undefined })));
    for (const output of outputs) expect(output.code).toBe(0);
    const [utc, la, shanghai] = outputs.map((o) => JSON.parse(o.stdout));
    expect(utc).toEqual(la);
    expect(utc).toEqual(shanghai);
    // After 16:30 on Sep 30 counts from Oct 1; +7 days is Oct 8, the first working day after National Day.
    expect(utc).toMatchObject({
      closureDeadline: '2026-10-08T16:30:00+08:00',
      countsAsReceivedOn: '2026-10-01',
      policyVersion: '2025.1',
      calendarVersions: { 2026: '2026.1' },
      rulesSource: 'files',
    });
  }, 30_000);

  it.each([
    [['deadline', '--category', 'product_quality'], '--received is required'],
    [['deadline', '--received', 'yesterday', '--category', 'product_quality'], '--received: must be an ISO 8601 date-time'],
    [['deadline', '--received', '2026-09-30T10:00:00+08:00', '--category', 'weather'], '--category: must be one of'],
    [['deadline', '--received', '2026-09-30T10:00:00+08:00', '--category', 'product_quality', '--kind', 'praise'], '--kind: must be one of'],
    [['deadline', '--received', '2026-09-30T10:00:00+08:00', '--category', 'product_quality', '--colour', 'red'], "Unknown option '--colour'"],
    [['forecast'], 'unknown command forecast'],
  ])('refuses %j with a message naming the argument', async (args, message) => {
    const { code, stderr, stdout } = await cli(args, { MONGO_URL: undefined });
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stdout).toBe('');
  }, 30_000);

  it('warns when a deadline falls in a year without a calendar', async () => {
    const { code, stdout, stderr } = await cli(['deadline', '--received', '2027-12-30T10:00:00+08:00', '--category', 'service_process'], { MONGO_URL: undefined });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).missingCalendarYears).toEqual([2027, 2028]); // the dispatch clock counts the day of receipt
    expect(stderr).toContain('warning: no working calendar for 2028');
  }, 30_000);

  it('signs tokens for a role, naming the field when one is missing or bad', async () => {
    const secret = 'cli-test-secret-0123456789';
    const { code, stdout } = await cli(['token', '--role', 'dealer', '--dealer', 'SH001', '--days', '7'], { AUTH_SECRET: secret });
    expect(code).toBe(0);
    const [header, body, signature] = stdout.trim().split('.');
    expect(createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url')).toBe(signature); // HS256 with AUTH_SECRET
    const payload = JSON.parse(Buffer.from(body!, 'base64url').toString()) as { exp: number; iat: number };
    expect(payload).toMatchObject({ role: 'dealer', dealerCode: 'SH001', sub: 'dealer-SH001' });
    expect(payload.exp - payload.iat).toBe(7 * 86_400);
    const missing = await cli(['token', '--role', 'dealer'], { AUTH_SECRET: secret });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('error: --dealer is required');
    const bad = await cli(['token', '--role', 'boss'], { AUTH_SECRET: secret });
    expect(bad.stderr).toContain('error: --role: must be one of coordinator, call_center, dealer, regional_manager, hq, hotline');
    const noSecret = await cli(['token', '--role', 'hq'], { AUTH_SECRET: undefined, DATA_DIR: dir });
    expect(noSecret.stderr).toContain('AUTH_SECRET is not set');
  }, 30_000);

  it('signs machine tokens for the services named, within the role’s lifetime, with a jti to revoke', async () => {
    const secret = 'cli-test-secret-0123456789';
    const both = await cli(['token', '--role', 'coordinator'], { AUTH_SECRET: secret });
    expect(both.code).toBe(0);
    const payloadOf = (token: string) => JSON.parse(Buffer.from(token.trim().split('.')[1]!, 'base64url').toString()) as { aud: string[]; jti: string };
    const payload = payloadOf(both.stdout);
    expect(payload.aud).toEqual(['intake', 'reporting']);
    expect(both.stderr).toContain(`jti ${payload.jti}`);
    const json = await cli(['token', '--role', 'hotline', '--days', '366', '--audience', 'intake', '--json'], { AUTH_SECRET: secret });
    expect(json.code).toBe(0);
    const printed = JSON.parse(json.stdout) as { token: string; jti: string; audience: string[] };
    expect(printed.audience).toEqual(['intake']);
    expect(payloadOf(printed.token)).toMatchObject({ aud: ['intake'], jti: printed.jti });
    const tooLong = await cli(['token', '--role', 'coordinator', '--days', '91'], { AUTH_SECRET: secret });
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toContain('error: --days: may be at most 90 for a coordinator token');
    const badAudience = await cli(['token', '--role', 'hq', '--audience', 'notifier'], { AUTH_SECRET: secret });
    expect(badAudience.stderr).toContain('error: --audience:');
  }, 30_000);

  it('records a token it signs, with MONGO_URL, so that the coordinator’s tokens list shows it (never the token)', async () => {
    const secret = 'cli-test-secret-0123456789';
    const MONGO_URL = testConfig().MONGO_URL;
    const issued = await cli(['token', '--role', 'regional_manager', '--region', 'east', '--sub', 'weekly-report', '--days', '14', '--json'], { AUTH_SECRET: secret, MONGO_URL });
    expect(issued.code).toBe(0);
    const printed = JSON.parse(issued.stdout) as { token: string; jti: string; expiresAt: string };
    const conn = await mongoose.createConnection(MONGO_URL).asPromise();
    try {
      const [listed] = await listIssuedTokens(conn);
      expect(listed).toMatchObject({ jti: printed.jti, subject: 'weekly-report', role: 'regional_manager', region: 'east', audience: ['intake', 'reporting'], issuedBy: expect.stringMatching(/^cli:/) });
      expect(listed!.expiresAt.toISOString()).toBe(printed.expiresAt);
      expect(JSON.stringify(await conn.collection('issued_tokens').find().toArray())).not.toContain(printed.token);
      await conn.dropDatabase();
    } finally {
      await conn.close();
    }
  }, 30_000);

  it('validates a calendar file, naming the entry at fault', async () => {
    const file = path.join(dir, 'bad-2027.json');
    writeFileSync(file, JSON.stringify({ year: 2027, version: 'x', holidays: [{ name: '元旦', from: '2027-01-01', to: '2027-01-03' }], makeUpWorkdays: [{ name: '调休', date: '2027-01-02' }] }));
    const { code, stderr } = await cli(['calendar', 'validate', file]);
    expect(code).toBe(1);
    expect(stderr).toContain('makeUpWorkdays.0.date: 2027-01-02 (调休) is also a holiday in holidays[0] (元旦)');
  }, 30_000);

  it('loads a calendar year and a new policy into the database, and deadlines then use them', async () => {
    const MONGO_URL = testConfig().MONGO_URL;
    const calendarFile = path.join(dir, '2027.json');
    writeFileSync(
      calendarFile,
      JSON.stringify({ year: 2027, version: '2027.1', holidays: [{ name: '元旦', from: '2027-01-01', to: '2027-01-03' }], makeUpWorkdays: [{ name: '调休', date: '2027-01-09' }] }),
    );
    const bad = path.join(dir, 'bad-2027.json');
    writeFileSync(bad, JSON.stringify({ year: 2027, version: '2027.9', holidays: [{ name: '元旦', from: '2027-01-01', to: '2027-13-03' }], makeUpWorkdays: [] }));

    expect((await cli(['calendar', 'load', bad], { MONGO_URL })).code).toBe(1);
    const loaded = await cli(['calendar', 'load', calendarFile], { MONGO_URL });
    expect(loaded.stdout).toContain('2027 calendar version 2027.1 created');
    const list = JSON.parse((await cli(['calendar', 'list'], { MONGO_URL })).stdout);
    expect(list).toMatchObject({ source: 'database' });
    expect(list.years.map((y: { year: number }) => y.year)).toEqual([2025, 2026, 2027]);

    // Dec 30, 2026 after the cutoff counts from Dec 31; +3 is Jan 3, 2027, a holiday now known: Jan 4.
    const before = JSON.parse((await cli(['deadline', '--received', '2026-12-30T17:00:00+08:00', '--category', 'service_process'], { MONGO_URL })).stdout);
    expect(before).toMatchObject({ closureDeadline: '2027-01-04T16:30:00+08:00', calendarVersions: { 2027: '2027.1' }, missingCalendarYears: [], rulesSource: 'database' });

    const policyFile = path.join(dir, 'policy.json');
    const stricter = { ...shippedPolicies()[0]!, version: '2027.1', effectiveFrom: '2027-01-01T00:00:00+08:00', closure: { ...shippedPolicies()[0]!.closure, days: { product_quality: 5, technical_capability: 2, service_process: 2, parts_supply: 5 } } };
    writeFileSync(policyFile, JSON.stringify(stricter));
    expect((await cli(['policy', 'load', policyFile], { MONGO_URL })).stdout).toContain('policy 2027.1 created');
    writeFileSync(policyFile, JSON.stringify({ ...stricter, cutoff: '17:00' }));
    const changed = await cli(['policy', 'load', policyFile], { MONGO_URL });
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('policy version 2027.1 exists with other values');

    // A complaint received before the new policy keeps the old one; one received after uses the new.
    const old = JSON.parse((await cli(['deadline', '--received', '2026-12-30T17:00:00+08:00', '--category', 'service_process'], { MONGO_URL })).stdout);
    expect(old).toMatchObject({ policyVersion: '2025.1', closureDeadline: '2027-01-04T16:30:00+08:00' });
    const later = JSON.parse((await cli(['deadline', '--received', '2027-01-05T10:00:00+08:00', '--category', 'service_process'], { MONGO_URL })).stdout);
    expect(later).toMatchObject({ policyVersion: '2027.1', closureDeadline: '2027-01-07T16:30:00+08:00' });
  }, 90_000);
});
