// The Temporal dev server as `npm start`, the tests and the benches run it (scripts/lib/stack.ts,
// with deploy/temporal-dynamicconfig.yaml): what its settings spare its one SQLite connection.
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { initialSearchAttributes } from '@complaints/intake/src/complaints';
import { metricsUrlOf, persistenceOperations } from '../scripts/lib/temporalMetrics';

describe('the Temporal dev server', () => {
  let connection: Connection;
  let client: Client;
  beforeAll(async () => {
    connection = await Connection.connect({ address: process.env.TEST_TEMPORAL_ADDRESS! });
    client = new Client({ connection });
  });
  afterAll(() => connection.close());

  // Every complaint starts with SPEC §8's search attributes and updates them at each clock. The dev
  // server reads the registered ones afresh from its database at every use unless told otherwise,
  // on the same connection as every other step of every complaint: at the cutoff, a quarter of its
  // persistence operations (bench burst).
  it('keeps the registered search attributes in its cache instead of reading them for every workflow', async () => {
    const metricsUrl = metricsUrlOf(path.join(process.env.TEST_STACK_DIR!, 'temporal.log'));
    const operations = () => persistenceOperations(metricsUrl);
    const taskQueue = `sa-cache-${randomUUID()}`;
    const facts = { kind: 'complaint', category: 'service_process', severity: 'minor', channel: 'email', dealerCode: 'SH001', region: 'east', receivedAt: new Date().toISOString() } as const;
    const start = (i: number) => client.workflow.start('noSuchWorkflow', { taskQueue, workflowId: `${taskQueue}-${i}`, typedSearchAttributes: initialSearchAttributes(facts) });
    const before = await operations();
    const handles = [];
    for (let i = 0; i < 20; i++) handles.push(await start(i));
    // The visibility records, which map the search attributes again, are written after the starts;
    // the server reports its counts once a second: read them once they show a start made after.
    while ((await client.workflow.count(`TaskQueue = "${taskQueue}"`)).count < 20) await new Promise((resolve) => setTimeout(resolve, 100));
    handles.push(await start(20));
    const since = (counts: Map<string, number>, operation: string) => (counts.get(operation) ?? 0) - (before.get(operation) ?? 0);
    let after = await operations();
    while (since(after, 'CreateWorkflowExecution') < 21) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      after = await operations();
    }
    await Promise.all(handles.map((handle) => handle.terminate('test over')));
    // The cache is refreshed once a minute by each of the server's services: a few reads at most,
    // also while other test files start their workflows; without the cache, one or more a start.
    expect(since(after, 'GetCurrentClusterMetadata')).toBeLessThan(10);
  });
});
