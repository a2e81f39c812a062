// What the Temporal dev server reports of its own work (its Prometheus endpoint): the benches show
// where a burst's time goes, a test checks what the dev server's settings spare it.
import { readFileSync } from 'node:fs';

/** The dev server's metrics address, from the lines its log starts with. */
export function metricsUrlOf(logFile: string): string {
  const url = /Temporal Metrics:\s*(\S+)/.exec(readFileSync(logFile, 'utf8'))?.[1];
  if (!url) throw new Error(`no metrics address in ${logFile}`);
  return url;
}

/** The persistence operations the dev server has done so far, by operation (its one SQLite connection serves them all in turn). */
export async function persistenceOperations(metricsUrl: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const line of (await (await fetch(metricsUrl)).text()).split('\n')) {
    const match = /^persistence_requests\{([^}]*)\}\s+(\S+)/.exec(line);
    const operation = match && /operation="([^"]*)"/.exec(match[1]!)?.[1];
    if (operation) counts.set(operation, (counts.get(operation) ?? 0) + Number(match[2]));
  }
  return counts;
}

/** The counts once the dev server has reported everything done so far: it reports once a second. */
export async function persistenceOperationsSoFar(metricsUrl: string): Promise<Map<string, number>> {
  await new Promise((resolve) => setTimeout(resolve, 1500));
  return persistenceOperations(metricsUrl);
}

/** The operations between two readings, per unit of work, the largest first: "14.2 (UpdateWorkflowExecution 8.2, CreateTasks 1.6, …)". */
export function operationsPer(before: Map<string, number>, after: Map<string, number>, units: number): string {
  const per = [...after].map(([operation, count]) => [operation, (count - (before.get(operation) ?? 0)) / units] as const).filter(([, n]) => n >= 0.05).sort((a, b) => b[1] - a[1]);
  const total = per.reduce((sum, [, n]) => sum + n, 0);
  return `${total.toFixed(1)} (${per.slice(0, 4).map(([operation, n]) => `${operation} ${n.toFixed(1)}`).join(', ')})`;
}
