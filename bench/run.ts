// `npm run bench`: speed figures of the local stack, printed as a table and written to
// bench/results.json with the machine's core count. Never part of `npm test`.
//
//   storage   FerretDB insert / update rates, SQLite backend vs PostgreSQL backend (Debian's
//             PostgreSQL, when its server binaries are installed)
//   temporal  workflow start rate of the dev server's SQLite file database: default pragmas vs
//             WAL with synchronous=FULL (what `npm start` uses) vs WAL with synchronous=NORMAL
//   notifier  deadline-to-email lateness (p50/p99, target p99 <= 1 s) and emails per second
//   reporting one month's scorecard over 100,000 complaints of 500 dealers vs one raw read (target <= 2x)
//   intake    complaints per second through POST /api/complaints against bare workflow starts
//             (ratio, target >= 0.7), with p50/p99 latency
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { Client, Connection } from '@temporalio/client';
import { benchIntake } from './intake';
import type { Row } from './rows';
import { benchNotifier } from './notifier';
import { benchReporting } from './reporting';
import { FERRETDB_BIN, ManagedProcess, ROOT, TEMPORAL_BIN, freePort, tcpOpen, temporalArgs, waitFor } from '../scripts/lib/stack';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const DOCS = Number(process.env.BENCH_DOCS ?? 2000);
const WORKFLOWS = Number(process.env.BENCH_WORKFLOWS ?? 500);
const CONCURRENCY = 16;


async function inParallel(count: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await fn(next++);
    }),
  );
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

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'complaints-bench-'));
  const only = process.argv[2];
  const rows: Row[] = [];
  const ratios: Record<string, number> = {};
  try {
    if (!only || only === 'storage') rows.push(...(await benchStorage(dir)));
    if (!only || only === 'temporal') rows.push(...(await benchTemporal(dir)));
    if (!only || only === 'notifier') rows.push(...(await benchNotifier(dir)));
    if (!only || only === 'reporting') {
      const reporting = await benchReporting(dir);
      rows.push(...reporting.rows);
      ratios['scorecard / raw read of the month (target <= 2)'] = reporting.ratio;
    }
    if (!only || only === 'intake') {
      const intake = await benchIntake(dir);
      rows.push(...intake.rows);
      ratios['intake / bare workflow.start (target >= 0.7)'] = intake.ratio;
      ratios['intake / workflow.start with the same search attributes'] = intake.ofAttributed;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.table(rows);
  for (const [name, value] of Object.entries(ratios)) console.log(`${name}: ${value}`);
  const results = { date: new Date().toISOString(), cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), concurrency: CONCURRENCY, rows, ratios };
  writeFileSync(path.join(ROOT, 'bench/results.json'), JSON.stringify(results, null, 2));
  console.log(`written to bench/results.json (${results.cores} cores)`);
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.message}`);
  process.exit(1);
});
