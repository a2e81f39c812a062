import { incentiveFor, previousQuarterMonths, quotaFor } from '../src/incentives';
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

describe('incentive eligibility', () => {
  const quota = quotaFor('2026-11', new Map([['2026-07', 200], ['2026-08', 200], ['2026-09', 200]]), 0.01); // quota 2

  it('qualifies a dealer that meets every condition, and says why for each', () => {
    const [card] = scoreMonth('2026-11', [complaint('a'), complaint('b')]);
    const result = incentiveFor(card!, quota, [], 'active');
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
    const result = incentiveFor(card!, quota, [{ kind: 'media_exposure', reason: '微博曝光 2026-11-20' }, { kind: 'amount', amount: 500, reason: '虚假回复' }], 'suspended');
    expect(result.eligible).toBe(false);
    expect(Object.fromEntries(result.conditions.map((c) => [c.name, [c.pass, c.why]]))).toEqual({
      within_quota: [false, '3 counted complaints, quota 2'],
      hotline_first_time_closure: [false, '1/2, must be 100%'],
      hotline_monthly_closure: [true, '2/2'],
      internet_closure: [false, '0/1, must be 100%'],
      no_negative_media: [false, '微博曝光 2026-11-20'],
      in_service: [false, 'suspended'],
    });
  });

  it('cannot qualify a dealer whose quota is unknown', () => {
    const [card] = scoreMonth('2026-11', [complaint('a')]);
    const result = incentiveFor(card!, quotaFor('2026-11', new Map(), 0.01), [], 'active');
    expect(result.conditions[0]).toEqual({ name: 'within_quota', pass: false, why: 'no service visits recorded for 2026-07, 2026-08, 2026-09: the quota is unknown' });
    expect(result.eligible).toBe(false);
  });
});
