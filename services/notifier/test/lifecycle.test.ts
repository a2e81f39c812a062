import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, ManagedProcess, ROOT, startService } from '../../../scripts/lib/stack';
import { testConfig } from '../../../test/support';

jest.setTimeout(120_000);

// runtime/src/service.ts's serve(), in the notifier as `npm start` runs it: a service whose
// Temporal worker has stopped must not stay up as an HTTP server that looks healthy while no
// email is sent; it exits non-zero, so that its supervisor starts it again.
describe('a service whose worker stops', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'notifier-lifecycle-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function environment(): Promise<{ env: NodeJS.ProcessEnv; port: number }> {
    const config = testConfig();
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
      MONGO_URL: config.MONGO_URL,
      SMTP_PORT: String(config.SMTP_PORT),
      TASK_QUEUE_NOTIFICATIONS: config.TASK_QUEUE_NOTIFICATIONS,
      NOTIFIER_PORT: String(port),
      AUTH_SECRET: config.AUTH_SECRET,
      HOTLINE_SECRET: config.HOTLINE_SECRET,
      LOG_LEVEL: 'info',
    };
    return { env, port };
  }

  /** Whether the process exits within `ms`. */
  async function exited(proc: ManagedProcess, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    try {
      return await Promise.race([proc.exit.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
  const logLines = (file: string) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string });

  it('exits non-zero with one clear line when its worker stops while the service runs', async () => {
    const { env, port } = await environment();
    const logFile = path.join(dir, 'notifier-stopped.log');
    const notifier = await startService('notifier', env, port, logFile);
    try {
      // The SDK stops its workers on SIGUSR2 (one of its shutdown signals) while the service's own
      // shutdown listens for SIGINT/SIGTERM only: the worker stops, the service was not asked to.
      notifier.child.kill('SIGUSR2');
      expect(await exited(notifier, 30_000)).toBe(true);
      expect(notifier.exitCode).not.toBe(0);
      const fatal = logLines(logFile).filter((l) => l.level >= 60);
      expect(fatal.map((l) => l.msg)).toEqual([expect.stringMatching(/worker stopped/)]);
    } finally {
      await notifier.kill();
    }
  });

  it('exits 1 with one clear line on a promise rejection nothing handles', async () => {
    const { env } = await environment();
    const logFile = path.join(dir, 'stray-rejection.log');
    // The notifier as main.ts starts it, plus one promise rejected in the background after start-up.
    const proc = new ManagedProcess('stray', process.execPath, ['--import', 'tsx', path.join(ROOT, 'services/notifier/test/fixtures/strayRejection.ts')], logFile, env);
    try {
      expect(await exited(proc, 60_000)).toBe(true);
      expect(proc.exitCode).toBe(1);
      const lines = logLines(logFile);
      expect(lines.some((l) => l.msg === 'ready')).toBe(true);
      expect(lines.filter((l) => l.level >= 60).map((l) => l.msg)).toEqual([expect.stringMatching(/unhandled promise rejection/i)]);
    } finally {
      await proc.kill();
    }
  });
});
