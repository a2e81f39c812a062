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
