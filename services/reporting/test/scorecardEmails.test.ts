import { LANGUAGES } from '@complaints/shared';
import { loadTemplates } from '@complaints/notifier/src/templates';
import { freezeMonth } from '../src/freeze';
import { EMAILS_PER_PAGE, scorecardEmails } from '../src/scorecardEmails';
import { useTestDatabase } from '../../../test/database';

// SPEC §6, last paragraph: the month frozen, each dealer gets its own card, each regional manager its
// region's table, the coordinator the analysis and the incentive totals per region. Hand-counted
// from a small month, rendered with the notifier's templates in both languages.
describe('the emails of a frozen month', () => {
  const { models } = useTestDatabase({ rules: true, directory: 'mails' });
  const render = loadTemplates({ baseUrl: 'https://complaints.example.com/' });

  beforeAll(async () => {
    const closed = { repliedOnTime: true, contactedOnTime: true, firstTimeClosure: true, followUps: 1, falseReplies: 0, unreachable: false };
    const doc = (id: string, over: Record<string, unknown>) => ({ _id: id, workflowId: `complaint-${id}`, kind: 'complaint', category: 'parts_supply', severity: 'minor', channel: 'hotline', status: 'closed', dealerCode: 'SH001', attributedDealerCode: 'SH001', region: 'east', receivedAt: new Date('2030-05-10T10:00:00+08:00'), closedAt: '2030-05-11T10:00:00+08:00', kpi: closed, ...over });
    await models().Complaint.insertMany([
      // SH001: two hotline complaints, one replied late and not closed by the month's end (not eligible).
      doc('C20300510-0001', { kpi: { ...closed, ratings: { overall: 4, attitude: 5 } } }),
      doc('C20300510-0002', { category: 'service_process', status: 'awaiting_reply', closedAt: undefined, kpi: { ...closed, repliedOnTime: false, firstTimeClosure: null, followUps: 0 } }),
      // BJ002: one internet complaint closed (eligible: parts supply does not count against the quota).
      doc('C20300511-0001', { dealerCode: 'BJ002', attributedDealerCode: 'BJ002', region: 'north', channel: 'internet', kpi: { ...closed, ratings: { overall: 2 } } }),
    ]);
    await models().Penalty.create({ dealerCode: 'SH001', month: '2030-05', kind: 'amount', amount: 3000, reason: '客户张三的回复造假', complaintNumber: 'C20300510-0002', by: 'c' });
    await freezeMonth(models(), '2030-05', 'schedule:monthly-scoring');
  });

  it('builds one email for the coordinator, each region and each dealer, keyed by month and version', async () => {
    const { requests, more } = await scorecardEmails(models(), { month: '2030-05', version: 1, page: 1, dashboardUrl: 'https://reports.example.com/' });
    expect(more).toBe(false);
    expect(requests.map((r) => [r.key, r.template, r.recipients])).toEqual([
      ['scorecard:2030-05:v1', 'monthly_scorecard', [{ role: 'coordinator' }]],
      ['scorecard:2030-05:v1:region:east', 'regional_scorecard', [{ region: 'east' }]],
      ['scorecard:2030-05:v1:region:north', 'regional_scorecard', [{ region: 'north' }]],
      ['scorecard:2030-05:v1:dealer:BJ002', 'dealer_scorecard', [{ dealerCode: 'BJ002' }]],
      ['scorecard:2030-05:v1:dealer:SH001', 'dealer_scorecard', [{ dealerCode: 'SH001' }]],
      ['scorecard:2030-05:v1:dealer:SH002', 'dealer_scorecard', [{ dealerCode: 'SH002' }]],
    ]);
    const [coordinator, east, , , sh001, sh002] = requests;
    // Eligible: BJ002 and SH002 (no complaints) at ¥2,000 each; SH001 not (hotline monthly closure 1/2).
    expect(coordinator!.data).toMatchObject({ month: '2030-05', count: '3', eligible: '2', notEligible: '1', amountDue: '4,000', penaltyAmount: '3,000', ratingOverall: '3.00', ratingAttitude: '5.00', ratingServiceQuality: '', dashboardUrl: 'https://reports.example.com/dashboard?month=2030-05' });
    expect(coordinator!.data.regions).toEqual([
      { region: 'east', dealers: '2', eligible: '1', amountDue: '2,000', penaltyAmount: '3,000' },
      { region: 'north', dealers: '1', eligible: '1', amountDue: '2,000', penaltyAmount: '0' },
    ]);
    expect(coordinator!.data.byCategory).toEqual([
      { category: 'product_quality', complaints: '0', closedByMonthEnd: '0', satisfied: '0' },
      { category: 'technical_capability', complaints: '0', closedByMonthEnd: '0', satisfied: '0' },
      { category: 'service_process', complaints: '1', closedByMonthEnd: '0', satisfied: '0' },
      { category: 'parts_supply', complaints: '2', closedByMonthEnd: '2', satisfied: '2' },
    ]);
    expect(coordinator!.data.byChannel).toEqual([
      { channel: 'hotline', complaints: '2', closedByMonthEnd: '1', satisfied: '1' },
      { channel: 'internet', complaints: '1', closedByMonthEnd: '1', satisfied: '1' },
    ]);
    expect(east!.data).toMatchObject({ region: 'east', count: '2', eligible: '1', amountDue: '2,000' });
    expect(east!.data.dealers).toEqual([
      { dealerCode: 'SH001', dealerName: '上海浦东 4S 店', complaints: '2', replyOnTime: '1/2 (50.0%)', monthlyClosure: '1/2 (50.0%)', internetClosure: '', satisfaction: '1/2 (50.0%)', eligible: '', amountDue: '0' },
      { dealerCode: 'SH002', dealerName: '上海闵行 4S 店', complaints: '0', replyOnTime: '', monthlyClosure: '', internetClosure: '', satisfaction: '', eligible: 'yes', amountDue: '2,000' },
    ]);
    expect(sh001!.data).toMatchObject({ complaints: '2', replyOnTime: '1/2 (50.0%)', hotlineMonthlyClosure: '1/2 (50.0%)', eligible: '', amountDue: '0', countedAgainstQuota: '1', quota: '' });
    expect(sh001!.data.penalties).toEqual([{ zh: '考核金额', en: 'Penalty amount', amount: '3,000', complaintNumber: 'C20300510-0002' }]);
    expect(sh002!.data).toMatchObject({ complaints: '0', replyOnTime: '', eligible: 'yes', amountDue: '2,000' });
  });

  it('renders each in Chinese and English with "no data" where nothing was measured, and nothing about the customer', async () => {
    const { requests } = await scorecardEmails(models(), { month: '2030-05', version: 1, page: 1, dashboardUrl: 'https://reports.example.com' });
    for (const request of requests) {
      for (const language of LANGUAGES) {
        const email = render(request.template, language, request.data);
        expect(email.text).not.toMatch(/undefined|\[object|张三/);
        expect(email.text).toContain('https://reports.example.com/dashboard?month=2030-05');
      }
    }
    const sh002 = render('dealer_scorecard', 'zh', requests[5]!.data);
    expect(sh002.subject).toBe('【月度考核】2030-05 上海闵行 4S 店（SH002）客户抱怨考核结果：符合费用支持条件');
    expect(sh002.text).toContain('回复及时率：无数据');
    expect(sh002.text).toContain('抱怨处理费用支持：符合，支持额度 ¥2,000');
    expect(sh002.text).toContain('✓ 抱怨数不超过抱怨限值');
    const sh001 = render('dealer_scorecard', 'en', requests[4]!.data);
    expect(sh001.text).toContain('Reply on time: 1/2 (50.0%)');
    expect(sh001.text).toContain('✗ Hotline monthly closure rate 100%');
    expect(sh001.text).toContain('Penalty amount CNY 3,000 (complaint C20300510-0002)');
    const coordinator = render('monthly_scorecard', 'zh', requests[0]!.data);
    expect(coordinator.text).toContain('east · 服务商 2 家 · 符合 1 家 · 支持额度 ¥2,000 · 考核金额 ¥3,000');
    expect(coordinator.text).toContain('备件 · 2 · 2 · 2');
    expect(coordinator.text).toContain('400热线 · 2 · 1 · 1');
    expect(coordinator.text).toContain('总体满意度 3.00');
    const north = render('regional_scorecard', 'zh', requests[2]!.data);
    expect(north.subject).toBe('【大区月度考核】2030-05 north 服务商抱怨考核：1/1 家符合费用支持条件');
    expect(north.text).toContain('BJ002 北京海淀 3S 店 · 1 · 1/1 (100.0%) · 1/1 (100.0%) · 1/1 (100.0%) · 1/1 (100.0%) · 符合 ¥2,000');
  });

  it('pages a large network so that no activity result grows with it', async () => {
    await models().Dealer.insertMany(Array.from({ length: 60 }, (_, i) => ({ _id: `GZ${String(i).padStart(3, '0')}`, name: `广州 ${i}`, region: 'south', contacts: [{ email: `gz${i}@test.local` }] })));
    await freezeMonth(models(), '2030-04', 'schedule:monthly-scoring');
    const first = await scorecardEmails(models(), { month: '2030-04', version: 1, page: 1 });
    const second = await scorecardEmails(models(), { month: '2030-04', version: 1, page: 2 });
    expect(first).toMatchObject({ more: true });
    expect(first.requests).toHaveLength(EMAILS_PER_PAGE);
    // 1 coordinator + 3 regions + 63 dealers = 67.
    expect(second.requests).toHaveLength(67 - EMAILS_PER_PAGE);
    expect(second.more).toBe(false);
    expect(new Set([...first.requests, ...second.requests].map((r) => r.key)).size).toBe(67);
  });
});
