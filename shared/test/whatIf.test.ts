import { proposePolicy, rederiveComplaint, WorkingCalendar, type CalendarYear, type Policy, type RecordedComplaint } from '../src';
import { shippedCalendars, shippedPolicies } from '@complaints/runtime/src/rules';

// Hand-made complaints, each with one fact that one changed number flips (and nothing else).

const calendars = shippedCalendars();
const calendar = new WorkingCalendar(calendars);
const policy = shippedPolicies()[0]!;
const recorded = { policy, calendar };
const asOf = new Date('2026-12-31T00:00:00+08:00');

function complaint(received: string, events: [string, string][], kpi: Partial<RecordedComplaint['kpi']> = {}, extra: Partial<RecordedComplaint> = {}): RecordedComplaint {
  const closed = events.find(([type]) => type === 'closed');
  return {
    number: 'C1',
    kind: 'complaint',
    channel: 'hotline',
    category: 'service_process',
    dealerCode: 'SH001',
    receivedAt: received,
    status: closed ? 'closed' : 'awaiting_reply',
    closedAt: closed ? new Date(closed[1]).toISOString() : null,
    history: [['received', received] as [string, string], ...events].map(([type, at]) => ({ type, at: new Date(at) })),
    kpi: { acknowledgedOnTime: true, repliedOnTime: true, contactedOnTime: true, closedWithinDeadline: true, firstTimeClosure: true, followUps: 1, falseReplies: 0, unsatisfied: 0, unreachable: false, ...kpi } as RecordedComplaint['kpi'],
    ...extra,
  };
}

const propose = (changes: unknown, cal = calendar) => {
  const result = proposePolicy(policy, changes);
  if (!('policy' in result)) throw new Error(JSON.stringify(result.problems));
  return { policy: result.policy, calendar: cal };
};
const flips = (c: RecordedComplaint, proposal: { policy: Policy; calendar: WorkingCalendar }) => rederiveComplaint(c, recorded, proposal, asOf).changes.map(({ fact, actual, proposed }) => ({ fact, actual, proposed }));

// Monday 2026-11-23, 10:00: dispatched at once, confirmed at 11:00, customer called at 12:00.
const base: [string, string][] = [
  ['dispatched', '2026-11-23T10:00:00+08:00'],
  ['acknowledged', '2026-11-23T11:00:00+08:00'],
  ['customer_contacted', '2026-11-23T12:00:00+08:00'],
];

describe('a proposed policy decides the facts again from the recorded event times', () => {
  it('reply hours: replied at 27 h is late under 24 h and on time under 36 h', () => {
    const c = complaint('2026-11-23T10:00:00+08:00', [...base, ['replied', '2026-11-24T13:00:00+08:00'], ['closure_requested', '2026-11-25T10:00:00+08:00'], ['closed', '2026-11-25T15:00:00+08:00']], { repliedOnTime: false });
    expect(flips(c, propose({ reply: { hours: 36 } }))).toEqual([{ fact: 'repliedOnTime', actual: false, proposed: true }]);
    const [change] = rederiveComplaint(c, recorded, propose({ reply: { hours: 36 } }), asOf).changes;
    expect(change!.why).toMatch(/^reply at 27 h \(2026-11-24 13:00\): late under the policy in force \(due at 24 h .*\), on time under the proposal \(due at 36 h/);
  });

  it('contact hours: a call 2 h after dispatch is late under a 1-hour contact clock', () => {
    const c = complaint('2026-11-23T10:00:00+08:00', [...base, ['replied', '2026-11-23T20:00:00+08:00'], ['closure_requested', '2026-11-25T10:00:00+08:00'], ['closed', '2026-11-25T15:00:00+08:00']]);
    expect(flips(c, propose({ contact: { hours: 1 } }))).toEqual([{ fact: 'contactedOnTime', actual: true, proposed: false }]);
  });

  it('closure days: closed on the Thursday is late under 2 days (asked to close twice, so no first-time closure either way)', () => {
    const c = complaint(
      '2026-11-23T10:00:00+08:00',
      [...base, ['replied', '2026-11-23T20:00:00+08:00'], ['closure_requested', '2026-11-24T10:00:00+08:00'], ['closure_requested', '2026-11-26T09:00:00+08:00'], ['closed', '2026-11-26T12:00:00+08:00']],
      { firstTimeClosure: false },
    );
    expect(flips(c, propose({ closure: { days: { service_process: 2 } } }))).toEqual([{ fact: 'closedWithinDeadline', actual: true, proposed: false }]);
  });

  it('closure days also decide first-time closure of a complaint closed at its first request', () => {
    const c = complaint('2026-11-23T10:00:00+08:00', [...base, ['replied', '2026-11-23T20:00:00+08:00'], ['closure_requested', '2026-11-26T09:00:00+08:00'], ['closed', '2026-11-26T12:00:00+08:00']]);
    expect(flips(c, propose({ closure: { days: { service_process: 2 } } }))).toEqual([
      { fact: 'closedWithinDeadline', actual: true, proposed: false },
      { fact: 'firstTimeClosure', actual: true, proposed: false },
    ]);
  });

  it('the cutoff: received at 16:45 counts from the same day under a 17:00 cutoff, and Friday 10:00 is then late', () => {
    const c = complaint(
      '2026-11-23T16:45:00+08:00',
      [
        ['dispatched', '2026-11-23T16:45:00+08:00'],
        ['acknowledged', '2026-11-23T16:50:00+08:00'],
        ['customer_contacted', '2026-11-23T17:00:00+08:00'],
        ['replied', '2026-11-23T20:00:00+08:00'],
        ['closure_requested', '2026-11-24T10:00:00+08:00'],
        ['closure_requested', '2026-11-27T09:00:00+08:00'],
        ['closed', '2026-11-27T10:00:00+08:00'],
      ],
      { firstTimeClosure: false },
    );
    expect(flips(c, propose({ cutoff: '17:00' }))).toEqual([{ fact: 'closedWithinDeadline', actual: true, proposed: false }]);
  });

  it('working-day counting: received on a Friday, closed on the Tuesday is on time under 3 working days, late under 3 calendar days', () => {
    const c = complaint(
      '2026-11-20T10:00:00+08:00',
      [
        ['dispatched', '2026-11-20T10:00:00+08:00'],
        ['acknowledged', '2026-11-20T11:00:00+08:00'],
        ['customer_contacted', '2026-11-20T12:00:00+08:00'],
        ['replied', '2026-11-20T20:00:00+08:00'],
        ['closure_requested', '2026-11-21T10:00:00+08:00'],
        ['closure_requested', '2026-11-24T09:00:00+08:00'],
        ['closed', '2026-11-24T10:00:00+08:00'],
      ],
      { closedWithinDeadline: false, firstTimeClosure: false },
    );
    expect(flips(c, propose({ closure: { counting: 'working_days' } }))).toEqual([{ fact: 'closedWithinDeadline', actual: false, proposed: true }]);
  });

  it('a calendar change: without the National Day make-up Sunday (2026-09-20) the deadline moves to the Monday', () => {
    const c = complaint(
      '2026-09-17T10:00:00+08:00',
      [
        ['dispatched', '2026-09-17T10:00:00+08:00'],
        ['acknowledged', '2026-09-17T11:00:00+08:00'],
        ['customer_contacted', '2026-09-17T12:00:00+08:00'],
        ['replied', '2026-09-17T20:00:00+08:00'],
        ['closure_requested', '2026-09-18T10:00:00+08:00'],
        ['closure_requested', '2026-09-21T09:00:00+08:00'],
        ['closed', '2026-09-21T10:00:00+08:00'],
      ],
      { closedWithinDeadline: false, firstTimeClosure: false },
    );
    const year2026 = calendars.find((y) => y.year === 2026)!;
    const proposed: CalendarYear = { ...year2026, version: 'proposal', makeUpWorkdays: year2026.makeUpWorkdays.filter((d) => d.date !== '2026-09-20') };
    const cal = new WorkingCalendar([...calendars.filter((y) => y.year !== 2026), proposed]);
    expect(flips(c, propose({}, cal))).toEqual([{ fact: 'closedWithinDeadline', actual: false, proposed: true }]);
  });

  it('the identity proposal changes nothing', () => {
    const c = complaint('2026-11-23T10:00:00+08:00', [...base, ['replied', '2026-11-24T13:00:00+08:00']], { repliedOnTime: false, closedWithinDeadline: null, firstTimeClosure: null });
    const result = rederiveComplaint(c, recorded, propose({}), asOf);
    expect(result.changes).toEqual([]);
    expect(result.complaint).toBe(c);
  });

  it('an open complaint whose reply clock runs out under the proposal, not yet under the policy in force', () => {
    const c = complaint('2026-12-30T10:00:00+08:00', base.map(([t]) => [t, '2026-12-30T10:00:00+08:00'] as [string, string]), { repliedOnTime: null, closedWithinDeadline: null, firstTimeClosure: null });
    expect(flips(c, propose({ reply: { hours: 6 } }))).toEqual([{ fact: 'repliedOnTime', actual: null, proposed: false }]);
  });
});

describe('a proposal is checked as a policy load checks it', () => {
  it('names each field at fault', () => {
    expect(proposePolicy(policy, { reply: { hours: -1 }, cutoff: '25:00', quota: { ratio: 2 }, nonsense: 1 })).toEqual({
      problems: expect.arrayContaining([
        expect.objectContaining({ path: 'policy.reply.hours' }),
        expect.objectContaining({ path: 'policy.cutoff', message: 'must be HH:MM (24-hour)' }),
        expect.objectContaining({ path: 'policy.quota.ratio' }),
        { path: 'policy.nonsense', message: 'is not a field of a policy' },
      ]),
    });
  });
});
