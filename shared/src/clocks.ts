import type { Policy } from './policy';

// Clock arithmetic light enough for workflow code. The worker evaluates a workflow's imports again
// for every workflow it creates or replays (reuseV8Context keeps module state apart per workflow),
// so this module imports no values: no luxon, no zod. Beijing has no daylight saving time, so
// Asia/Shanghai is always UTC+8.

const BEIJING_OFFSET_MS = 8 * 3_600_000;

/** ISO 8601 with the +08:00 offset, milliseconds only when there are any (as deadlines.ts writes it). */
export function beijingIso(at: Date | string | number): string {
  const ms = new Date(at).getTime();
  if (Number.isNaN(ms)) throw new Error(`not a valid date-time: ${String(at)}`);
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().replace(/(\.000)?Z$/, '+08:00');
}

/** SPEC §4 major-complaint clocks, from the moment of the upgrade. */
export function majorClocks(upgradedAt: Date | string, policy: Policy) {
  const at = new Date(upgradedAt).getTime();
  if (Number.isNaN(at)) throw new Error(`not a valid date-time: ${String(upgradedAt)}`);
  return {
    firstReportDue: beijingIso(at + policy.major.firstReportMinutes * 60_000),
    solutionDue: beijingIso(at + policy.major.solutionHours * 3_600_000),
    writtenReportDue: beijingIso(at + policy.major.writtenReportDays * 86_400_000),
  };
}
