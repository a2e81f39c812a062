import type { WorkingCalendar, CalendarYear } from './calendar';
import { FINISHED_STATUSES } from './statuses';
import { computeDeadlines, dispatchDeadlines } from './deadlines';
import { beijingIso, dispatchClocks, returnedReplyClock } from './clocks';
import { isDealerLoop } from './loop';
import { z } from 'zod';
import { monthSchema } from './months';
import { policySchema, type Policy } from './policy';
import type { KpiFacts } from './kpi';
import type { ScoredComplaint } from './scoring';
import { newUsage } from './calendar';

// Policy what-if (SPEC §4, §6): every fact scoring counts is the recorded time of an event compared
// with a due time the policy and calendar placed. Under a proposed policy the due times move and the
// facts are decided again from the same recorded times, by the same clock code the workflow uses.
// A fact whose due times did not move stands as recorded; one whose did is decided again, and only
// when the recorded policy's due times explain the recorded fact (else it stands, and says so).

/** One event of a complaint's history as the read model keeps it: what happened, and when. */
export interface RecordedEvent {
  type: string;
  at: string | Date;
  data?: Record<string, unknown> | null;
}

/** A complaint as the read model stores it: its scoring facts and its history's event times. */
export interface RecordedComplaint extends ScoredComplaint {
  kpi: ScoredComplaint['kpi'] & Partial<KpiFacts>;
  history: readonly RecordedEvent[];
  policyVersion?: string | null;
}

/** The facts a policy decides: the ones that compare an event's time with a due time. */
export const POLICY_FACTS = ['acknowledgedOnTime', 'repliedOnTime', 'repairFeedbackOnTime', 'contactedOnTime', 'closedWithinDeadline', 'firstTimeClosure'] as const;
export type PolicyFact = (typeof POLICY_FACTS)[number];

export interface FactChange {
  number: string;
  fact: PolicyFact;
  actual: boolean | null | undefined;
  proposed: boolean | null | undefined;
  /** In the product's words: "replied at 27 h: late under 24 h, on time under 36 h". */
  why: string;
}

/** A fact's value, the event that decided it (or its absence) and the due time it was held to. */
type Decision = { value: boolean | null; event: string; due: string };

const ms = (at: string | Date) => new Date(at).getTime();
const hoursAfter = (from: number, at: number) => {
  const h = (at - from) / 3_600_000;
  return `${Number.isInteger(h) ? h : h.toFixed(1)} h`;
};
const verdict = (v: boolean | null | undefined) => (v === true ? 'on time' : v === false ? 'late' : 'not decided yet');
/** A due time as people read it: Beijing wall-clock time, to the minute. */
const wall = (at: number) => beijingIso(at).slice(0, 16).replace('T', ' ');

/** A dealer's turn with the complaint: from a dispatch to the next one, the end of the loop, or now. */
interface Turn {
  start: number;
  end: number;
  events: RecordedEvent[];
}


function turnsOf(c: RecordedComplaint, asOf: number): Turn[] {
  const finished = c.closedAt ? ms(c.closedAt) : asOf;
  const dispatches = c.history.filter((e) => e.type === 'dispatched').map((e) => ms(e.at));
  return dispatches.map((start, i) => {
    const next = dispatches[i + 1];
    const end = Math.min(next ?? finished, finished);
    return { start, end, events: c.history.filter((e) => ms(e.at) >= start && (next === undefined || ms(e.at) < next)) };
  });
}

/**
 * A fact decided once, by the first turn whose event came or whose clock ran out (as the workflow's
 * `??=`): the event against that turn's due time; no event and the due time passed while the dealer
 * had it: late; otherwise the next turn decides, and with none left, nothing is decided yet.
 */
function decideOnce(turns: Turn[], eventType: string, due: (turn: Turn) => number | undefined, what: string): Decision {
  for (const turn of turns) {
    const d = due(turn);
    if (d === undefined) continue;
    const event = turn.events.find((e) => e.type === eventType);
    if (event) {
      const at = ms(event.at);
      return { value: at <= d, event: `${what} at ${hoursAfter(turn.start, at)} (${wall(at)})`, due: `due at ${hoursAfter(turn.start, d)} (${wall(d)})` };
    }
    if (d < turn.end) return { value: false, event: `no ${what}`, due: `due ${wall(d)}` };
  }
  const last = turns.at(-1);
  const d = last && due(last);
  return { value: null, event: `no ${what} yet`, due: d === undefined ? 'no clock' : `due ${wall(d)}` };
}

/** The due times a policy and calendar give a complaint, by the deadline code the workflow uses. */
export interface DueTimes {
  replyDue?: number;
  closureDeadline?: number;
  turns: { acknowledgementDue?: number; replyDue: number; contactDue: number; repairFeedbackDue?: number }[];
  returnedReplyDue: number[];
}

export function dueTimes(c: RecordedComplaint, policy: Policy, calendar: WorkingCalendar, turns: Turn[] = turnsOf(c, Date.now())): DueTimes {
  const deadlines = computeDeadlines({ receivedAt: c.receivedAt, kind: c.kind, category: c.category, channel: c.channel, ...(turns[0] && { dispatchedAt: turns[0].start }) }, policy, calendar);
  const usage = newUsage();
  const isWorkingDay = (date: string) => calendar.isWorkingDay(date, usage);
  return {
    replyDue: ms(deadlines.replyDue),
    ...(deadlines.closureDeadline && { closureDeadline: ms(deadlines.closureDeadline) }),
    turns: turns.map((t) => {
      const clocks = dispatchClocks(t.start, c.channel, policy);
      const own = dispatchDeadlines({ receivedAt: c.receivedAt, dispatchedAt: t.start, kind: c.kind }, policy, isWorkingDay);
      return {
        acknowledgementDue: ms(own.acknowledgementDue),
        replyDue: ms(clocks.replyDue),
        contactDue: ms(clocks.contactDue),
        ...(own.repairFeedbackDue && { repairFeedbackDue: ms(own.repairFeedbackDue) }),
      };
    }),
    returnedReplyDue: c.history.filter((e) => e.type === 'returned_to_dealer').map((e) => ms(returnedReplyClock(e.at, policy).replyDue)),
  };
}

type Derived = Record<PolicyFact, Decision>;

/** The policy facts of a complaint under due times, from its recorded event times (state.ts's rules). */
function derive(c: RecordedComplaint, due: DueTimes, turns: Turn[], asOf: number): Derived {
  const at = (turn: Turn) => turns.indexOf(turn);
  const repair = c.kind === 'repair_request';
  const acknowledgedOnTime = decideOnce(turns, 'acknowledged', (t) => due.turns[at(t)]?.acknowledgementDue, 'confirmation');
  const contactedOnTime = decideOnce(turns, 'customer_contacted', (t) => due.turns[at(t)]?.contactDue, 'contact');
  const repairFeedbackOnTime = repair ? decideOnce(turns, 'replied', (t) => due.turns[at(t)]?.repairFeedbackDue, 'feedback') : { value: null, event: 'not a repair request', due: 'no clock' };

  let repliedOnTime: Decision;
  if (!isDealerLoop(c.kind)) {
    const reply = c.history.find((e) => e.type === 'replied' || (FINISHED_STATUSES as readonly string[]).includes(e.type));
    repliedOnTime = reply ? { value: ms(reply.at) <= due.replyDue!, event: `answered at ${hoursAfter(ms(c.receivedAt), ms(reply.at))}`, due: `due at ${hoursAfter(ms(c.receivedAt), due.replyDue!)}` } : { value: null, event: 'no answer yet', due: `due ${wall(due.replyDue!)}` };
  } else if (repair) {
    repliedOnTime = repairFeedbackOnTime;
  } else {
    repliedOnTime = decideOnce(turns, 'replied', (t) => due.turns[at(t)]?.replyDue, 'reply');
    // A reply after a return that came late, or never came by its due time, loses "reply on time" too.
    const returns = c.history.filter((e) => e.type === 'returned_to_dealer');
    returns.forEach((r, i) => {
      const d = due.returnedReplyDue[i]!;
      const next = c.history.find((e) => e.type === 'replied' && ms(e.at) > ms(r.at));
      const stop = Math.min(...[next ? ms(next.at) : asOf, c.closedAt ? ms(c.closedAt) : asOf, ...c.history.filter((e) => e.type === 'dispatched' && ms(e.at) > ms(r.at)).map((e) => ms(e.at))]);
      if (stop > d) repliedOnTime = { value: false, event: `returned ${wall(ms(r.at))}, ${next ? `replied ${wall(ms(next.at))}` : 'no reply'}`, due: `the reply after the return due ${wall(d)}` };
    });
  }

  let closedWithinDeadline: Decision = { value: null, event: 'no closure deadline', due: 'no clock' };
  if (due.closureDeadline !== undefined) {
    const d = due.closureDeadline;
    const closed = c.closedAt ? ms(c.closedAt) : undefined;
    if (c.status === 'closed' && closed !== undefined) closedWithinDeadline = { value: closed <= d, event: `closed ${wall(closed)}`, due: `deadline ${wall(d)}` };
    else if (d < (closed ?? asOf)) closedWithinDeadline = { value: false, event: 'still open', due: `deadline ${wall(d)}` };
    else closedWithinDeadline = { value: null, event: 'open', due: `deadline ${wall(d)} not reached` };
  }

  let firstTimeClosure: Decision = { value: c.kpi.firstTimeClosure, event: 'as recorded', due: 'no clock' };
  if (c.status === 'closed') {
    const requests = c.history.filter((e) => e.type === 'closure_requested').length;
    const clean = requests === 1 && c.kpi.falseReplies === 0 && ((c.kpi as KpiFacts).unsatisfied ?? 0) === 0;
    firstTimeClosure = clean ? { ...closedWithinDeadline, event: `closed at its first request, ${closedWithinDeadline.event}`, value: closedWithinDeadline.value === true } : { value: false, event: 'returned or asked to close more than once', due: 'no clock' };
  }
  return { acknowledgedOnTime, repliedOnTime, repairFeedbackOnTime, contactedOnTime, closedWithinDeadline, firstTimeClosure };
}

/** "replied at 27 h: late (due at 24 h), on time (due at 36 h)": the event once, then each policy's verdict. */
function because(was: Decision, will: Decision): string {
  if (was.event === will.event) return `${was.event}: ${verdict(was.value)} under the policy in force (${was.due}), ${verdict(will.value)} under the proposal (${will.due})`;
  return `under the policy in force ${was.event}, ${verdict(was.value)} (${was.due}); under the proposal ${will.event}, ${verdict(will.value)} (${will.due})`;
}

const sameDue = (a: DueTimes, b: DueTimes) => JSON.stringify(a) === JSON.stringify(b);

export interface Rederived {
  complaint: ScoredComplaint;
  changes: FactChange[];
  /** Facts whose due times moved but whose recorded value the history does not explain: kept as recorded. */
  unexplained: PolicyFact[];
}

/**
 * A complaint's KPI facts under a proposed policy and calendar, from its recorded event times: the
 * recorded facts where nothing the proposal changes reaches them, else decided again (with why).
 */
export function rederiveComplaint(c: RecordedComplaint, recorded: { policy: Policy; calendar: WorkingCalendar }, proposed: { policy: Policy; calendar: WorkingCalendar }, asOf: Date | number = Date.now()): Rederived {
  const now = ms(new Date(asOf));
  const turns = turnsOf(c, now);
  const before = dueTimes(c, recorded.policy, recorded.calendar, turns);
  const after = dueTimes(c, proposed.policy, proposed.calendar, turns);
  if (sameDue(before, after)) return { complaint: c, changes: [], unexplained: [] };
  const was = derive(c, before, turns, now);
  const will = derive(c, after, turns, now);
  const kpi = { ...c.kpi } as Record<string, unknown>;
  const changes: FactChange[] = [];
  const unexplained: PolicyFact[] = [];
  for (const fact of POLICY_FACTS) {
    const actual = (c.kpi as unknown as Record<string, boolean | null | undefined>)[fact];
    // A fact with no clock when it ran (undefined) is not measured under any policy.
    if (actual === undefined) continue;
    if ((actual ?? null) !== was[fact].value) {
      if (was[fact].value !== will[fact].value) unexplained.push(fact);
      continue;
    }
    if (will[fact].value === was[fact].value) continue;
    kpi[fact] = will[fact].value;
    changes.push({ number: c.number, fact, actual, proposed: will[fact].value, why: because(was[fact], will[fact]) });
  }
  // The month's closure counts by the closure deadline when it falls after the month's end (SPEC §6): the proposal's.
  const closureDeadline = after.closureDeadline === undefined ? c.closureDeadline : new Date(after.closureDeadline).toISOString();
  return { complaint: { ...c, kpi: kpi as ScoredComplaint['kpi'], ...(closureDeadline && { closureDeadline }) }, changes, unexplained };
}

// --- the proposal -------------------------------------------------------------------------------

/** A plain object's fields over another's, recursively; arrays and values replace. */
export function deepMerge<T>(base: T, over: unknown): T {
  if (!isObject(over) || !isObject(base)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(out[k], v);
  return out as T;
}
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * The proposed policy for complaints received under `base`: the changes over it, validated as a
 * policy load validates (the same schema, the same field paths). The version says it is a proposal.
 */
export function proposePolicy(base: Policy, changes: unknown): { policy: Policy } | { problems: FieldProblem[] } {
  if (!isObject(changes)) return { problems: [{ path: 'policy', message: 'must be an object with the fields of a policy document' }] };
  const merged = deepMerge(base, changes);
  const parsed = policySchema.safeParse(merged);
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.flatMap((issue) =>
        issue.code === 'unrecognized_keys' ? issue.keys.map((key) => ({ path: ['policy', ...issue.path, key].join('.'), message: 'is not a field of a policy' })) : [{ path: ['policy', ...issue.path].join('.'), message: issue.message }],
      ),
    };
  }
  return { policy: parsed.data };
}

/** Does a proposal change anything for complaints received under `base`? (`{}` does not.) */
export const isIdentity = (base: Policy, proposed: Policy) => JSON.stringify(base) === JSON.stringify(proposed);

export type { CalendarYear };

/**
 * The facts the history does not explain under the policy and calendar it was recorded with: none,
 * when re-deriving reproduces the workflow (what a what-if relies on); a run counts the others.
 */
export function unexplainedFacts(c: RecordedComplaint, recorded: { policy: Policy; calendar: WorkingCalendar }, asOf: Date | number): { fact: PolicyFact; recorded: boolean | null; derived: boolean | null }[] {
  const now = ms(new Date(asOf));
  const turns = turnsOf(c, now);
  const derived = derive(c, dueTimes(c, recorded.policy, recorded.calendar, turns), turns, now);
  return POLICY_FACTS.flatMap((fact) => {
    const actual = (c.kpi as unknown as Record<string, boolean | null | undefined>)[fact];
    return actual === undefined || (actual ?? null) === derived[fact].value ? [] : [{ fact, recorded: actual ?? null, derived: derived[fact].value }];
  });
}

/**
 * `POST /api/reports/what-if` (SPEC §8): a month range of at most 12 months, the policy changes (the
 * shape of a policy document, merged over the policy each complaint was received under) and any
 * proposed working calendars, by year.
 */
export const whatIfRequestSchema = z
  .object({
    from: monthSchema,
    to: monthSchema,
    /** Changes over the policy each complaint was received under (`{}`: the policy in force). */
    policy: z.record(z.string(), z.unknown()).default({}),
    /** Proposed working calendars, by year (`{ "2026": { …calendar document… } }`) or as a list. */
    calendars: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).default({}),
  })
  .strict();
export type WhatIfRequest = z.input<typeof whatIfRequestSchema>;
