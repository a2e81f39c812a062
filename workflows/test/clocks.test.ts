import { computeDeadlines, dispatchClocks, dispatchDeadlines, majorClocks, newUsage, returnedReplyClock, WorkingCalendar, type ComplaintFacts } from '@complaints/shared';
import { shippedCalendars, shippedPolicies } from '@complaints/runtime/src/rules';
import type { ComplaintState } from '../src';
import { armedClocks, nextClock } from '../src/complaint/clocks';
import {
  countFollowUp,
  initialState,
  markAcknowledged,
  markAcknowledgementMissed,
  markContacted,
  markFirstTimeClosure,
  markRepairFeedbackOverdue,
  markRepliedOnTime,
  markReturned,
  setDispatchDeadlines,
} from '../src/complaint/state';

// SPEC §4: which clocks guard a complaint, read from its state alone, without Temporal.

const policy = shippedPolicies()[0]!;
const calendar = new WorkingCalendar(shippedCalendars());
const RECEIVED = '2026-11-23T09:15:00+08:00'; // a Monday
const DISPATCHED = '2026-11-23T01:20:00.000Z'; // 09:20 in Beijing

function received(overrides: Partial<ComplaintFacts> = {}): ComplaintState {
  const facts: ComplaintFacts = { kind: 'complaint', category: 'service_process', severity: 'minor', channel: 'hotline', receivedAt: RECEIVED, ...overrides };
  const state = initialState({ number: 'C202611230001', facts });
  state.policy = policy;
  state.deadlines = computeDeadlines({ receivedAt: facts.receivedAt, kind: facts.kind, category: facts.category, channel: facts.channel }, policy, calendar);
  if (facts.kind === 'inquiry' || facts.kind === 'suggestion') state.status = 'awaiting_reply';
  return state;
}

function dispatched(state: ComplaintState, at = DISPATCHED, dealerCode = 'SH001'): ComplaintState {
  state.dealerCode = dealerCode;
  state.region = 'east';
  state.status = 'awaiting_acknowledgement';
  state.dispatch = { generation: (state.dispatch?.generation ?? 0) + 1, at, ...dispatchClocks(at, state.facts.channel, policy) };
  return state;
}

const ids = (state: ComplaintState) => armedClocks(state).map((c) => c.id);

const isWorkingDay = (date: string) => calendar.isWorkingDay(date, newUsage());
/** The calendar's due times for the current dispatch arrive, as the activity answers them. */
function placed(state: ComplaintState, onFeedbackClock = false): ComplaintState {
  const { generation, at } = state.dispatch!;
  if (onFeedbackClock) state.dispatch!.onFeedbackClock = true;
  setDispatchDeadlines(state, generation, dispatchDeadlines({ receivedAt: state.facts.receivedAt, dispatchedAt: at, kind: state.facts.kind }, policy, isWorkingDay));
  return state;
}

/** A follow-up sent the complaint back to the dealer at `at`, as the workflow does. */
function returnedAt(state: ComplaintState, at: string, count = (state.returned?.count ?? 0) + 1): ComplaintState {
  markReturned(state, 'unsatisfied');
  state.status = 'awaiting_reply';
  state.returned = { count, at, ...returnedReplyClock(at, policy) };
  return state;
}

describe('the clocks a complaint has armed (a pure function of its state)', () => {
  it('waits for the dispatch on its own clock, with the closure deadline, the upgrade to major and the escalation running', () => {
    expect(ids(received())).toEqual(['dispatch-reminder', 'dispatch-overdue', 'closure-reminder', 'closure-overdue', 'auto-upgrade', 'escalation']);
  });

  it('starts the dealer’s reply, reminder and contact clocks at dispatch, due as the policy says', () => {
    const state = dispatched(received());
    expect(armedClocks(state)).toEqual([
      { id: 'reply-reminder:1', name: 'reply-reminder', at: '2026-11-24T05:20:00+08:00' },
      { id: 'reply-overdue:1', name: 'reply-overdue', at: '2026-11-24T09:20:00+08:00' },
      { id: 'contact-overdue:1', name: 'contact-overdue', at: '2026-11-24T09:20:00+08:00' },
      { id: 'closure-reminder', name: 'closure-reminder', at: '2026-11-25T16:30:00+08:00' },
      { id: 'closure-overdue', name: 'closure-overdue', at: '2026-11-26T16:30:00+08:00' },
      { id: 'auto-upgrade', name: 'auto-upgrade', at: '2026-12-03T09:15:00+08:00' },
      { id: 'escalation', name: 'escalation', at: '2027-02-23T09:15:00+08:00' },
    ]);
  });

  it('disarms the reply clocks at the dealer’s first reply and the contact clock at its first contact', () => {
    const state = dispatched(received());
    markRepliedOnTime(state, '2026-11-23T05:00:00.000Z');
    expect(ids(state)).toEqual(['contact-overdue:1', 'closure-reminder', 'closure-overdue', 'auto-upgrade', 'escalation']);
    markContacted(state, '2026-11-23T05:30:00.000Z');
    expect(ids(state)).toEqual(['closure-reminder', 'closure-overdue', 'auto-upgrade', 'escalation']);
  });

  it('gives a reassigned dealer clocks of its own, counted from its dispatch', () => {
    const state = dispatched(received());
    markRepliedOnTime(state, '2026-11-23T05:00:00.000Z');
    dispatched(state, '2026-11-24T02:00:00.000Z', 'BJ002');
    expect(armedClocks(state).slice(0, 3)).toEqual([
      { id: 'reply-reminder:2', name: 'reply-reminder', at: '2026-11-25T06:00:00+08:00' },
      { id: 'reply-overdue:2', name: 'reply-overdue', at: '2026-11-25T10:00:00+08:00' },
      { id: 'contact-overdue:2', name: 'contact-overdue', at: '2026-11-25T10:00:00+08:00' },
    ]);
  });

  it('runs an internet complaint’s contact clock on the internet policy number', () => {
    const state = dispatched(received({ channel: 'internet' }));
    const contact = armedClocks(state).find((c) => c.name === 'contact-overdue')!;
    expect(new Date(contact.at).getTime() - new Date(DISPATCHED).getTime()).toBe(policy.internetContact.hours * 3_600_000);
  });

  it('watches a repair request’s feedback once the calendar has given its date', () => {
    const state = dispatched(received({ kind: 'repair_request', category: 'technical_capability' }));
    expect(ids(state)).not.toContain('repair-feedback-overdue:1');
    state.dispatch!.repairFeedbackDue = '2026-11-26T16:30:00+08:00';
    expect(ids(state)).toContain('repair-feedback-overdue:1');
  });

  it('runs the same-day confirmation clock once the calendar has placed it, until the dealer confirms', () => {
    const state = dispatched(received()); // Monday 09:20
    expect(ids(state)).not.toContain('acknowledgement-overdue:1');
    placed(state);
    expect(armedClocks(state).slice(0, 2)).toEqual([
      { id: 'acknowledgement-reminder:1', name: 'acknowledgement-reminder', at: '2026-11-23T21:59:00+08:00' },
      { id: 'acknowledgement-overdue:1', name: 'acknowledgement-overdue', at: '2026-11-23T23:59:00+08:00' },
    ]);
    markAcknowledged(state, '2026-11-23T02:00:00.000Z');
    expect(ids(state).filter((id) => id.startsWith('acknowledgement'))).toEqual([]);
  });

  it('gives a reassigned dealer a confirmation clock of its own', () => {
    const state = placed(dispatched(received()));
    markAcknowledged(state, '2026-11-23T02:00:00.000Z');
    state.acknowledgedAt = undefined; // as a dispatch does
    placed(dispatched(state, '2026-11-23T09:00:00.000Z', 'BJ002')); // 17:00 Beijing: after the cutoff
    expect(armedClocks(state).find((c) => c.name === 'acknowledgement-overdue')).toEqual({ id: 'acknowledgement-overdue:2', name: 'acknowledgement-overdue', at: '2026-11-24T12:00:00+08:00' });
  });

  it('keeps the calendar’s due times of a dispatch that was already replaced', () => {
    const state = dispatched(received());
    const first = state.dispatch!;
    dispatched(state, '2026-11-23T09:00:00.000Z', 'BJ002');
    setDispatchDeadlines(state, first.generation, { acknowledgementDue: '2026-11-23T23:59:00+08:00' });
    expect(state.dispatch!.acknowledgementDue).toBeUndefined();
  });

  it('puts a repair request on its feedback clock alone, not the 24 h reply clock', () => {
    const state = placed(dispatched(received({ kind: 'repair_request', category: 'technical_capability' })), true);
    expect(ids(state)).toEqual(['acknowledgement-reminder:1', 'acknowledgement-overdue:1', 'repair-feedback-overdue:1', 'contact-overdue:1', 'closure-reminder', 'closure-overdue', 'auto-upgrade', 'escalation']);
    expect(armedClocks(state).find((c) => c.name === 'repair-feedback-overdue')!.at).toBe('2026-11-26T16:30:00+08:00'); // 3 working days after Monday
  });

  it('starts a new reply clock at each return to the dealer, until its next reply', () => {
    const state = dispatched(received());
    markRepliedOnTime(state, '2026-11-23T05:00:00.000Z');
    markContacted(state, '2026-11-23T05:00:00.000Z');
    returnedAt(state, '2026-11-24T02:00:00.000Z');
    expect(armedClocks(state).slice(0, 2)).toEqual([
      { id: 'returned-reply-reminder:1', name: 'returned-reply-reminder', at: '2026-11-25T06:00:00+08:00' },
      { id: 'returned-reply-overdue:1', name: 'returned-reply-overdue', at: '2026-11-25T10:00:00+08:00' },
    ]);
    markRepliedOnTime(state, '2026-11-24T05:00:00.000Z');
    expect(ids(state).filter((id) => id.startsWith('returned'))).toEqual([]);
    returnedAt(state, '2026-11-26T02:00:00.000Z');
    expect(ids(state).filter((id) => id.startsWith('returned'))).toEqual(['returned-reply-reminder:2', 'returned-reply-overdue:2']);
  });

  it('gives an inquiry only the call center’s answer clock, until the answer', () => {
    const state = received({ kind: 'inquiry' });
    expect(armedClocks(state)).toEqual([{ id: 'answer-overdue', name: 'answer-overdue', at: '2026-11-24T09:15:00+08:00' }]);
    markRepliedOnTime(state, '2026-11-23T03:00:00.000Z');
    expect(armedClocks(state)).toEqual([]);
  });

  it('reminds the call center of each closure request’s follow-up, due the policy hours after it', () => {
    const state = dispatched(received());
    markRepliedOnTime(state, '2026-11-23T05:00:00.000Z');
    markContacted(state, '2026-11-23T05:00:00.000Z');
    state.status = 'awaiting_follow_up';
    state.closureRequests = 2;
    state.closureRequestedAt = '2026-11-24T02:00:00.000Z';
    expect(armedClocks(state)[0]).toEqual({ id: 'follow-up-reminder:2', name: 'follow-up-reminder', at: '2026-11-25T10:00:00+08:00' });
  });

  it('runs the three major clocks from the upgrade, and no automatic upgrade any more', () => {
    const state = dispatched(received());
    const since = '2026-11-23T02:00:00.000Z';
    state.severity = 'major';
    state.major = { since, reason: '媒体曝光', ...majorClocks(since, policy) };
    expect(ids(state)).toEqual(expect.arrayContaining([`major-first-report:${since}`, `major-solution:${since}`, `major-written-report:${since}`]));
    expect(ids(state)).not.toContain('auto-upgrade');
    state.major.acknowledgedAt = '2026-11-23T02:05:00.000Z';
    expect(ids(state)).not.toContain(`major-first-report:${since}`);
  });

  it('never arms a clock that fired, nor any clock of a closed complaint', () => {
    const state = dispatched(received());
    state.firedClocks.push('reply-reminder:1', 'escalation');
    expect(ids(state)).not.toContain('reply-reminder:1');
    expect(ids(state)).not.toContain('escalation');
    state.status = 'force_closed';
    expect(armedClocks(state)).toEqual([]);
    expect(nextClock(state)).toBeUndefined();
  });

  it('runs out the earliest clock first, and of two due together the one armed first', () => {
    const state = dispatched(received());
    expect(nextClock(state)!.id).toBe('reply-reminder:1');
    state.firedClocks.push('reply-reminder:1');
    expect(nextClock(state)!.id).toBe('reply-overdue:1'); // due with contact-overdue:1
    state.firedClocks.push('reply-overdue:1');
    expect(nextClock(state)!.id).toBe('contact-overdue:1');
  });
});

describe('KPI facts, decided where the loop decides them', () => {
  it('decides "replied on time" once, by the first reply against the reply clock', () => {
    const state = dispatched(received());
    markRepliedOnTime(state, '2026-11-24T01:20:00.000Z'); // exactly at the due time
    markRepliedOnTime(state, '2026-11-26T00:00:00.000Z');
    expect(state.kpi.repliedOnTime).toBe(true);
  });

  it('makes a satisfied first follow-up within the deadline a first-time closure, and a return rules it out', () => {
    const first = dispatched(received());
    first.closureRequests = 1;
    markFirstTimeClosure(first, '2026-11-25T02:00:00.000Z');
    expect(first.kpi).toMatchObject({ closedWithinDeadline: true, firstTimeClosure: true });

    const returned = dispatched(received());
    markReturned(returned, 'false_reply');
    returned.closureRequests = 2;
    markFirstTimeClosure(returned, '2026-11-25T02:00:00.000Z');
    expect(returned.kpi).toMatchObject({ falseReplies: 1, closedWithinDeadline: true, firstTimeClosure: false });
  });

  it('decides "confirmed on time" once, by the first dispatch, at its confirmation or when its clock runs out', () => {
    const onTime = placed(dispatched(received()));
    markAcknowledged(onTime, '2026-11-23T15:59:00.000Z'); // 23:59 Beijing: exactly at the due time
    placed(dispatched(onTime, '2026-11-24T02:00:00.000Z', 'BJ002'));
    markAcknowledgementMissed(onTime);
    expect(onTime.kpi.acknowledgedOnTime).toBe(true);

    const late = placed(dispatched(received()));
    markAcknowledgementMissed(late);
    markAcknowledged(late, '2026-11-24T01:00:00.000Z');
    expect(late.kpi.acknowledgedOnTime).toBe(false);
  });

  it('decides "confirmed on time" for a dealer that confirmed before the calendar answered', () => {
    const state = dispatched(received());
    markAcknowledged(state, '2026-11-23T01:20:01.000Z');
    expect(state.kpi.acknowledgedOnTime).toBeNull();
    placed(state);
    expect(state.kpi.acknowledgedOnTime).toBe(true);
  });

  it('leaves "confirmed on time" undecided for a dispatch from before the confirmation was a clock', () => {
    const state = dispatched(received());
    markAcknowledged(state, '2026-11-23T01:30:00.000Z');
    expect(state.kpi.acknowledgedOnTime).toBeNull();
  });

  it('decides a repair request’s "on time" by the feedback within its working days, not the 24 h reply', () => {
    const late = placed(dispatched(received({ kind: 'repair_request', category: 'technical_capability' })), true);
    markRepliedOnTime(late, '2026-11-25T03:00:00.000Z'); // Wednesday: past 24 h, within 3 working days
    expect(late.kpi).toMatchObject({ repairFeedbackOnTime: true, repliedOnTime: true });

    const missed = placed(dispatched(received({ kind: 'repair_request', category: 'technical_capability' })), true);
    markRepairFeedbackOverdue(missed);
    markRepliedOnTime(missed, '2026-11-27T03:00:00.000Z');
    expect(missed.kpi).toMatchObject({ repairFeedbackOnTime: false, repliedOnTime: false });
    expect(missed.overdue).toBe(true);
  });

  it('loses "reply on time" for a reply after a return that came after its clock’s due time', () => {
    const state = dispatched(received());
    markRepliedOnTime(state, '2026-11-23T05:00:00.000Z');
    returnedAt(state, '2026-11-24T02:00:00.000Z');
    markRepliedOnTime(state, '2026-11-25T02:01:00.000Z'); // 24 h 1 min after the return
    expect(state).toMatchObject({ overdue: true, kpi: { repliedOnTime: false } });
  });

  it('keeps the last follow-up’s numeric ratings, and leaves the free text out', () => {
    const state = dispatched(received());
    countFollowUp(state, { overall: 2, attitude: 3, shortcomings: '等待时间长' });
    countFollowUp(state);
    expect(state.kpi).toMatchObject({ followUps: 2, ratings: { overall: 2, attitude: 3 } });
    expect(state.kpi.ratings).not.toHaveProperty('shortcomings');
  });

  it('is no first-time closure when closed after the closure deadline', () => {
    const late = dispatched(received());
    late.closureRequests = 1;
    markFirstTimeClosure(late, '2026-11-26T08:31:00.000Z'); // 16:31 Beijing on the deadline day
    expect(late.kpi).toMatchObject({ closedWithinDeadline: false, firstTimeClosure: false });
  });
});
