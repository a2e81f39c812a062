import fc from 'fast-check';
import { REPAIR_CASES } from '../src/actions';
import { complaintContribution, scoreFromAggregates, addVectors, emptyVector } from '../src/contribution';
import { CATEGORIES } from '../src/domain';
import { STATUSES } from '../src/statuses';
import { beijingMonth, monthFreezesAt } from '../src/months';
import { scoreMonth, type ScoredComplaint } from '../src/scoring';

// The aggregates' contract: a month's cards from the complaints' contributions summed per dealer
// equal scoring the month's complaints (and those carried into it) all at once.

const MONTHS = ['2026-09', '2026-10', '2026-11', '2026-12', '2027-01'];
const instant = fc.record({ month: fc.integer({ min: 0, max: MONTHS.length - 1 }), day: fc.integer({ min: 1, max: 28 }), hour: fc.integer({ min: 0, max: 23 }) }).map(({ month, day, hour }) => new Date(`${MONTHS[month]}-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:30:00+08:00`));
const maybe = fc.constantFrom(true, false, null);

export const scoredComplaint = (number: string) =>
  fc
    .record({
      kind: fc.constantFrom('complaint', 'complaint', 'repair_request'),
      channel: fc.constantFrom('hotline', 'internet', 'internet', 'web', 'email'),
      category: fc.constantFrom(...CATEGORIES),
      dealerCode: fc.constantFrom('SH001', 'SH002', 'BJ001'),
      receivedAt: instant,
      status: fc.constantFrom(...STATUSES),
      closedAfterDays: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
      deadlineAfterDays: fc.option(fc.integer({ min: 1, max: 20 }), { nil: null }),
      freezeDay: fc.option(fc.integer({ min: 1, max: 28 }), { nil: undefined }),
      repairCase: fc.option(fc.constantFrom(...REPAIR_CASES), { nil: undefined }),
      kpi: fc.record({
        acknowledgedOnTime: fc.option(maybe, { nil: undefined }),
        repliedOnTime: maybe,
        repairFeedbackOnTime: fc.option(maybe, { nil: undefined }),
        contactedOnTime: maybe,
        firstTimeClosure: maybe,
        followUps: fc.integer({ min: 0, max: 3 }),
        falseReplies: fc.integer({ min: 0, max: 2 }),
        unsatisfied: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
        unreachable: fc.boolean(),
        ratings: fc.option(fc.record({ overall: fc.integer({ min: 1, max: 5 }), attitude: fc.integer({ min: 1, max: 5 }) }, { requiredKeys: ['overall'] }), { nil: null }),
      }),
    })
    .map(({ closedAfterDays, deadlineAfterDays, freezeDay, repairCase, ...c }): ScoredComplaint => ({
      number,
      ...c,
      closureDeadline: deadlineAfterDays === null ? null : new Date(c.receivedAt.getTime() + deadlineAfterDays * 86_400_000).toISOString(),
      ...(freezeDay !== undefined && { monthFreezesAt: monthFreezesAt(beijingMonth(c.receivedAt), freezeDay).toISOString() }),
      ...(repairCase && { repairCase }),
      closedAt: closedAfterDays === null ? null : new Date(c.receivedAt.getTime() + closedAfterDays * 86_400_000).toISOString(),
    }) as ScoredComplaint);

describe('a complaint contribution', () => {
  it('summed per dealer and month equals scoring the month at once, carried internet complaints and repair requests included', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 25 }).chain((ns) => fc.tuple(...ns.map((_, i) => scoredComplaint(`C${i}`)))), (complaints) => {
        const months = new Map<string, Map<string, number[]>>();
        const open = new Map<string, Record<string, number[]>>();
        for (const c of complaints)
          for (const part of complaintContribution(c)) {
            if (part.kind === 'month') {
              const byDealer = months.get(part.month) ?? new Map<string, number[]>();
              byDealer.set(part.dealerCode, addVectors(byDealer.get(part.dealerCode) ?? emptyVector(), part.vector));
              months.set(part.month, byDealer);
            } else {
              const byFrom = open.get(part.dealerCode) ?? {};
              byFrom[part.from] = addVectors(byFrom[part.from] ?? emptyVector(), part.vector);
              open.set(part.dealerCode, byFrom);
            }
          }
        for (const month of [...MONTHS, '2027-02', '2027-06']) {
          expect(scoreFromAggregates(month, months.get(month) ?? new Map(), open, ['SH001'])).toEqual(scoreMonth(month, complaints, ['SH001']));
        }
      }),
      { numRuns: 300 },
    );
  });
});
