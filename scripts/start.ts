// `npm start`: the whole system on the embedded default — Temporal dev server + Web UI (file
// database), FerretDB (SQLite), the maildev SMTP sink and the three services with their workers.
// Data lives in data/ (DATA_DIR), so a second start finds the earlier complaints. Ctrl-C stops all.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from '@complaints/shared';
import { DEMO_DIRECTORY_FILE } from '@complaints/runtime/src/directory';
import mongoose from 'mongoose';
import { createModels, loadPolicies, savePolicy } from '@complaints/activities';
import { readPolicyFile } from '@complaints/runtime/src/rules';
import { addUser, createAccountModels, newPayloadKey, oneTimePassword } from '@complaints/runtime';
import { LocalStack, ROOT, localDataDir, portIsFree, savedSecrets, setNamespaceRetention } from './lib/stack';

// DEMO_CLOCKS=1: a demo policy with clocks of minutes (reply due in 5 minutes, a reminder 2 minutes
// before, follow-up in 3), in a data folder of its own so that the real data keeps its policy.
const demoClocks = process.env.DEMO_CLOCKS === '1';
const dataDir = localDataDir();

/**
 * Secrets for the local stack: taken from the environment, else generated once and kept in data/
 * (the payload key too: the histories in data/temporal/ can only be read with it).
 */
function localSecrets(): Record<'AUTH_SECRET' | 'HOTLINE_SECRET' | 'PAYLOAD_KEYS', string> & { PAYLOAD_KEY_ID?: string } {
  const { file, secrets: saved } = savedSecrets();
  // The file's own payload keys are never replaced by the environment's: a key dropped from it
  // would leave the histories it wrote unreadable at the next start without that environment.
  const { secrets: kept } = savedSecrets({ ...process.env, PAYLOAD_KEYS: '', PAYLOAD_KEY_ID: '' });
  const generated = newPayloadKey();
  const keys = kept.PAYLOAD_KEYS ? { PAYLOAD_KEYS: kept.PAYLOAD_KEYS, ...(kept.PAYLOAD_KEY_ID && { PAYLOAD_KEY_ID: kept.PAYLOAD_KEY_ID }) } : { PAYLOAD_KEYS: `${generated.id}:${generated.key}` };
  const secrets = { AUTH_SECRET: saved.AUTH_SECRET ?? randomBytes(32).toString('hex'), HOTLINE_SECRET: saved.HOTLINE_SECRET ?? randomBytes(32).toString('hex') };
  writeFileSync(file, JSON.stringify({ ...secrets, ...keys }, null, 2), { mode: 0o600 });
  return { ...secrets, ...(process.env.PAYLOAD_KEYS ? { PAYLOAD_KEYS: process.env.PAYLOAD_KEYS } : keys) };
}

/**
 * Temporal keeps a closed complaint's history no longer than the policies keep its personal data
 * (SPEC §7, `retention.closedComplaintYears`): the shortest of every policy version's, in days.
 */
async function retainHistories(config: Config): Promise<number> {
  const mongo = await mongoose.createConnection(config.MONGO_URL, { serverSelectionTimeoutMS: 10_000 }).asPromise();
  let years: number[];
  try {
    years = (await loadPolicies(createModels(mongo))).map((policy) => policy.retention.closedComplaintYears);
  } finally {
    await mongo.close();
  }
  if (years.length === 0) throw new Error('no policy in the database: intake seeds the shipped one at its start');
  const days = Math.min(...years) * 365;
  await setNamespaceRetention(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE, days);
  return days;
}

/** Puts the demo policy in force from now on (a new version each start: versions are immutable). */
async function loadDemoPolicy(mongoUrl: string): Promise<void> {
  const demo = readPolicyFile(path.join(ROOT, 'shared/demo/policy-short-clocks.json'));
  const now = new Date();
  const mongo = await mongoose.createConnection(mongoUrl, { serverSelectionTimeoutMS: 10_000 }).asPromise();
  try {
    await savePolicy(createModels(mongo), { ...demo, version: `${demo.version}-${now.toISOString()}`, effectiveFrom: now.toISOString() });
  } finally {
    await mongo.close();
  }
}

/**
 * On an empty database, the first coordinator, with a one-time password to change at the first
 * sign-in: returned to be printed once on the console, never logged or kept anywhere else. The
 * coordinator then adds the other staff (npm run -s cli -- user add).
 */
async function firstCoordinator(mongoUrl: string): Promise<string | undefined> {
  const mongo = await mongoose.createConnection(mongoUrl, { serverSelectionTimeoutMS: 10_000 }).asPromise();
  try {
    const accounts = createAccountModels(mongo);
    if ((await accounts.User.countDocuments({})) > 0) return undefined;
    const password = oneTimePassword();
    await addUser(accounts, { username: 'coordinator', displayName: 'Coordinator', role: 'coordinator', password, mustChangePassword: true });
    return password;
  } finally {
    await mongo.close();
  }
}

function portOf(address: string, what: string): number {
  const port = Number(new URL(address.includes('://') ? address : `tcp://${address}`).port);
  if (!port) throw new ConfigError([`${what}: needs an explicit port for the local stack`]);
  return port;
}

async function main() {
  mkdirSync(dataDir, { recursive: true });
  // The local stack starts with a demo directory of dealers, regions and mailboxes (shared/directory/demo.json).
  const env: NodeJS.ProcessEnv = { DIRECTORY_FILE: DEMO_DIRECTORY_FILE, ...process.env, ...localSecrets() };
  const config = loadConfig(env);
  const mailWebPort = Number(env.MAIL_WEB_PORT ?? 1080);
  const ports = {
    temporal: portOf(config.TEMPORAL_ADDRESS, 'TEMPORAL_ADDRESS'),
    temporalUi: portOf(config.TEMPORAL_UI_URL, 'TEMPORAL_UI_URL'),
    mongo: portOf(config.MONGO_URL, 'MONGO_URL'),
    smtp: config.SMTP_PORT,
    mailWeb: mailWebPort,
    intake: config.INTAKE_PORT,
    notifier: config.NOTIFIER_PORT,
    reporting: config.REPORTING_PORT,
  };
  const busy = [];
  for (const [name, port] of Object.entries(ports)) if (!(await portIsFree(port))) busy.push(`${name} :${port}`);
  if (busy.length) {
    throw new Error(`ports already in use: ${busy.join(', ')}. Is another \`npm start\` running? Stop it, or set the variables in README.md to other ports.`);
  }

  const stack = new LocalStack({ dataDir, ports, env, restartOnExit: true });
  let stopping = false;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    await stack.stopAll();
    console.log('stopped; data kept in', dataDir);
  };
  process.on('SIGINT', () => void stopAll().then(() => process.exit(0)));
  process.on('SIGTERM', () => void stopAll().then(() => process.exit(0)));

  const t0 = Date.now();
  try {
    await stack.startServers();
    console.log(`servers ready in ${((Date.now() - t0) / 1000).toFixed(1)}s; starting services`);
    await stack.startServices();
  } catch (error) {
    await stopAll();
    throw error;
  }

  if (demoClocks) await loadDemoPolicy(config.MONGO_URL);
  const retentionDays = await retainHistories(config);

  const firstPassword = await firstCoordinator(config.MONGO_URL);

  console.log(`
Complaint closed-loop system is running (healthy in ${((Date.now() - t0) / 1000).toFixed(1)}s)

  Web form (intake)     ${config.PUBLIC_BASE_URL}/
  Console (staff)       ${config.PUBLIC_BASE_URL}/complaints   (every role's lists and actions; sign in first)
  Intake API            http://127.0.0.1:${ports.intake}/api/complaints   (docs: /docs, /openapi.json)
  Temporal Web UI       ${config.TEMPORAL_UI_URL}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows
                        (closed workflows kept ${retentionDays} days, as the policy keeps closed complaints)
  Mail UI (maildev)     http://127.0.0.1:${ports.mailWeb}/
  Dashboard (reporting) http://127.0.0.1:${ports.reporting}/dashboard   (scorecards: /api/reports/scorecard?month=YYYY-MM)
  Notifier health       http://127.0.0.1:${ports.notifier}/health
  MongoDB (FerretDB)    ${config.MONGO_URL}

  Sign in (staff)       ${config.PUBLIC_BASE_URL}/login${config.PUBLIC_BASE_URL.replace(/\/$/, '') === `http://127.0.0.1:${ports.intake}` ? '' : `   (http://127.0.0.1:${ports.intake}/login)`}
${firstPassword ? `  First coordinator     username coordinator, one-time password ${firstPassword}\n                        (shown only this once; change it at the first sign-in; add staff: npm run -s cli -- user add)\n` : '  Staff accounts        npm run -s cli -- user add | user reset | user deactivate\n'}
  Workflow payloads are encrypted in Temporal; a coordinator reads them decrypted in the Temporal UI after
  opening ${config.PUBLIC_BASE_URL}/codec/session signed in as a coordinator (the page says which UI
  settings to switch on), or with the CLI and a coordinator machine token (console: /tokens):
  temporal workflow show -w <id> --codec-endpoint ${config.PUBLIC_BASE_URL}/codec --codec-auth "Bearer <coordinator token>"

${demoClocks ? '  DEMO CLOCKS: complaints received from now on have their reply due in 5 minutes (reminder at 3),\n  the follow-up in 3; shared/demo/policy-short-clocks.json.\n\n' : ''}Data: ${dataDir} (logs in ${path.join(dataDir, 'logs')}). Press Ctrl-C to stop.`);
}

main().catch((error: Error) => {
  console.error(`npm start failed: ${error.message}`);
  process.exit(1);
});
