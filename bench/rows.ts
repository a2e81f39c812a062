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
}

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
