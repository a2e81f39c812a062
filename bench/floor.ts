// The burst's floor (part of `npm run bench burst`): the same number of clocks running out at one
// instant on the same Temporal dev server, in workflows that do nothing else, with activities that
// return at once: no database, no SMTP, no payload encryption. What Temporal itself needs between
// the timers firing and the activities starting, for the complaint's steps at the deadline and for
// less; beside the burst's own figures it shows how much of the lateness is the server's.
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { COMPLAINT_WORKER_SETTINGS } from '@complaints/intake/src/worker';
import { initialSearchAttributes } from '@complaints/intake/src/complaints';
import { freePort, startTemporal } from '../scripts/lib/stack';
import { inPool } from '../scripts/lib/pool';
import { cpuMs, cpuPerOperation, percentile, type Row } from './rows';
import { metricsUrlOf, operationsPer, persistenceOperations, persistenceOperationsSoFar } from '../scripts/lib/temporalMetrics';

export interface FloorShape {
  /** Activities scheduled together when the clock runs out (the read-model write and the email are two). */
  activities: number;
  /** The search attributes upserted (SPEC §8: status and Overdue). */
  upsert: boolean;
  /** A local activity run inside the workflow task (the read-model write, written there instead). */
  localWrite: boolean;
  /** The next clock's timer started afterwards, as a complaint's workflow goes on. */
  nextTimer: boolean;
}

export const FLOOR_SHAPES: { name: string; shape: FloorShape }[] = [
  { name: "the complaint's steps: search attributes, read-model write and email as two activities, next timer", shape: { activities: 2, upsert: true, localWrite: false, nextTimer: true } },
  { name: 'the read-model write inside the workflow task (local activity), the email as an activity', shape: { activities: 1, upsert: true, localWrite: true, nextTimer: true } },
  { name: 'the least a clock can do: one activity, nothing else', shape: { activities: 1, upsert: false, localWrite: false, nextTimer: false } },
];

/** One shape, `n` workflows, on a dev server of its own started as `npm start` starts it (file database, the dynamic configuration). */
export async function floorOf(dir: string, n: number, { name, shape }: (typeof FLOOR_SHAPES)[number]): Promise<{ row: Row; lastMs: number }> {
  const port = await freePort();
  const logFile = path.join(dir, `floor-${shape.activities}-${shape.localWrite}-${shape.upsert}.log`);
  const temporal = await startTemporal({ port, dbFile: path.join(dir, `floor-${port}.db`), logFile });
  const address = `127.0.0.1:${port}`;
  const connection = await Connection.connect({ address });
  const workerConnection = await NativeConnection.connect({ address });
  const reachedAt: number[] = [];
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  try {
    const client = new Client({ connection });
    // The complaint worker's settings (slots, pollers, sticky timeout) and cache.
    worker = await Worker.create({
      connection: workerConnection,
      taskQueue: 'floor',
      workflowsPath: require.resolve('./floorWorkflows'),
      activities: { reached: async () => void reachedAt.push(Date.now()), written: async () => undefined },
      ...COMPLAINT_WORKER_SETTINGS,
      maxCachedWorkflows: Math.max(1000, n),
    });
    running = worker.run();
    const dueAt = Date.now() + 20_000 + n * 20;
    // A complaint's search attributes as intake starts it with them (SPEC §8).
    const attributes = initialSearchAttributes({ kind: 'complaint', category: 'service_process', severity: 'minor', channel: 'email', dealerCode: 'SH001', region: 'east', receivedAt: new Date().toISOString() });
    await inPool(n, 32, (i) => client.workflow.start('floorWorkflow', { taskQueue: 'floor', workflowId: `floor-${i}`, args: [dueAt, i, shape], typedSearchAttributes: attributes }).then(() => undefined));
    const metricsUrl = metricsUrlOf(logFile);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAt - Date.now() - 200)));
    const before = { cpu: [cpuMs(), cpuMs(temporal.child.pid)], operations: await persistenceOperations(metricsUrl) };
    const expected = n * shape.activities;
    const timeout = dueAt + Math.max(5 * 60_000, n * 300);
    while (reachedAt.length < expected && Date.now() < timeout) await new Promise((resolve) => setTimeout(resolve, 100));
    // The CPU up to the last activity; the operations once the server has reported them.
    const after = { cpu: [cpuMs(), cpuMs(temporal.child.pid)], operations: await persistenceOperationsSoFar(metricsUrl) };
    if (reachedAt.length < expected) throw new Error(`burst floor: only ${reachedAt.length} of ${expected} activities started in time`);
    const lateness = reachedAt.map((at) => at - dueAt).sort((a, b) => a - b);
    const lastMs = lateness.at(-1)!;
    return {
      lastMs,
      row: {
        scenario: 'burst floor: timer → activities, nothing behind them',
        variant: `${n} workflows, ${name}; Temporal's persistence operations per workflow ${operationsPer(before.operations, after.operations, n)}`,
        operations: expected,
        seconds: Number((lastMs / 1000).toFixed(2)),
        perSecond: Math.round(expected / Math.max(lastMs / 1000, 0.001)),
        p50Ms: Math.round(percentile(lateness, 50)),
        p99Ms: Math.round(percentile(lateness, 99)),
        maxMs: lastMs,
        cpuPerOp: `per workflow: ${cpuPerOperation(['worker', 'temporal'], before.cpu, after.cpu, n)}`,
      },
    };
  } finally {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await workerConnection.close();
    await connection.close();
    await temporal.stop();
  }
}
