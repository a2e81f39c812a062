import type { ActionInput, Category, Kind, Severity } from '@complaints/shared';
import { isDealerLoop, LABELS, newKpiFacts } from '@complaints/shared/workflow';
import type { ComplaintState } from '../definitions';
import { nowIso, type Effects } from './effects';
import { clockId, type ClockName } from './clocks';
import { dispatchTo, upgradeToMajor } from './lifecycle';
import { isOpen } from './state';

// SPEC §3.2 分类: the coordinator corrects the kind, category or severity the customer picked, with a
// reason, until closure. The clocks follow from the complaint's own policy and receipt time, as if it
// had been received so: a category with a longer closure deadline gives the dealer that deadline, and
// a shorter one may make it due at once. A kind outside the dealer loop ends the work order (the call
// center answers); a dealer-loop kind starts it, the way a new complaint of that kind would.

interface Classification {
  kind: Kind;
  category: Category;
  severity: Severity;
}

const ms = (iso: string) => new Date(iso).getTime();

/** What changes, in the words of the history; empty when nothing would. */
export function classificationChanges(state: ComplaintState, input: ActionInput<'classify'>): (keyof Classification)[] {
  const now: Classification = { kind: state.facts.kind, category: state.facts.category, severity: state.severity };
  return (['kind', 'category', 'severity'] as const).filter((field) => input[field] !== undefined && input[field] !== now[field]);
}

export function reclassify(state: ComplaintState, effects: Effects, input: ActionInput<'classify'>, by: string): void {
  const { facts } = state;
  const at = nowIso();
  const before: Classification = { kind: facts.kind, category: facts.category, severity: state.severity };
  const after: Classification = { kind: input.kind ?? before.kind, category: input.category ?? before.category, severity: input.severity ?? before.severity };
  const wasLoop = isDealerLoop(before.kind);
  const isLoop = isDealerLoop(after.kind);

  facts.kind = after.kind;
  facts.category = after.category;
  state.classifiedAt = at;
  // Another kind in or out of the dealer loop (or another dealer-loop kind, whose clocks differ) is
  // judged as a new complaint of that kind: its work order, replies and KPI facts start again.
  const anew = before.kind !== after.kind && (wasLoop || isLoop);
  const dealer = state.dispatch && state.dealerCode ? { code: state.dealerCode, region: state.region } : undefined;
  if (anew) startAnew(state, isLoop ? 'awaiting_dispatch' : 'awaiting_reply');
  if (before.severity === 'major' && after.severity === 'minor') {
    state.severity = 'minor';
    if (state.major) state.major.downgradedAt = at;
    // The coordinator judged it minor: the 10-day rule does not make it major again behind their back.
    if (!state.firedClocks.includes('auto-upgrade')) state.firedClocks.push('auto-upgrade');
  }
  const withdrawnFrom = anew && !isLoop ? dealer?.code : undefined;

  const zh = LABELS.zh;
  const said = (c: Classification) => `${zh.kind[c.kind]} / ${zh.category[c.category]} / ${zh.severity[c.severity]}`;
  effects.record('classified', by, `重新分类: ${said(before)} → ${said(after)}: ${input.reason}`, { from: before, to: after, reason: input.reason, ...(withdrawnFrom && { withdrawnFrom }) });

  if (anew && isLoop) {
    // The dealer that had it gets the work order of the new kind, with that kind's clocks; one that
    // only now goes to a dealer is routed as at receipt: to the customer's own dealer when staff or
    // the hotline recorded it (a web form's named dealer waits for the coordinator).
    if (dealer) dispatchTo(state, effects, dealer.code, dealer.region, by);
    else if (facts.dealerCode && facts.region) dispatchTo(state, effects, facts.dealerCode, facts.region, 'system:routing');
  }
  if (before.severity === 'minor' && after.severity === 'major') upgradeToMajor(state, effects, input.reason, by);

  const sequence = state.events.length;
  const round = state.events.filter((e) => e.type === 'classified').length;
  effects.project(() => placeDeadlines(state, effects, { round, sequence, before, reason: input.reason, withdrawnFrom, becameLoop: !wasLoop && isLoop, at }));
}

/** Judged as a new complaint of its kind: no work order, reply, closure request or KPI fact yet. */
function startAnew(state: ComplaintState, status: 'awaiting_dispatch' | 'awaiting_reply'): void {
  state.status = status;
  state.previousDispatches = state.dispatch?.generation ?? state.previousDispatches;
  // Out of the dealer loop, no dealer holds it (nor sees its customer); the one it counted against stays on record.
  if (status === 'awaiting_reply') state.dealerCode = undefined;
  state.dispatch = undefined;
  state.returned = undefined;
  state.acknowledgedAt = undefined;
  state.contactedAt = undefined;
  state.firstReplyAt = undefined;
  state.finalReplyAt = undefined;
  state.closureRequestDue = undefined;
  state.overdue = false;
  state.kpi = newKpiFacts();
}

/**
 * The deadlines again, under the complaint's own policy and receipt time (an activity: the calendar
 * decides the working days). A clock that ran out under the old deadline and now lies ahead is armed
 * again, and what it decided is undone: the dealer is judged by the deadline the complaint has.
 */
async function placeDeadlines(
  state: ComplaintState,
  effects: Effects,
  { at, round, sequence, before, reason, withdrawnFrom, becameLoop }: { at: string; round: number; sequence: number; before: Classification; reason: string; withdrawnFrom?: string; becameLoop: boolean },
): Promise<void> {
  const { facts, policy, deadlines: previous } = state;
  if (!policy || !previous) return;
  const { deadlines } = await effects.activities.recomputeDeadlines({
    deadlines: {
      receivedAt: facts.receivedAt,
      kind: facts.kind,
      category: facts.category,
      channel: facts.channel,
      ...(state.dispatch && { dispatchedAt: state.dispatch.at }),
      // A complaint that only now goes to a dealer starts waiting for the coordinator's dispatch now.
      ...(becameLoop && { recordedAt: at }),
    },
    policy,
  });
  // Classified again (or closed) while the rules answered: the newer state decides.
  if (state.events.filter((e) => e.type === 'classified').length !== round || !isOpen(state)) return;
  state.deadlines = { ...deadlines, ...(previous.monthFreezesAt && { monthFreezesAt: previous.monthFreezesAt }) };
  const now = Date.now();
  // The closure clocks run again, under ids of their own (so their emails are sent again), when one
  // already ran out under the old deadline and the new one lies ahead.
  const ranOut = (name: ClockName) => state.firedClocks.includes(clockId(name, state.closureRound));
  const ahead = (due?: string) => Boolean(due && ms(due) > now);
  if ((ranOut('closure-overdue') && ahead(deadlines.closureDeadline)) || (ranOut('closure-reminder') && ahead(deadlines.closureReminderAt))) {
    if (ranOut('closure-overdue')) {
      state.kpi.closedWithinDeadline = null;
      state.overdue = state.kpi.repliedOnTime === false || state.kpi.repairFeedbackOnTime === false;
    }
    state.closureRound = (state.closureRound ?? 0) + 1;
  }
  await effects.activities.recordDeadlines(state.number, state.deadlines, { reproject: true });

  // The dealer that holds (or held) the work order hears what changed and its deadline now; one that
  // only now gets it has its work order.
  const dealerCode = withdrawnFrom ?? (state.dispatch && !becameLoop ? state.dealerCode : undefined);
  if (dealerCode) {
    effects.notify(`classified:${sequence}`, 'reclassified', [{ dealerCode }], {
      previousKind: before.kind,
      previousCategory: before.category,
      previousSeverity: before.severity,
      withdrawn: withdrawnFrom ? 'yes' : '',
      reason,
    });
  }
}
