import { readFileSync } from 'node:fs';

/** One line of the bench table (and of bench/results.json). */
export interface Row {
  scenario: string;
  variant: string;
  operations: number;
  seconds: number;
  perSecond: number;
  p50Ms?: number;
  p99Ms?: number;
  maxMs?: number;
  /** CPU time per operation of each process that served it, e.g. "intake 4.1 + temporal 5.0 + ferretdb 1.2 ms". */
  cpuPerOp?: string;
}

/** CPU time (ms) a process has used so far: this one's, or another's (a server the bench started) from /proc. */
export function cpuMs(pid?: number): number {
  if (pid === undefined) {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
}

/** The most memory (MiB) a process the bench started has held so far: VmHWM from /proc. */
export function peakMemoryMiB(pid: number): number {
  const kib = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kib ?? 0) / 1024);
}

/** What each named process spent between two `cpuMs` readings, per operation: "intake 4.1 + temporal 5.0 ms". */
export function cpuPerOperation(names: string[], before: number[], after: number[], operations: number): string {
  return `${names.map((name, i) => `${name} ${((after[i]! - before[i]!) / operations).toFixed(1)}`).join(' + ')} ms`;
}

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** The complaint every bench submits: an email complaint about service, for a dealer of the directory. */
export const benchComplaint = (dealerCode: string, extra: Record<string, unknown> = {}) => ({
  kind: 'complaint',
  category: 'service_process',
  channel: 'email',
  customer: { name: '压测', phone: '13800138000' },
  dealerCode,
  description: '压测：接待态度',
  request: '道歉',
  ...extra,
});
