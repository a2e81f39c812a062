import { computeDeadlines, dispatchClocks, majorClocks, REPAIR_CASES, LABELS, WorkingCalendar, type ComplaintFacts, type Policy } from '@complaints/shared';
import { shippedCalendars, shippedPolicies } from '@complaints/runtime/src/rules';
import type { ComplaintState } from '../src';
import { armedClocks, type Clock, type ClockName } from '../src/complaint/clocks';
import type { Effects } from '../src/complaint/effects';
import { runOut } from '../src/complaint/runOut';
import { initialState } from '../src/complaint/state';

// What a clock that runs out records and who it tells, read without Temporal: every number an event
// summary states is the complaint's own policy's (the summaries show on pages and in the history).

const shipped = shippedPolicies()[0]!;
// Every number different from the defaults.
const policy: Policy = {
  ...shipped,
  version: 'changed-numbers',
  contact: { hours: 30 },
  internetContact: { hours: 18 },
  repairRequest: { feedbackWorkingDays: 5 },
  upgradeToMajorDays: 14,
  escalationMonths: 4,
  major: { ...shipped.major, firstReportMinutes: 25, solutionHours: 9, writtenReportDays: 3 },
};
const calendar = new WorkingCalendar(shippedCalendars());

function complaint(overrides: Partial<ComplaintFacts> = {}): ComplaintState {
  const facts: ComplaintFacts = { kind: 'complaint', category: 'service_process', severity: 'minor', channel: 'hotline', receivedAt: '2026-11-23T09:15:00+08:00', ...overrides };
  const state = initialState({ number: 'C202611230001', facts });
  state.policy = policy;
  state.deadlines = computeDeadlines({ receivedAt: facts.receivedAt, kind: facts.kind, category: facts.category, channel: facts.channel }, policy, calendar);
  state.dealerCode = 'SH001';
  state.region = 'east';
  state.status = 'awaiting_reply';
  const at = '2026-11-23T01:20:00.000Z';
  state.dispatch = { generation: 1, at, ...dispatchClocks(at, facts.channel, policy), repairFeedbackDue: '2026-11-30T16:30:00+08:00', acknowledgementDue: '2026-11-23T23:59:00+08:00' };
  state.major = { since: at, reason: '媒体曝光', ...majorClocks(at, policy) };
  return state;
}

/** Runs one clock out on a state with fake effects; answers what it recorded and sent. */
function ranOut(name: ClockName, state = complaint()) {
  const recorded: { type: string; summary: string }[] = [];
  const sent: { key: string; template: string; recipients: unknown[] }[] = [];
  const effects = {
    record: (type: string, _by: string, summary: string) => recorded.push({ type, summary }),
    notify: (key: string, template: string, recipients: unknown[]) => sent.push({ key, template, recipients }),
  } as unknown as Effects;
  const clock: Clock = armedClocks(state).find((c) => c.name === name) ?? { id: name, name, at: '2026-11-24T09:20:00+08:00' };
  runOut(clock, state, effects);
  return { state, recorded, sent };
}

describe('a clock that runs out states the numbers of the complaint’s own policy', () => {
  it.each([
    ['contact-overdue', {}, '30 小时内未联系客户', '24'],
    ['contact-overdue', { channel: 'internet' as const }, '18 小时内未联系客户', '24'],
    ['repair-feedback-overdue', { kind: 'repair_request' as const }, '5 个工作日', '3'],
    ['auto-upgrade', {}, '14 天未解决', '10'],
    ['major-first-report', {}, '25 分钟', '10'],
    ['major-solution', {}, '9 小时', '12'],
    ['major-written-report', {}, '3 天', '2'],
    ['escalation', {}, '4 个月未闭环', '三个月'],
  ] as const)('%s (%j): “%s”', (name, facts, says, notTheDefault) => {
    const { recorded } = ranOut(name, complaint(facts));
    expect(recorded.map((r) => r.summary).join(' ')).toContain(says);
    expect(recorded.map((r) => r.summary).join(' ')).not.toContain(notTheDefault);
  });

  it('tells the dealer and the regional manager when the same-day confirmation runs out, and loses "confirmed on time"', () => {
    const { state, recorded, sent } = ranOut('acknowledgement-overdue', Object.assign(complaint(), { status: 'awaiting_acknowledgement' }));
    expect(state.kpi.acknowledgedOnTime).toBe(false);
    expect(recorded.map((r) => r.type)).toEqual(['acknowledgement_overdue']);
    expect(sent).toEqual([{ key: 'acknowledgement-overdue:1', template: 'acknowledgement_overdue', recipients: [{ dealerCode: 'SH001' }, { region: 'east' }] }]);
  });
});

describe('the lists workflow code keeps of its own (it cannot load the zod schemas)', () => {
  it('names every repair case in the labels, where the dispatch refusal reads them', () => {
    expect(Object.keys(LABELS.en.repairCase).sort()).toEqual([...REPAIR_CASES].sort());
    expect(Object.keys(LABELS.zh.repairCase).sort()).toEqual([...REPAIR_CASES].sort());
  });
});
