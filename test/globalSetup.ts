import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startFerret, startMaildev, startTemporal, type ManagedProcess } from '../scripts/lib/stack';

declare global {
  var __testStack: { processes: ManagedProcess[]; dir: string } | undefined;
}

/** Starts the real servers once for the whole run and hands their addresses to the tests through env. */
export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'complaints-test-'));
  const [temporalPort, mongoPort, smtpPort, mailWebPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const processes = await Promise.all([
    startTemporal({ port: temporalPort, dbFile: path.join(dir, 'temporal.db'), logFile: path.join(dir, 'temporal.log') }),
    startFerret({ port: mongoPort, dataDir: path.join(dir, 'ferretdb'), logFile: path.join(dir, 'ferretdb.log') }),
    startMaildev({ smtpPort, webPort: mailWebPort, mailDir: path.join(dir, 'mail'), logFile: path.join(dir, 'maildev.log') }),
  ]);
  globalThis.__testStack = { processes, dir };
  process.env.TEST_STACK_DIR = dir;
  process.env.TEST_TEMPORAL_ADDRESS = `127.0.0.1:${temporalPort}`;
  process.env.TEST_MONGO_URL = `mongodb://127.0.0.1:${mongoPort}`;
  process.env.TEST_SMTP_PORT = String(smtpPort);
  process.env.TEST_MAIL_API_URL = `http://127.0.0.1:${mailWebPort}`;
}
