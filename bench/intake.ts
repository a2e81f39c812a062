// The intake scenario of `npm run bench` (issue 6): complaints per second through
// `POST /api/complaints` against bare `client.workflow.start` of an empty workflow, on the same
// Temporal dev server (file database, as `npm start` runs it) and FerretDB, in one run.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '@complaints/shared';
import { connectMongo, connectTemporal, createLogger, listen, newPayloadKey, readDirectoryFile, signToken } from '@complaints/runtime';
import { createModels, saveDirectory, seedRules } from '@complaints/activities';
import { createApp } from '@complaints/intake/src/app';
import { initialSearchAttributes, operatorSummary } from '@complaints/intake/src/complaints';
import { benchComplaint, cpuMs, cpuPerOperation, percentile, type Row } from './rows';
import { inPool } from '../scripts/lib/pool';
import { ManagedProcess, ROOT, freePort, startFerret, startTemporal } from '../scripts/lib/stack';

const COMPLAINTS = Number(process.env.BENCH_COMPLAINTS ?? 1000);
const CONCURRENCY = 16;

/**
 * Runs `fn` `count` times at a steady `perSecond` (open loop: each call starts on its schedule,
 * whether or not earlier ones have answered), as complaints arrive on a normal day; each call's
 * latency from its own start.
 */
async function paced(scenario: string, variant: string, count: number, perSecond: number, fn: (i: number) => Promise<void>): Promise<Row> {
  const latencies: number[] = [];
  const t0 = performance.now();
  const calls: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const wait = t0 + (i * 1000) / perSecond - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const start = performance.now();
    calls.push(fn(i).then(() => void latencies.push(performance.now() - start)));
  }
  await Promise.all(calls);
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { scenario, variant, operations: count, seconds: Number(seconds.toFixed(2)), perSecond: Math.round(count / seconds), p50Ms: Math.round(percentile(latencies, 50)), p99Ms: Math.round(percentile(latencies, 99)) };
}

/** Runs `fn` `count` times, `CONCURRENCY` at a time; the rate and each call's latency. */
async function timed(scenario: string, variant: string, count: number, fn: (i: number) => Promise<void>): Promise<Row> {
  const latencies: number[] = [];
  const t0 = performance.now();
  await inPool(count, CONCURRENCY, async (i) => {
    const start = performance.now();
    await fn(i);
    latencies.push(performance.now() - start);
  });
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { scenario, variant, operations: count, seconds: Number(seconds.toFixed(2)), perSecond: Math.round(count / seconds), p50Ms: Math.round(percentile(latencies, 50)), p99Ms: Math.round(percentile(latencies, 99)) };
}

export async function benchIntake(dir: string): Promise<{ rows: Row[]; ratio: number; ofAttributed: number; halfRateP50Ms: number; halfRateP99Ms: number }> {
  const [temporalPort, mongoPort] = [await freePort(), await freePort()];
  const procs: ManagedProcess[] = [];
  let server: Server | undefined;
  try {
    procs.push(await startTemporal({ port: temporalPort, dbFile: path.join(dir, 'intake-temporal.db'), logFile: path.join(dir, 'intake-temporal.log') }));
    procs.push(await startFerret({ port: mongoPort, dataDir: path.join(dir, 'intake-ferretdb'), logFile: path.join(dir, 'intake-ferretdb.log') }));
    const config = loadConfig({
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      MONGO_URL: `mongodb://127.0.0.1:${mongoPort}/complaints`,
      AUTH_SECRET: randomUUID(),
      HOTLINE_SECRET: randomUUID(),
      PAYLOAD_KEYS: `bench:${newPayloadKey().key}`,
      LOG_LEVEL: 'silent',
    });
    const mongo = await connectMongo(config);
    const models = createModels(mongo);
    await Promise.all(Object.values(models).map((model) => model.init()));
    await seedRules(models);
    await saveDirectory(models, readDirectoryFile(path.join(ROOT, 'shared/directory/demo.json')));
    const temporal = await connectTemporal(config);
    // No worker: both sides measure the request path (number, records, workflow start), not the
    // workflows' execution, which the 50,000-workflow scenario of issue 9 covers.
    server = await listen(createApp({ config, logger: createLogger('bench', 'silent'), mongo, models, temporal: temporal.client }), 0, '127.0.0.1');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/complaints`;
    const token = await signToken(config.AUTH_SECRET, { sub: 'bench', role: 'coordinator' });
    const dealers = (await models.Dealer.find({}, { _id: 1 }).lean()).map((d) => d._id);

    // Warm both paths (connections, JIT) before measuring.
    for (let i = 0; i < 20; i++) await temporal.client.workflow.start('emptyWorkflow', { taskQueue: 'bench-empty', workflowId: `warm-${i}` });
    const [temporalPid, ferretPid] = [procs[0]!.child.pid, procs[1]!.child.pid];
    /** The row with the CPU each process spent on it, per operation: where a complaint's cost lies. */
    const withCpu = async (measure: () => Promise<Row>, client: string): Promise<Row> => {
      const before = [cpuMs(), cpuMs(temporalPid), cpuMs(ferretPid)];
      const row = await measure();
      return { ...row, cpuPerOp: cpuPerOperation([client, 'temporal', 'ferretdb'], before, [cpuMs(), cpuMs(temporalPid), cpuMs(ferretPid)], row.operations) };
    };
    const bare = await withCpu(() => timed('intake: bare workflow.start', 'empty workflow, no worker', COMPLAINTS, async (i) => {
      await temporal.client.workflow.start('emptyWorkflow', { taskQueue: 'bench-empty', workflowId: `empty-${i}` });
    }), 'bench');
    // The same start with what the product requires of it (SPEC §8 search attributes, the UI's
    // summary and details): how much of the gap is the server indexing them, not the request path.
    const withAttributes = await withCpu(() => timed('intake: workflow.start with attributes', 'the 8 search attributes + summary, no worker', COMPLAINTS, async (i) => {
      const facts = { kind: 'complaint', category: 'service_process', severity: 'minor', channel: 'email', dealerCode: dealers[i % dealers.length], region: 'east', receivedAt: new Date().toISOString() } as const;
      await temporal.client.workflow.start('emptyWorkflow', { taskQueue: 'bench-empty', workflowId: `attributed-${i}`, typedSearchAttributes: initialSearchAttributes(facts), ...operatorSummary(`B${i}`, facts) });
    }), 'bench');
    // The caller as light as a caller can be (node:http over kept-alive connections, not fetch,
    // which costs the process more than intake's own route): it shares this process and its two
    // cores with intake, and a real caller (the hotline's system) runs elsewhere.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const post = (i: number) =>
      new Promise<void>((resolve, reject) => {
        const body = JSON.stringify(benchComplaint(dealers[i % dealers.length]!));
        const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`POST /api/complaints answered ${res.statusCode}: ${Buffer.concat(chunks).toString()}`))));
        });
        req.on('error', reject);
        req.end(body);
      });
    for (let i = 0; i < 20; i++) await post(i); // the request path warmed as the start was
    const intake = await withCpu(() => timed('intake: POST /api/complaints', 'validate, number, submission, workflow start', COMPLAINTS, post), 'intake and its caller');
    // A normal day's pace: complaints arriving steadily at half what Temporal starts bare, each
    // answered within 100 ms (the target for p99).
    const halfRate = Math.max(1, Math.round(bare.perSecond / 2));
    const atHalf = await withCpu(() => paced('intake: POST /api/complaints at half the bare rate', `${halfRate}/s arriving steadily (target p99 <= 100 ms)`, Math.min(COMPLAINTS, halfRate * 10), halfRate, post), 'intake and its caller');
    agent.destroy();
    await temporal.close();
    await mongo.close();
    return { rows: [bare, withAttributes, intake, atHalf], ratio: Number((intake.perSecond / bare.perSecond).toFixed(2)), ofAttributed: Number((intake.perSecond / withAttributes.perSecond).toFixed(2)), halfRateP50Ms: atHalf.p50Ms!, halfRateP99Ms: atHalf.p99Ms! };
  } finally {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    for (const proc of procs.reverse()) await proc.stop();
  }
}
