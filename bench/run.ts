// `npm run bench`: speed figures of the local stack, printed as a table and written to
// bench/results.json with the machine's core count. Never part of `npm test`.
//
//   storage   FerretDB insert / update rates, SQLite backend vs PostgreSQL backend (Debian's
//             PostgreSQL, when its server binaries are installed)
//   temporal  workflow start rate of the dev server's SQLite file database: default pragmas vs
//             WAL with synchronous=FULL (what `npm start` uses) vs WAL with synchronous=NORMAL
//   notifier  deadline-to-email lateness (p50/p99, target p99 <= 1 s) and emails per second
//   reporting one month's scorecard over 100,000 complaints of 500 dealers from aggregates (target <= 1 s)
//             beside the full recompute, and the dashboard's first load in Chromium (target <= 2 s)
//   intake    complaints per second through POST /api/complaints against bare workflow starts
//             (ratio, target >= 0.7), with p50/p99 latency
//   burst     1,000 complaints whose closure deadline is the same instant (the 16:30 burst): each
//             overdue email's lateness after it, none missing or twice, beside the bound the send
//             rate alone sets (emails ÷ emails per second, measured in the same run; bench/burst.ts),
//             and the floor: the same clocks in workflows with no-op activities (bench/floor.ts)
//   scale     50,000 open complaint workflows with pending timers on the local stack: start rate,
//             memory of each process, and every timer firing with a short clock (bench/scale.ts)
//   whatif    a quarter of 100,000 complaints of 500 dealers: the policy what-if (36 h reply clock)
//             against the real scorecards of the same quarter, in one run (target <= 2×; bench/whatif.ts)
//   uploads   50 web-form posts of 5 × 5 MB photos at once to the intake process: its memory
//             (before, peak, after) and the answers by status (bench/uploads.ts)
//
// `npm run bench <scenario>` runs one; its rows replace that scenario's rows in bench/results.json
// and the others are kept, so that the file always holds one table of the latest figures.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { Client, Connection } from '@temporalio/client';
import { benchBurst } from './burst';
import { benchIntake } from './intake';
import type { Row } from './rows';
import { benchNotifier } from './notifier';
import { benchReporting } from './reporting';
import { benchScale } from './scale';
import { benchUploads } from './uploads';
import { benchWhatIf } from './whatif';
import { inPool } from '../scripts/lib/pool';
import { FERRETDB_BIN, ManagedProcess, ROOT, TEMPORAL_BIN, freePort, tcpOpen, temporalArgs, waitFor } from '../scripts/lib/stack';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const DOCS = Number(process.env.BENCH_DOCS ?? 2000);
const WORKFLOWS = Number(process.env.BENCH_WORKFLOWS ?? 500);
const CONCURRENCY = 16;


/** Seconds to run `fn` `count` times, CONCURRENCY at a time. */
async function inParallel(count: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await inPool(count, CONCURRENCY, fn);
  return (performance.now() - t0) / 1000;
}

function row(scenario: string, variant: string, operations: number, seconds: number): Row {
  return { scenario, variant, operations, seconds: Number(seconds.toFixed(2)), perSecond: Math.round(operations / seconds) };
}

/** The read model's typical writes: one complaint insert, then status updates by _id. */
async function measureStore(url: string, variant: string): Promise<Row[]> {
  const conn = await mongoose.createConnection(url).asPromise();
  const coll = conn.db!.collection('bench');
  const insertSeconds = await inParallel(DOCS, (i) =>
    coll.insertOne({ _id: `C-${i}` as never, status: 'received', category: 'product_quality', receivedAt: new Date(), events: 1, description: '发动机异响'.repeat(20) }),
  );
  const updateSeconds = await inParallel(DOCS, (i) => coll.updateOne({ _id: `C-${i}` as never }, { $set: { status: 'dispatched' }, $inc: { events: 1 } }));
  await conn.close();
  return [row('storage: insert', variant, DOCS, insertSeconds), row('storage: update', variant, DOCS, updateSeconds)];
}

async function startFerretWith(args: string[], dir: string): Promise<{ proc: ManagedProcess; url: string }> {
  const port = await freePort();
  const debugPort = await freePort();
  const proc = new ManagedProcess('ferretdb', FERRETDB_BIN, [...args, `--listen-addr=127.0.0.1:${port}`, `--debug-addr=127.0.0.1:${debugPort}`, '--telemetry=disable', '--log-level=error', `--state-dir=${dir}`], path.join(dir, 'ferretdb.log'));
  await waitFor('FerretDB', () => tcpOpen(port), 30_000, proc);
  return { proc, url: `mongodb://127.0.0.1:${port}/bench` };
}

async function benchStorage(dir: string): Promise<Row[]> {
  const rows: Row[] = [];
  mkdirSync(`${dir}/sqlite`);
  const sqlite = await startFerretWith(['--handler=sqlite', `--sqlite-url=file:${dir}/sqlite/`], dir);
  try {
    rows.push(...(await measureStore(sqlite.url, 'FerretDB + SQLite')));
  } finally {
    await sqlite.proc.stop();
  }

  if (!existsSync(`${PG_BIN}/postgres`)) {
    console.log(`PostgreSQL server binaries not found in ${PG_BIN}: skipping the PostgreSQL backend (apt-get install postgresql)`);
    return rows;
  }
  // PostgreSQL refuses to run as root: run it as the postgres user, in a folder it owns.
  const pgDir = path.join(dir, 'pg');
  mkdirSync(pgDir);
  chmodSync(dir, 0o755);
  const asPostgres = os.userInfo().uid === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  if (asPostgres.length) execFileSync('chown', ['-R', 'postgres', pgDir]);
  const run = (cmd: string, args: string[]) => execFileSync(asPostgres[0] ?? cmd, asPostgres.length ? [...asPostgres.slice(1), cmd, ...args] : args, { stdio: 'ignore' });
  run(`${PG_BIN}/initdb`, ['-D', `${pgDir}/data`, '-U', 'postgres', '--auth=trust']);
  const pgPort = await freePort();
  run(`${PG_BIN}/pg_ctl`, ['-D', `${pgDir}/data`, '-o', `-p ${pgPort} -k ${pgDir} -c listen_addresses=127.0.0.1`, '-l', `${pgDir}/log`, '-w', 'start']);
  try {
    run(`${PG_BIN}/createdb`, ['-h', '127.0.0.1', '-p', String(pgPort), '-U', 'postgres', 'ferretdb']);
    const pg = await startFerretWith(['--handler=postgresql', `--postgresql-url=postgres://postgres@127.0.0.1:${pgPort}/ferretdb`], dir);
    try {
      rows.push(...(await measureStore(pg.url, 'FerretDB + PostgreSQL 15')));
    } finally {
      await pg.proc.stop();
    }
  } finally {
    run(`${PG_BIN}/pg_ctl`, ['-D', `${pgDir}/data`, '-m', 'fast', 'stop']);
  }
  return rows;
}

async function benchTemporal(dir: string): Promise<Row[]> {
  const variants: [string, string[]][] = [
    ['SQLite file, default pragmas', []],
    ['SQLite file, WAL + synchronous=FULL (npm start)', ['journal_mode=wal', 'synchronous=FULL']],
    ['SQLite file, WAL + synchronous=NORMAL', ['journal_mode=wal', 'synchronous=NORMAL']],
  ];
  const rows: Row[] = [];
  for (const [i, [variant, pragmas]] of variants.entries()) {
    const port = await freePort();
    const dbFile = path.join(dir, `temporal-${i}.db`);
    // The same arguments as `npm start`, with this variant's pragmas instead.
    const args = temporalArgs({ port, logFile: '' }).concat(['--db-filename', dbFile], pragmas.flatMap((p) => ['--sqlite-pragma', p]));
    const proc = new ManagedProcess('temporal', TEMPORAL_BIN, args, path.join(dir, `temporal-${i}.log`));
    try {
      await waitFor('Temporal', () => tcpOpen(port), 60_000, proc);
      const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
      const client = new Client({ connection });
      // Starts of a workflow no worker polls: this measures the server's persistence alone.
      const seconds = await inParallel(WORKFLOWS, (n) => client.workflow.start('benchWorkflow', { taskQueue: 'bench', workflowId: `bench-${n}` }));
      rows.push(row('temporal: workflow starts', variant, WORKFLOWS, seconds));
      await connection.close();
    } finally {
      await proc.stop();
    }
  }
  return rows;
}

interface Results {
  date: string;
  cores: number;
  memoryGiB: number;
  concurrency: number;
  rows: Row[];
  ratios: Record<string, number>;
  /** Resident memory (MiB) of each process with the scale scenario's workflows open. */
  memoryMiB?: Record<string, number>;
  scale?: Record<string, number | string>;
  /** The burst scenario's figures: emails expected, arrived, missing, twice; last lateness and the send-rate bound (ms). */
  burst?: Record<string, number | string>;
  /** The uploads scenario's figures: answers by status, intake RSS before / peak / after each burst. */
  uploads?: Record<string, number | string>;
}

const SCENARIOS = ['storage', 'temporal', 'notifier', 'reporting', 'intake', 'burst', 'scale', 'uploads', 'whatif'] as const;
const scenarioOf = (row: Row) => row.scenario.split(':')[0]!;

async function main() {
  const only = process.argv[2];
  if (only && !(SCENARIOS as readonly string[]).includes(only)) throw new Error(`unknown scenario ${only}: use one of ${SCENARIOS.join(', ')}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'complaints-bench-'));
  const file = path.join(ROOT, 'bench/results.json');
  const previous: Partial<Results> = only && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Results) : {};
  const rows: Row[] = [];
  const ratios: Record<string, number> = {};
  let memoryMiB = previous.memoryMiB;
  let scale = previous.scale;
  let uploads = previous.uploads;
  let burst = previous.burst;
  try {
    if (!only || only === 'storage') rows.push(...(await benchStorage(dir)));
    if (!only || only === 'temporal') rows.push(...(await benchTemporal(dir)));
    if (!only || only === 'notifier') rows.push(...(await benchNotifier(dir)));
    if (!only || only === 'reporting') {
      const reporting = await benchReporting(dir);
      rows.push(...reporting.rows);
      ratios['scorecard from aggregates / full recompute'] = reporting.ratio;
    }
    if (!only || only === 'intake') {
      const intake = await benchIntake(dir);
      rows.push(...intake.rows);
      ratios['intake / bare workflow.start (target >= 0.7)'] = intake.ratio;
      ratios['intake / workflow.start with the same search attributes'] = intake.ofAttributed;
      ratios['intake p50 ms at half the bare rate'] = intake.halfRateP50Ms;
      ratios['intake p99 ms at half the bare rate (target <= 100)'] = intake.halfRateP99Ms;
    }
    if (!only || only === 'burst') {
      const result = await benchBurst(dir);
      rows.push(...result.rows);
      burst = result.figures;
      ratios['burst: last overdue email after the deadline, ms'] = Number(result.figures.lastMs);
      ratios['burst: emails ÷ emails per second, ms (target: last <= this + 1000)'] = Number(result.figures.boundMs);
    }
    if (!only || only === 'scale') {
      const result = await benchScale(dir);
      rows.push(...result.rows);
      memoryMiB = result.memory;
      scale = result.figures;
    }
    if (!only || only === 'whatif') {
      const whatIf = await benchWhatIf(dir);
      rows.push(...whatIf.rows);
      ratios['what-if run / real scorecards of the quarter (target <= 2)'] = whatIf.ratio;
    }
    if (!only || only === 'uploads') {
      const result = await benchUploads(dir);
      rows.push(...result.rows);
      uploads = result.figures;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // One table: this run's scenarios, and the latest figures of the others.
  const ran = new Set(rows.map(scenarioOf));
  const kept = (previous.rows ?? []).filter((row) => !ran.has(scenarioOf(row)));
  const allRows = [...kept, ...rows].sort((a, b) => SCENARIOS.indexOf(scenarioOf(a) as never) - SCENARIOS.indexOf(scenarioOf(b) as never));
  const allRatios = { ...(previous.ratios ?? {}), ...ratios };
  console.table(allRows);
  for (const [name, value] of Object.entries(allRatios)) console.log(`${name}: ${value}`);
  if (memoryMiB) console.log(`memory (RSS MiB) with the scale scenario's workflows open: ${JSON.stringify(memoryMiB)}`);
  const results: Results = { date: new Date().toISOString(), cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), concurrency: CONCURRENCY, rows: allRows, ratios: allRatios, memoryMiB, scale, uploads, burst };
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(`written to bench/results.json (${results.cores} cores)`);
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.message}`);
  process.exit(1);
});
