import { incentiveFor, previousQuarterMonths, quotaFor, starLevelIn } from '../src/incentives';
import { scoreMonth, type ScoredComplaint } from '../src/scoring';

const complaint = (number: string, over: Partial<ScoredComplaint> = {}): ScoredComplaint => ({
  number,
  kind: 'complaint',
  channel: 'hotline',
  category: 'service_process',
  dealerCode: 'SH001',
  receivedAt: '2026-11-10T10:00:00+08:00',
  status: 'closed',
  closedAt: '2026-11-12T10:00:00+08:00',
  kpi: { repliedOnTime: true, contactedOnTime: true, firstTimeClosure: true, followUps: 1, falseReplies: 0, unreachable: false },
  ...over,
});

describe('quota', () => {
  it('uses the quarter before the month’s quarter', () => {
    expect(previousQuarterMonths('2026-11')).toEqual(['2026-07', '2026-08', '2026-09']);
    expect(previousQuarterMonths('2026-10')).toEqual(['2026-07', '2026-08', '2026-09']);
    expect(previousQuarterMonths('2026-02')).toEqual(['2025-10', '2025-11', '2025-12']);
  });

  it('is the ceiling of average visits × ratio, exact where floating point is not', () => {
    const visits = new Map([['2026-07', 300], ['2026-08', 300], ['2026-09', 300]]);
    expect(quotaFor('2026-11', visits, 0.01)).toMatchObject({ averageVisits: 300, quota: 3 }); // 300 × 0.01 = 3.0000000000000004
    expect(quotaFor('2026-11', new Map([['2026-07', 301], ['2026-08', 300], ['2026-09', 300]]), 0.01).quota).toBe(4); // 3.0033… → 4
    expect(quotaFor('2026-11', new Map([['2026-09', 250]]), 0.01)).toMatchObject({ visits: [{ month: '2026-09', visits: 250 }], quota: 3 });
    expect(quotaFor('2026-11', new Map(), 0.01)).toMatchObject({ averageVisits: null, quota: null });
  });
});

const policy = { incentive: { amount: 2000, byStarLevel: {} }, acknowledgement: { incentiveCondition: false } };
const active = { inDirectory: true, serviceStatus: 'active', starLevel: null, delistedFrom: null };

describe('incentive eligibility', () => {
  const quota = quotaFor('2026-11', new Map([['2026-07', 200], ['2026-08', 200], ['2026-09', 200]]), 0.01); // quota 2

  it('qualifies a dealer that meets every condition, and says why for each', () => {
    const [card] = scoreMonth('2026-11', [complaint('a'), complaint('b')]);
    const result = incentiveFor(card!, quota, [], active, policy);
    expect(result.eligible).toBe(true);
    expect(result.conditions).toEqual([
      { name: 'within_quota', pass: true, why: '2 counted complaints, quota 2' },
      { name: 'hotline_first_time_closure', pass: true, why: '2/2' },
      { name: 'hotline_monthly_closure', pass: true, why: '2/2' },
      { name: 'internet_closure', pass: true, why: 'no internet complaint to measure' },
      { name: 'no_negative_media', pass: true, why: 'none recorded' },
      { name: 'in_service', pass: true, why: 'active' },
    ]);
  });

  it('fails each condition on its own: over quota, a hotline complaint not closed first time, an open internet complaint, media, suspension', () => {
    const [card] = scoreMonth('2026-11', [
      complaint('a'),
      complaint('b', { kpi: { repliedOnTime: true, contactedOnTime: true, firstTimeClosure: false, followUps: 2, falseReplies: 0, unreachable: false } }),
      complaint('c', { channel: 'internet', status: 'awaiting_reply', closedAt: null }),
    ]);
    const result = incentiveFor(card!, quota, [{ kind: 'media_exposure', reason: '微博曝光 2026-11-20' }, { kind: 'amount', amount: 500, reason: '虚假回复' }], { ...active, serviceStatus: 'suspended' }, policy);
    expect(result.eligible).toBe(false);
    expect(Object.fromEntries(result.conditions.map((c) => [c.name, [c.pass, c.why]]))).toEqual({
      within_quota: [false, '3 counted complaints, quota 2'],
      hotline_first_time_closure: [false, '1/2, must be 100%'],
      hotline_monthly_closure: [true, '2/2'],
      internet_closure: [false, '0/1, must be 100%'],
      no_negative_media: [false, '微博曝光 2026-11-20'],
      in_service: [false, 'suspended service (暂停服务): no incentive'],
    });
  });

  it('cannot qualify a dealer whose quota is unknown', () => {
    const [card] = scoreMonth('2026-11', [complaint('a')]);
    const result = incentiveFor(card!, quotaFor('2026-11', new Map(), 0.01), [], active, policy);
    expect(result.conditions[0]).toEqual({ name: 'within_quota', pass: false, why: 'no service visits recorded for 2026-07, 2026-08, 2026-09: the quota is unknown' });
    expect(result.eligible).toBe(false);
  });
});

describe('every dealer, the amount due, penalties on the star level', () => {
  const quota = quotaFor('2026-11', new Map([['2026-07', 200], ['2026-08', 200], ['2026-09', 200]]), 0.01); // quota 2
  const byStar = { incentive: { amount: 2000, byStarLevel: { '4': 3000, '5': 5000 } }, acknowledgement: { incentiveCondition: false } };

  it('qualifies a dealer with no complaints, even with no service visits recorded, and pays the fixed amount', () => {
    const [card] = scoreMonth('2026-11', [], ['SH002']);
    const result = incentiveFor(card!, quotaFor('2026-11', new Map(), 0.01), [], active, policy);
    expect(result.conditions).toEqual([
      { name: 'within_quota', pass: true, why: '0 counted complaints: within any quota (no service visits recorded for 2026-07, 2026-08, 2026-09)' },
      { name: 'hotline_first_time_closure', pass: true, why: 'no hotline complaint the call center reached at a follow-up to measure' },
      { name: 'hotline_monthly_closure', pass: true, why: 'no hotline complaint to measure' },
      { name: 'internet_closure', pass: true, why: 'no internet complaint to measure' },
      { name: 'no_negative_media', pass: true, why: 'none recorded' },
      { name: 'in_service', pass: true, why: 'active' },
    ]);
    expect(result).toMatchObject({ eligible: true, amountDue: 2000, amountBasis: 'fixed amount 2000' });
  });

  it('never pays a dealer whose stars were cancelled more than the least-paid star level', () => {
    const [card] = scoreMonth('2026-11', [complaint('a')]);
    const byLevels = { ...byStar, incentive: { amount: 2000, byStarLevel: { '1': 500, '4': 3000 } } };
    expect(incentiveFor(card!, quota, [], { ...active, starLevel: null }, byLevels)).toMatchObject({ eligible: true, amountDue: 500, amountBasis: 'no star level: the least star-level amount, 500' });
    // A policy paying only high levels more keeps the fixed amount for a dealer without stars.
    expect(incentiveFor(card!, quota, [], { ...active, starLevel: null }, byStar)).toMatchObject({ amountDue: 2000, amountBasis: 'fixed amount 2000 (no star level)' });
  });

  it('pays the amount of the dealer’s star level when the policy names one, else the fixed amount, and nothing when not eligible', () => {
    const [card] = scoreMonth('2026-11', [complaint('a')]);
    expect(incentiveFor(card!, quota, [], { ...active, starLevel: 4 }, byStar)).toMatchObject({ eligible: true, amountDue: 3000, amountBasis: 'star level 4: 3000' });
    expect(incentiveFor(card!, quota, [], { ...active, starLevel: 3 }, byStar)).toMatchObject({ eligible: true, amountDue: 2000, amountBasis: 'fixed amount 2000 (no amount for star level 3)' });
    expect(incentiveFor(card!, quota, [{ kind: 'media_exposure', reason: '微博曝光' }], { ...active, starLevel: 5 }, byStar)).toMatchObject({ eligible: false, amountDue: 0 });
  });

  it('does not let a repair request late on its own clock cost the incentive', () => {
    const [card] = scoreMonth('2026-11', [complaint('a'), complaint('r', { kind: 'repair_request', status: 'awaiting_reply', closedAt: null, kpi: { ...complaint('r').kpi, repairFeedbackOnTime: false } })]);
    expect(card!.repairRequests.replyOnTime).toEqual({ numerator: 0, denominator: 1, rate: 0 });
    expect(incentiveFor(card!, quota, [], active, policy).eligible).toBe(true);
  });

  it('costs the incentive when a sent-back complaint was replied late on its second clock: not a first-time closure', () => {
    // Returned after an unsatisfied follow-up; the second reply clock ran out (reply on time lost), then closed satisfied.
    const [card] = scoreMonth('2026-11', [complaint('a'), complaint('b', { kpi: { repliedOnTime: false, contactedOnTime: true, firstTimeClosure: false, followUps: 2, falseReplies: 0, unreachable: false } })]);
    expect(card!.hotline).toMatchObject({ replyOnTime: { numerator: 1, denominator: 2 }, firstTimeClosure: { numerator: 1, denominator: 2 }, monthlyClosure: { numerator: 2, denominator: 2 } });
    const result = incentiveFor(card!, quota, [], active, policy);
    expect(result).toMatchObject({ eligible: false, amountDue: 0 });
    expect(result.conditions.find((c) => c.name === 'hotline_first_time_closure')).toEqual({ name: 'hotline_first_time_closure', pass: false, why: '1/2, must be 100%' });
  });

  it('makes 当日确认 a condition only when the policy says so', () => {
    const [card] = scoreMonth('2026-11', [complaint('a', { kpi: { ...complaint('a').kpi, acknowledgedOnTime: true } }), complaint('b', { kpi: { ...complaint('b').kpi, acknowledgedOnTime: false } })]);
    expect(incentiveFor(card!, quota, [], active, policy).conditions.map((c) => c.name)).not.toContain('acknowledged_on_time');
    const strict = incentiveFor(card!, quota, [], active, { ...policy, acknowledgement: { incentiveCondition: true } });
    expect(strict.conditions.at(-1)).toEqual({ name: 'acknowledged_on_time', pass: false, why: '1/2, must be 100%' });
    expect(strict.eligible).toBe(false);
  });

  it('refuses the incentive to a dealer in transitional or suspended service, delisted, or no longer in the directory, saying which', () => {
    const [card] = scoreMonth('2026-11', [], ['SH001']);
    const inService = (standing: Parameters<typeof incentiveFor>[3]) => incentiveFor(card!, quota, [], standing, policy).conditions.find((c) => c.name === 'in_service');
    expect(inService({ ...active, serviceStatus: 'transitional' })).toEqual({ name: 'in_service', pass: false, why: 'transitional service (过渡服务): no incentive' });
    expect(inService({ ...active, serviceStatus: 'suspended' })).toEqual({ name: 'in_service', pass: false, why: 'suspended service (暂停服务): no incentive' });
    expect(inService({ ...active, delistedFrom: '2026-11' })).toEqual({ name: 'in_service', pass: false, why: 'delisted (撤站) from 2026-11' });
    expect(inService({ ...active, delistedFrom: '2026-12' })).toEqual({ name: 'in_service', pass: true, why: 'active' });
    expect(inService({ ...active, inDirectory: false })).toEqual({ name: 'in_service', pass: false, why: 'not in the directory' });
  });
});

describe('star level after penalties (seed 002 重大抱怨 §5.1)', () => {
  it('lowers the level by one from the month after each downgrade, and removes it from the month after a cancellation', () => {
    const changes = [
      { from: '2026-12', change: 'downgrade' as const },
      { from: '2027-02', change: 'downgrade' as const },
      { from: '2027-04', change: 'cancellation' as const },
    ];
    expect(starLevelIn('2026-11', 4, changes)).toBe(4);
    expect(starLevelIn('2026-12', 4, changes)).toBe(3);
    expect(starLevelIn('2027-01', 4, changes)).toBe(3);
    expect(starLevelIn('2027-02', 4, changes)).toBe(2);
    expect(starLevelIn('2027-04', 4, changes)).toBeNull();
    expect(starLevelIn('2027-01', 1, changes)).toBeNull(); // below one star: no level left
    expect(starLevelIn('2026-11', null, [])).toBeNull();
  });
});
