// The burst floor's workflow (bench/floor.ts): a clock running out with nothing behind its steps.
import { proxyActivities, proxyLocalActivities, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { ComplaintStatusKey, OverdueKey } from '@complaints/workflows/src/searchAttributes';
import type { FloorShape } from './floor';

const { reached } = proxyActivities<{ reached(i: number): Promise<void> }>({ startToCloseTimeout: '1 minute' });
const local = proxyLocalActivities<{ written(i: number): Promise<void> }>({ startToCloseTimeout: '1 minute' });

export async function floorWorkflow(dueAt: number, i: number, shape: FloorShape): Promise<void> {
  await sleep(dueAt - Date.now());
  if (shape.upsert) upsertSearchAttributes([{ key: ComplaintStatusKey, value: 'overdue' }, { key: OverdueKey, value: true }]);
  const activities = Array.from({ length: shape.activities }, () => reached(i));
  if (shape.localWrite) await local.written(i);
  await Promise.all(activities);
  if (shape.nextTimer) await sleep('30 days');
}
