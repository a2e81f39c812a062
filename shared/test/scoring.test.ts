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
    for (const r of [set.replyOnTime, set.contactWithin24h, set.firstTimeClosure, set.monthlyClosure, set.satisfaction]) expect(r).toEqual({ numerator: 0, denominator: 0, rate: null });
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

  it('takes unreachable customers out of the closure and satisfaction denominators', () => {
    const set = kpiSet('2026-11', [base('a', { status: 'closed_unreachable', kpi: { unreachable: true, followUps: 3, firstTimeClosure: false } }), base('b')]);
    expect(set).toMatchObject({ complaints: 2, unreachable: 1, monthlyClosure: { numerator: 1, denominator: 1 }, satisfaction: { numerator: 1, denominator: 1 } });
    expect(set.replyOnTime.denominator).toBe(2); // the reply was still owed
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
      base('r', { kind: 'repair_request', kpi: { repliedOnTime: false } }),
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
