import { readFileSync } from 'node:fs';
import path from 'node:path';
import { policySchema, unexplainedFacts, WorkingCalendar, type RecordedComplaint } from '../src';
import { shippedCalendars } from '@complaints/runtime/src/rules';

// The workflow histories kept for replay (workflows/test/histories) whose projections ran as
// activities carry what the read model recorded at each event: the event times and the facts the
// workflow decided. Re-deriving the facts from those times under the policy it used must give the
// same facts at every event, so that a what-if's identity proposal means the real scorecards.

const FIXTURES = ['activities-happy-path', 'activities-closure-overdue'];
const calendar = new WorkingCalendar(shippedCalendars());

type Payloads = { payloads?: { data?: string }[] } | undefined;
const decode = (p: Payloads) => (p?.payloads ?? []).map((x) => (x.data ? JSON.parse(Buffer.from(x.data, 'base64').toString('utf8')) : null));

interface HistoryEvent {
  eventId: string;
  activityTaskScheduledEventAttributes?: { activityType: { name: string }; input?: Payloads };
  activityTaskCompletedEventAttributes?: { scheduledEventId: string; result?: Payloads };
}

/** The read model after each event of a fixture, and the policy it was received under. */
function readModels(name: string) {
  const { events } = JSON.parse(readFileSync(path.join(__dirname, '../../workflows/test/histories', `${name}.json`), 'utf8')) as { events: HistoryEvent[] };
  const scheduled = new Map<string, string>();
  let facts: { kind: RecordedComplaint['kind']; category: RecordedComplaint['category']; channel: RecordedComplaint['channel']; receivedAt: string; dealerCode: string } | undefined;
  let policy: unknown;
  const states: RecordedComplaint[] = [];
  const history: RecordedComplaint['history'][number][] = [];
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) {
      scheduled.set(e.eventId, s.activityType.name);
      const input = decode(s.input);
      if (s.activityType.name === 'recordComplaint') facts = input[0].facts;
      if (s.activityType.name === 'recordEvent') {
        const [number, event, snapshot] = input;
        history.push({ type: event.type, at: event.at });
        states.push({ number, ...facts!, dealerCode: snapshot.attributedDealerCode ?? facts!.dealerCode, status: event.status ?? snapshot.status, closedAt: snapshot.closedAt, kpi: snapshot.kpi, history: [...history] });
      }
    }
    const c = e.activityTaskCompletedEventAttributes;
    if (c && scheduled.get(c.scheduledEventId) === 'getPolicy') policy = decode(c.result)[0];
  }
  return { states, policy: policySchema.parse(policy) };
}

describe('re-deriving the recorded facts (the identity proposal) over the kept workflow histories', () => {
  it.each(FIXTURES)('%s: every fact at every event is the one the workflow recorded', (name) => {
    const { states, policy } = readModels(name);
    expect(states.length).toBeGreaterThan(4);
    for (const state of states) {
      const asOf = new Date(state.history.at(-1)!.at);
      expect({ event: state.history.at(-1)!.type, unexplained: unexplainedFacts(state, { policy, calendar }, asOf) }).toEqual({ event: state.history.at(-1)!.type, unexplained: [] });
    }
  });

  it('notices a recorded fact the history does not explain', () => {
    const { states, policy } = readModels('activities-closure-overdue');
    const last = states.at(-1)!;
    const tampered = { ...last, kpi: { ...last.kpi, contactedOnTime: true } };
    expect(unexplainedFacts(tampered, { policy, calendar }, new Date(last.history.at(-1)!.at))).toEqual([{ fact: 'contactedOnTime', recorded: true, derived: false }]);
  });
});
