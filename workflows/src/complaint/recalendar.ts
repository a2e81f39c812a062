import type { CalendarLoaded, ComplaintState } from '../definitions';
import type { Effects } from './effects';
import { applyRecomputedDeadlines, isOpen } from './state';

// SPEC §4: a year's calendar loaded after the complaint's deadlines were computed without it (or a
// corrected version of it). The data was missing, the rule did not change: the complaint's pending
// deadlines are placed again under its own policy, later only, and the dealer is told.

const LABEL_ZH = { closureDeadline: '闭环时限', acknowledgementDue: '确认时限', repairFeedbackDue: '报修反馈时限' } as const;

export async function correctDeadlines(state: ComplaintState, effects: Effects, { year, version }: CalendarLoaded): Promise<void> {
  const { deadlines, policy, facts, dispatch } = state;
  if (!isOpen(state) || !deadlines || !policy) return;
  const before = JSON.stringify(deadlines) + JSON.stringify(dispatch ?? {});
  const answer = await effects.activities.recomputeDeadlines({
    deadlines: { receivedAt: facts.receivedAt, kind: facts.kind, category: facts.category, channel: facts.channel, ...(deadlines.dispatchedAt && { dispatchedAt: deadlines.dispatchedAt }) },
    policy,
    ...(dispatch && { dispatch: { generation: dispatch.generation, dispatchedAt: dispatch.at } }),
  });
  // Closed or reassigned while the rules answered: the state moved on, and decides with what it has.
  if (!isOpen(state)) return;
  const previousClosureDeadline = deadlines.closureDeadline;
  const { moved, kept } = applyRecomputedDeadlines(state, answer);
  if (JSON.stringify(deadlines) + JSON.stringify(dispatch ?? {}) === before) return;
  await effects.activities.recordDeadlines(state.number, deadlines);
  if (!moved.length && !kept.length) return; // only the versions it was computed with: nothing to tell
  const said = [
    ...moved.map((m) => `${LABEL_ZH[m.deadline]} ${m.from} → ${m.to}`),
    ...kept.map((k) => `${LABEL_ZH[k.deadline]} 保持 ${k.announced}（新日历为 ${k.computed}，不提前）`),
  ].join('；');
  effects.record('deadlines_recomputed', 'system:calendar', `${year} 年工作日历 ${version} 载入，期限重新计算: ${said}`, { year, version, moved, kept });
  if (moved.length && state.dealerCode) {
    effects.notify(`deadline-moved:${year}:${version}`, 'deadline_moved', [{ dealerCode: state.dealerCode }], {
      previousClosureDeadline: moved.some((m) => m.deadline === 'closureDeadline') ? previousClosureDeadline : '',
      calendarYear: String(year),
      calendarVersion: version,
    });
  }
}
