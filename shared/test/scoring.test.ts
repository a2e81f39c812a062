import { beijingMonth } from '../src/months';
import { kpiSet, scoreMonth, type ScoredComplaint } from '../src/scoring';

// SPEC §6 on hand-made cases: each KPI with its edge cases.
const base = (number: string, over: Omit<Partial<ScoredComplaint>, 'kpi'> & { kpi?: Partial<ScoredComplaint['kpi']> } = {}): ScoredComplaint => ({
  number,
  kind: 'complaint',
  channel: 'hotline',
  category: 'product_quality',
  dealerCode: 'SH001',
  receivedAt: '2026-11-10T10:00:00+08:00',
  status: 'closed',
  closedAt: '2026-11-12T10:00:00+08:00',
  ...over,
  kpi: { repliedOnTime: true, contactedOnTime: true, firstTimeClosure: true, followUps: 1, falseReplies: 0, unreachable: false, ...over.kpi },
});

describe('monthly dealer scoring', () => {
  it('scores a clean month 100 % with its numerators and denominators', () => {
    const set = kpiSet('2026-11', [base('a'), base('b')]);
    expect(set).toEqual({
      complaints: 2,
      unreachable: 0,
      acknowledgedOnTime: { numerator: 0, denominator: 0, rate: null }, // received before the 当日确认 clock: not measured
      replyOnTime: { numerator: 2, denominator: 2, rate: 1 },
      contactWithin24h: { numerator: 2, denominator: 2, rate: 1 },
      falseReplies: 0,
      firstTimeClosure: { numerator: 2, denominator: 2, rate: 1 },
      monthlyClosure: { numerator: 2, denominator: 2, rate: 1 },
      satisfaction: { numerator: 2, denominator: 2, rate: 1 },
    });
  });

  it('says "no data" for a month without complaints, never 0 % or 100 %', () => {
    const set = kpiSet('2026-11', []);
    for (const r of [set.acknowledgedOnTime, set.replyOnTime, set.contactWithin24h, set.firstTimeClosure, set.monthlyClosure, set.satisfaction]) expect(r).toEqual({ numerator: 0, denominator: 0, rate: null });
  });

  it('an unsatisfied follow-up then a satisfied one: satisfied and closed, but not a first-time closure', () => {
    const set = kpiSet('2026-11', [base('a', { kpi: { followUps: 2, firstTimeClosure: false } }), base('b')]);
    expect(set.firstTimeClosure).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
    expect(set.satisfaction.rate).toBe(1);
    expect(set.monthlyClosure.rate).toBe(1);
  });

  it('counts false replies, and a late reply or contact loses its rate', () => {
    const set = kpiSet('2026-11', [base('a', { status: 'awaiting_reply', closedAt: null, kpi: { falseReplies: 2, firstTimeClosure: false, repliedOnTime: false, contactedOnTime: null } }), base('b')]);
    expect(set.falseReplies).toBe(2);
    expect(set.replyOnTime).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
    expect(set.contactWithin24h).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
    expect(set.monthlyClosure).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
  });

  it('a complaint sent back and replied late on its second clock: no reply on time, no first-time closure, still satisfied once closed', () => {
    // As the workflow records it: the first reply came in time, the return's clock ran out (repliedOnTime
    // lost), then an unsatisfied follow-up and a satisfied one (workflows/test/duties.test.ts).
    const sentBack = base('a', { kpi: { repliedOnTime: false, followUps: 2, firstTimeClosure: false } });
    const set = kpiSet('2026-11', [sentBack, base('b')]);
    expect(set.replyOnTime).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
    expect(set.firstTimeClosure).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
    expect(set.satisfaction).toEqual({ numerator: 2, denominator: 2, rate: 1 });
  });

  it('takes unreachable customers out of the closure and satisfaction denominators', () => {
    const set = kpiSet('2026-11', [base('a', { status: 'closed_unreachable', kpi: { unreachable: true, followUps: 3, firstTimeClosure: false } }), base('b')]);
    expect(set).toMatchObject({ complaints: 2, unreachable: 1, monthlyClosure: { numerator: 1, denominator: 1 }, satisfaction: { numerator: 1, denominator: 1 } });
    expect(set.replyOnTime.denominator).toBe(2); // the reply was still owed
  });

  // Seed 002 400抱怨 §3.9: 一次闭环率 divides by 客户服务部实际回访的抱怨量, the follow-ups that reached the customer.
  it('leaves a customer the call center never reached out of the first-time closure denominator', () => {
    const set = kpiSet('2026-11', [
      base('gone', { status: 'closed_unreachable', kpi: { unreachable: true, followUps: 3, firstTimeClosure: false } }),
      base('not-yet', { status: 'awaiting_follow_up', closedAt: null, kpi: { followUps: 1, firstTimeClosure: null } }), // one attempt, nobody answered
      base('second-try', { kpi: { followUps: 2, firstTimeClosure: true } }), // unanswered, then satisfied at the same request
      base('b'),
    ]);
    expect(set.firstTimeClosure).toEqual({ numerator: 2, denominator: 2, rate: 1 });
  });

  it('counts a reached follow-up that sent the complaint back, even before it closes', () => {
    const set = kpiSet('2026-11', [base('back', { status: 'awaiting_reply', closedAt: null, kpi: { followUps: 1, unsatisfied: 1, firstTimeClosure: false } }), base('b')]);
    expect(set.firstTimeClosure).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
  });

  // SPEC §6: closed in time = before the month's end, or by the closure deadline when that falls after it.
  it('counts a month-end complaint closed by its deadline in the next month as closed in time', () => {
    const lastDay = { receivedAt: '2026-11-30T10:00:00+08:00', closureDeadline: '2026-12-03T16:30:00+08:00' };
    const set = kpiSet('2026-11', [
      base('in-time', { ...lastDay, closedAt: '2026-12-03T16:00:00+08:00' }),
      base('late', { ...lastDay, closedAt: '2026-12-03T17:00:00+08:00' }),
      base('forced-in-time', { ...lastDay, status: 'force_closed', closedAt: '2026-12-02T09:00:00+08:00', kpi: { followUps: 0, firstTimeClosure: null } }),
      base('open', { ...lastDay, status: 'in_progress', closedAt: null, kpi: { followUps: 0, firstTimeClosure: null } }),
      base('deadline-in-month', { receivedAt: '2026-11-20T10:00:00+08:00', closureDeadline: '2026-11-23T16:30:00+08:00', closedAt: '2026-12-01T09:00:00+08:00' }),
    ]);
    expect(set.monthlyClosure).toEqual({ numerator: 2, denominator: 5, rate: 0.4 });
  });

  it('counts a complaint whose deadline falls after the month’s freeze as not closed, when it closed after the freeze', () => {
    const longDeadline = { receivedAt: '2026-11-30T10:00:00+08:00', closureDeadline: '2026-12-14T16:30:00+08:00', monthFreezesAt: '2026-12-10T06:00:00+08:00' };
    const set = kpiSet('2026-11', [base('before-freeze', { ...longDeadline, closedAt: '2026-12-09T10:00:00+08:00' }), base('after-freeze', { ...longDeadline, closedAt: '2026-12-11T10:00:00+08:00' })]);
    expect(set.monthlyClosure).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
    // Without a recorded freeze, the default one: the 10th of the next month, 06:00.
    const byDefault = kpiSet('2026-11', [base('after-freeze', { ...longDeadline, monthFreezesAt: undefined, closedAt: '2026-12-10T06:00:00+08:00' })]);
    expect(byDefault.monthlyClosure.numerator).toBe(0);
  });

  it('counts a forced closure as closed, not as satisfied; a closure after the month’s end as not closed that month', () => {
    const set = kpiSet('2026-11', [
      base('forced', { status: 'force_closed', kpi: { followUps: 0, firstTimeClosure: null } }),
      base('late', { closedAt: '2026-12-01T00:00:00+08:00' }),
      base('last-minute', { closedAt: '2026-11-30T23:59:59+08:00' }),
    ]);
    expect(set.monthlyClosure).toEqual({ numerator: 2, denominator: 3, rate: 2 / 3 });
    expect(set.satisfaction).toEqual({ numerator: 2, denominator: 3, rate: 2 / 3 });
    expect(set.firstTimeClosure.denominator).toBe(2); // no follow-up, no first-time closure question
  });

  it('scores hotline and internet apart and together, repair requests apart, by the month of receipt in Beijing', () => {
    const cards = scoreMonth('2026-11', [
      base('h'),
      base('i', { channel: 'internet', status: 'awaiting_reply', closedAt: null, kpi: { firstTimeClosure: null, followUps: 0 } }),
      base('w', { channel: 'web_form', category: 'parts_supply' }),
      base('r', { kind: 'repair_request', kpi: { repairFeedbackOnTime: false } }),
      base('q', { kind: 'inquiry' }),
      base('oct', { receivedAt: '2026-10-31T16:00:00Z' }), // 2026-11-01 00:00 in Beijing: November
      base('dec', { receivedAt: '2026-11-30T16:00:00Z' }), // 2026-12-01 in Beijing: not November
      base('other', { dealerCode: 'BJ001' }),
    ]);
    expect(cards.map((c) => c.dealerCode)).toEqual(['BJ001', 'SH001']);
    const sh = cards[1]!;
    expect(sh.all.complaints).toBe(4); // h, i, w, oct
    expect(sh.hotline.complaints).toBe(2);
    expect(sh.internet).toMatchObject({ complaints: 1, monthlyClosure: { numerator: 0, denominator: 1, rate: 0 } });
    expect(sh.repairRequests).toMatchObject({ complaints: 1, replyOnTime: { numerator: 0, denominator: 1 } });
    expect(sh.countedAgainstQuota).toBe(3); // parts supply does not count
    expect(sh.byCategory).toEqual({ product_quality: 3, technical_capability: 0, service_process: 0, parts_supply: 1 });
    expect(beijingMonth('2026-10-31T16:00:00Z')).toBe('2026-11');
  });
});

describe('every dealer, carried internet complaints, repair requests, 当日确认 and ratings', () => {
  it('gives every dealer in the directory a card, with "no data" rates when it had no complaints, and a card to a dealer no longer listed that still has complaints', () => {
    const cards = scoreMonth('2026-11', [base('a'), base('gone', { dealerCode: 'XX999' })], ['BJ001', 'SH001', 'SH002']);
    expect(cards.map((c) => c.dealerCode)).toEqual(['BJ001', 'SH001', 'SH002', 'XX999']);
    const quiet = cards[0]!;
    expect(quiet.all.complaints).toBe(0);
    expect(quiet.hotline.monthlyClosure).toEqual({ numerator: 0, denominator: 0, rate: null });
    expect(quiet.internet).toMatchObject({ complaints: 0, carried: 0, carriedClosed: 0, monthlyClosure: { numerator: 0, denominator: 0, rate: null } });
    expect(quiet.countedAgainstQuota).toBe(0);
    expect(cards[3]!.all.complaints).toBe(1);
  });

  // Seed 002 网络抱怨 §6.4: an internet complaint still open at the end of its month counts again in
  // the next month's internet closure, and the next, until it closes; its month of receipt keeps it
  // in the quota and the other rates.
  it('carries an internet complaint open at the end of October into November (still open) and December (closed on the 5th)', () => {
    const carriedOne = base('oct-open', { channel: 'internet', receivedAt: '2026-10-20T10:00:00+08:00', closedAt: '2026-12-05T10:00:00+08:00', kpi: { followUps: 1 } });
    const complaints: ScoredComplaint[] = [
      carriedOne,
      // Closed in October: not carried.
      base('oct-closed', { channel: 'internet', receivedAt: '2026-10-21T10:00:00+08:00', closedAt: '2026-10-30T10:00:00+08:00' }),
      // Unreachable in November: leaves the November rate.
      base('oct-unreachable', { channel: 'internet', status: 'closed_unreachable', receivedAt: '2026-10-22T10:00:00+08:00', closedAt: '2026-11-10T10:00:00+08:00', kpi: { unreachable: true } }),
      // Only internet complaints are carried; only complaints.
      base('oct-hotline', { receivedAt: '2026-10-23T10:00:00+08:00', status: 'awaiting_reply', closedAt: null }),
      base('oct-internet-repair', { kind: 'repair_request', channel: 'internet', receivedAt: '2026-10-23T10:00:00+08:00', status: 'awaiting_reply', closedAt: null }),
      // November's own internet complaint, closed in November.
      base('nov', { channel: 'internet', receivedAt: '2026-11-03T10:00:00+08:00', closedAt: '2026-11-04T10:00:00+08:00' }),
    ];
    const [october] = scoreMonth('2026-10', complaints);
    // October: oct-open not closed by the 31st, oct-closed closed; oct-unreachable out of the denominator.
    expect(october!.internet).toMatchObject({ complaints: 3, carried: 0, carriedClosed: 0, monthlyClosure: { numerator: 1, denominator: 2 } });

    const [november] = scoreMonth('2026-11', complaints);
    // November: its own complaint closed (1/1) plus oct-open carried and still open (0/1): 1/2.
    expect(november!.internet).toMatchObject({ complaints: 1, carried: 1, carriedClosed: 0, monthlyClosure: { numerator: 1, denominator: 2, rate: 0.5 } });
    expect(november!.internet.replyOnTime).toEqual({ numerator: 1, denominator: 1, rate: 1 }); // the other rates: November's own only
    expect(november!.internet.satisfaction).toEqual({ numerator: 1, denominator: 1, rate: 1 });
    expect(november!.all.complaints).toBe(1);
    expect(november!.all.monthlyClosure).toEqual({ numerator: 1, denominator: 1, rate: 1 }); // carried only in the internet rate
    expect(november!.countedAgainstQuota).toBe(1); // the quota counts November's receipts only

    const [december] = scoreMonth('2026-12', complaints);
    expect(december!.internet).toMatchObject({ complaints: 0, carried: 1, carriedClosed: 1, monthlyClosure: { numerator: 1, denominator: 1, rate: 1 } });
    expect(december!.countedAgainstQuota).toBe(0);

    expect(scoreMonth('2027-01', complaints)).toEqual([]); // closed in December: nothing left to carry
  });

  // Seed 002 400抱怨 §6.2.7: a repair request's "on time" is its feedback within working days, not the 24 h reply.
  it('scores repair requests on their own feedback clock, counted by repair case, apart from complaints', () => {
    const [card] = scoreMonth('2026-11', [
      base('late', { kind: 'repair_request', repairCase: 'dealer_lacks_capability', kpi: { repliedOnTime: true, repairFeedbackOnTime: false } }),
      base('in-time', { kind: 'repair_request', repairCase: 'not_yet_at_dealer', kpi: { repliedOnTime: null, repairFeedbackOnTime: true } }),
      base('older', { kind: 'repair_request', kpi: { repliedOnTime: true } }), // recorded before the feedback clock: not measured
      base('complaint'),
    ]);
    expect(card!.repairRequests).toMatchObject({ complaints: 3, replyOnTime: { numerator: 1, denominator: 2, rate: 0.5 } });
    expect(card!.repairRequests.byRepairCase).toEqual({ not_yet_at_dealer: 1, dealer_lacks_capability: 1, dealer_left_network: 0, customer_chose_other_dealer: 0, unspecified: 1 });
    expect(card!.all.complaints).toBe(1);
    expect(card!.all.replyOnTime.rate).toBe(1);
  });

  it('rates 当日确认 over the complaints whose confirmation was on a clock', () => {
    const set = kpiSet('2026-11', [base('a', { kpi: { acknowledgedOnTime: true } }), base('b', { kpi: { acknowledgedOnTime: false } }), base('c', { kpi: { acknowledgedOnTime: null } }), base('old')]);
    // a on time; b late; c not yet confirmed (not on time so far); old: received before the clock existed.
    expect(set.acknowledgedOnTime).toEqual({ numerator: 1, denominator: 3, rate: 1 / 3 });
  });

  it('averages the follow-up ratings of the month’s complaints, each over the complaints that have it', () => {
    const [card] = scoreMonth('2026-11', [
      base('a', { kpi: { ratings: { overall: 5, attitude: 4 } } }),
      base('b', { kpi: { ratings: { overall: 3, serviceQuality: 2, priceCheck: 4 } } }),
      base('c', { kpi: { ratings: null } }),
      base('r', { kind: 'repair_request', kpi: { ratings: { overall: 1 } } }),
    ]);
    expect(card!.ratings).toEqual({
      serviceQuality: { count: 1, total: 2, average: 2 },
      attitude: { count: 1, total: 4, average: 4 },
      priceCheck: { count: 1, total: 4, average: 4 },
      overall: { count: 2, total: 8, average: 4 },
    });
  });
});
