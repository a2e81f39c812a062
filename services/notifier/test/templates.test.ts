import { LANGUAGES, policySchema, TEMPLATES, type Language, type Policy, type TemplateName } from '@complaints/shared';
import { shippedPolicies } from '@complaints/runtime/src/rules';
import { loadTemplates } from '../src/templates';

const renderWith = loadTemplates({ baseUrl: 'https://complaints.example.com/' });

/** The shipped default policy: the numbers of SPEC §4. */
const DEFAULT_POLICY = shippedPolicies().find((p) => p.version === '2025.1')!;
const render = (template: TemplateName, language: Language, values: typeof data | Record<string, unknown>, policy: Policy = DEFAULT_POLICY) =>
  renderWith(template, language, values as never, { policy, recipient: { email: 'x@example.com', language, name: '张三' } });

/** The emails a customer gets (seeds 000, 001, 003): no link to the staff pages. */
const CUSTOMER_TEMPLATES: readonly TemplateName[] = ['customer_acknowledgement', 'customer_closure'];

/** Every value any template uses, as the workflow sends them: never personal data. */
const data = {
  number: 'C20261123-0001',
  kind: 'complaint',
  category: 'product_quality',
  severity: 'major',
  channel: 'hotline',
  dealerCode: 'SH001',
  region: 'east',
  receivedAt: '2026-11-23T08:31:00Z',
  closureDeadline: '2026-11-30T16:30:00+08:00',
  replyDue: '2026-11-24T16:31:00+08:00',
  contactDue: '2026-11-24T16:31:00+08:00',
  repairFeedbackDue: '2026-11-26T16:30:00+08:00',
  followUpDue: '2026-11-25T10:00:00+08:00',
  suggestion: '先检查水泵',
  outcome: 'unsatisfied',
  note: '客户仍听到异响',
  reason: '媒体曝光',
  // 派工 (SPEC §4): a complaint waiting for the coordinator, and the dealer the customer named.
  dispatchDue: '2026-11-23T16:30:00+08:00',
  namedDealerCode: 'SH001',
  // Sent back to the dealer a second time (seed 003 四(2)5).
  returns: '2',
  // 当日确认 (SPEC §3.3) and a returned complaint's new reply clock (SPEC §4).
  acknowledgementDue: '2026-11-23T23:59:00+08:00',
  returned: 'true',
  policyVersion: '2025.1',
  firstReportDue: '2026-11-23T16:41:00+08:00',
  solutionDue: '2026-11-24T04:31:00+08:00',
  writtenReportDue: '2026-11-25T16:31:00+08:00',
  clock: 'solution',
  due: '2026-11-24T04:31:00+08:00',
  // The monthly scoring summary.
  version: '1',
  eligible: '41',
  notEligible: '9',
  dashboardUrl: 'https://reports.example.com/dashboard?month=2026-10',
  // The scorecards at a month's freeze (SPEC §6): the dealer's own card, the region's table, the coordinator's totals.
  amountDue: '2000',
  penaltyAmount: '1500',
  dealerName: '上海浦东 4S 店',
  complaints: '3',
  hotlineComplaints: '2',
  internetComplaints: '1',
  unreachable: '0',
  falseReplies: '0',
  acknowledgedOnTime: '3/3（100%）',
  replyOnTime: '3/3（100%）',
  contactOnTime: '2/3（67%）',
  firstTimeClosure: '2/2（100%）',
  monthlyClosure: '3/3（100%）',
  satisfaction: '',
  internetClosure: '1/1（100%）',
  carried: '1',
  carriedClosed: '1',
  repairRequests: '1',
  repairOnTime: '1/1（100%）',
  countedAgainstQuota: '3',
  quota: '5',
  starLevel: '4',
  ratingServiceQuality: '4.5',
  ratingAttitude: '',
  ratingPriceCheck: '4.0',
  ratingOverall: '4.2',
  conditions: [{ pass: 'true', zh: '抱怨数不超过限值', en: 'complaints within the quota' }],
  penalties: [{ zh: '考核金额', en: 'money penalty', amount: '1500', complaintNumber: 'C20261123-0001' }],
  regions: [{ region: 'east', dealers: '2', eligible: '1', amountDue: '2000', penaltyAmount: '' }],
  dealers: [{ dealerCode: 'SH001', dealerName: '上海浦东 4S 店', complaints: '3', replyOnTime: '3/3（100%）', monthlyClosure: '3/3（100%）', internetClosure: '', satisfaction: '', eligible: 'true', amountDue: '2000' }],
  byCategory: [{ category: 'product_quality', complaints: '2', closedByMonthEnd: '2', satisfied: '1' }],
  byChannel: [{ channel: 'hotline', complaints: '2', closedByMonthEnd: '2', satisfied: '1' }],
  // An email refused for good (the undeliverable report to the coordinator).
  address: 'service.sh001@dealers.example.com',
  subject: '【服务派工单】C20261123-0001 请当日确认',
  error: 'Can\'t send mail - all recipients were rejected: 550 5.1.1 mailbox unavailable',
  // A calendar loaded late moved a deadline (SPEC §4).
  previousClosureDeadline: '2026-11-28T16:30:00+08:00',
  calendarYear: '2027',
  calendarVersion: '2027.1',
  // The coordinator reclassified the complaint (SPEC §3.2); a work order withdrawn says so.
  previousKind: 'inquiry',
  previousCategory: 'service_process',
  previousSeverity: 'minor',
  withdrawn: '',
  // A special claim (SPEC §3.10): filed, then decided.
  claimId: 'K3f2a9c1b7d4e5f60',
  claimType: 'special',
  amount: '3000',
  approvedAmount: '2500',
  missingDocuments: '',
  decision: 'approved',
  // The coordinator's day: its queues, and the calendar that is not loaded yet.
  awaitingDispatch: '2',
  awaitingClosureRequest: '1',
  overdue: '3',
  major: '1',
  escalated: '0',
  calendarWarnings: [{ code: 'next_year_missing', year: '2027' }],
  // The digests and lists (SPEC §5): a period, a count and rows.
  date: '2026-11-23',
  month: '2026-10',
  since: '2026-11-23T08:35:00Z',
  count: '1',
  items: [
    {
      number: 'C20261123-0001',
      status: 'awaiting_reply',
      overdue: 'yes',
      replyDue: '2026-11-24T16:31:00+08:00',
      closureDeadline: '2026-11-30T16:30:00+08:00',
      dealerCode: 'SH001',
      source: '微博',
      receivedAt: '2026-11-23T08:31:00Z',
      category: 'product_quality',
      closedAt: '2026-10-12T03:00:00Z',
      reason: '客户期望无法满足',
    },
  ],
};

describe('email templates', () => {
  it.each(TEMPLATES.flatMap((t) => LANGUAGES.map((l) => [t, l] as const)))('%s in %s renders subject, text and HTML', (template, language) => {
    const email = render(template, language, data);
    expect(email).toMatchSnapshot();
    // Every email names its complaint: in the subject, or, for a digest, in its rows.
    // The monthly scorecards are about a month, not a complaint.
    const parts = template.endsWith('_scorecard') ? [] : template.includes('_digest') || template.includes('_list') ? [email.text, email.html] : [email.subject, email.text, email.html];
    for (const part of parts) expect(part).toContain('C20261123-0001');
    // Staff follow the link to the work-order page; a customer cannot sign in there.
    if (CUSTOMER_TEMPLATES.includes(template)) expect(email.text + email.html).not.toContain('https://complaints.example.com/complaints');
    else expect(email.text).toContain('https://complaints.example.com/complaints');
    expect(email.text).not.toMatch(/undefined|\[object/);
  });

  it('shows times in Beijing time and words in the recipient language', () => {
    const zh = render('work_order', 'zh', { ...data, acknowledgementDue: '' });
    expect(zh.subject).toBe('【服务派工单】C20261123-0001 请当日确认，2026/11/24 16:31（北京时间） 前回复');
    expect(zh.text).toContain('分类：产品质量');
    expect(zh.text).toContain('受理时间：2026/11/23 16:31（北京时间）');
    const en = render('work_order', 'en', data);
    expect(en.text).toContain('Category: product quality');
    expect(en.text).toContain('Received: 23 Nov 2026, 16:31 Beijing time');
  });

  it('asks the dealer to confirm by the work order\'s acknowledgement due time, and today when the workflow gave none', () => {
    expect(render('work_order', 'zh', data).subject).toBe('【服务派工单】C20261123-0001 请于 2026/11/23 23:59（北京时间） 前确认，2026/11/24 16:31（北京时间） 前回复');
    expect(render('work_order', 'en', data).text).toContain('Please confirm it by 23 Nov 2026, 23:59 Beijing time');
    expect(render('work_order', 'zh', { ...data, acknowledgementDue: '' }).subject).toBe('【服务派工单】C20261123-0001 请当日确认，2026/11/24 16:31（北京时间） 前回复');
    const due = render('acknowledgement_due_soon', 'zh', data);
    expect(due.subject).toBe('【待确认派工单】C20261123-0001 请在 2026/11/23 23:59（北京时间） 前确认');
    expect(render('acknowledgement_overdue', 'en', data).subject).toBe('[Confirmation overdue] C20261123-0001: work order not confirmed by 23 Nov 2026, 23:59 Beijing time');
    expect(() => render('acknowledgement_overdue', 'zh', { ...data, acknowledgementDue: undefined })).toThrow(/missing/);
  });

  it('says when a reply is due on the new clock of a complaint sent back after its follow-up', () => {
    expect(render('reply_due_soon', 'zh', data).text).toContain('退回');
    expect(render('reply_overdue', 'en', data).text).toContain('sent back');
    expect(render('reply_due_soon', 'zh', { ...data, returned: '' }).text).not.toContain('退回');
    expect(render('returned_to_dealer', 'zh', data).text).toContain('请在 2026/11/24 16:31（北京时间） 前回复');
  });

  it('greets the customer by name and tells what happens next, with nothing else personal', () => {
    const zh = render('customer_acknowledgement', 'zh', data);
    expect(zh.subject).toBe('您的抱怨已受理，编号 C20261123-0001');
    expect(zh.text).toMatch(/^尊敬的 张三：/);
    expect(zh.text).toContain('24小时内');
    const en = render('customer_closure', 'en', data);
    expect(en.text).toMatch(/^Dear 张三,/);
    expect(en.subject).toBe('Your complaint C20261123-0001 is closed');
    for (const template of CUSTOMER_TEMPLATES) {
      for (const language of LANGUAGES) {
        const email = render(template, language, data);
        // The dealer, the clocks and the staff's notes are not the customer's business.
        expect(email.text).not.toMatch(/SH001|客户仍听到异响|先检查水泵|2026\/11\/24|24 Nov/);
        const nameless = renderWith(template, language, data as never, { policy: DEFAULT_POLICY, recipient: { email: 'x@example.com', language } });
        expect(nameless.text).toMatch(language === 'zh' ? /^尊敬的客户：/ : /^Dear customer,/);
      }
    }
  });

  it('tells an internet complaint’s customer the internet contact clock, and an inquiry’s that the call center answers', () => {
    const policy = { ...DEFAULT_POLICY, contact: { hours: 24 }, internetContact: { hours: 12 } };
    const customer = { recipient: { email: 'x@example.com', language: 'zh' as const, name: '张三' }, policy };
    expect(renderWith('customer_acknowledgement', 'zh', { ...data, channel: 'internet' } as never, customer).text).toContain('12小时内');
    const inquiry = renderWith('customer_acknowledgement', 'zh', { ...data, kind: 'inquiry' } as never, customer).text;
    expect(inquiry).toContain('客服中心将尽快答复您');
    expect(inquiry).not.toContain('服务商');
  });

  it('renders the monthly summary of a scoring run begun before the summary had amounts and analysis', () => {
    const before = { month: '2026-10', version: '1', count: '50', eligible: '40', notEligible: '10', dashboardUrl: 'https://reports.example.com/dashboard?month=2026-10' };
    for (const language of LANGUAGES) expect(render('monthly_scorecard', language, before).text).toContain('2026-10');
  });

  it('escapes values in HTML but not in plain text', () => {
    const email = render('returned_to_dealer', 'en', { ...data, note: '<b>X&Y</b>' });
    expect(email.html).toContain('&lt;b&gt;X&amp;Y&lt;/b&gt;');
    expect(email.text).toContain('<b>X&Y</b>');
  });

  it('leaves out optional parts that are empty', () => {
    expect(render('work_order', 'zh', { ...data, suggestion: '' }).text).not.toContain('处理建议');
    expect(render('work_order', 'zh', data).text).toContain('处理建议：先检查水泵');
  });

  it('refuses to render when a value the template uses is missing', () => {
    const { replyDue: _omitted, ...withoutDue } = data;
    expect(() => render('reply_overdue', 'zh', withoutDue)).toThrow(/missing/);
  });

  describe('every number from the policy', () => {
    /** A policy whose every number differs from the defaults (SPEC §4: an operator changes them without a code change). */
    const CHANGED: Policy = policySchema.parse({
      ...DEFAULT_POLICY,
      version: 'changed',
      cutoff: '17:00',
      acknowledgement: { dueAt: '22:00', afterCutoffDueAt: '11:00', reminderBeforeHours: 3, incentiveCondition: true },
      reply: { hours: 36, reminderBeforeHours: 6 },
      returnedReply: { hours: 30, reminderBeforeHours: 5 },
      contact: { hours: 30 },
      internetContact: { hours: 20 },
      followUp: { hours: 48, attemptsBeforeUnreachable: 4, majorVisitByRegionalManager: false },
      closure: { counting: 'working_days', days: { product_quality: 9, technical_capability: 5, service_process: 5, parts_supply: 9 }, reminderBeforeHours: 18 },
      repairRequest: { feedbackWorkingDays: 4 },
      major: { firstReportMinutes: 15, solutionHours: 18, writtenReportDays: 3 },
      upgradeToMajorDays: 12,
      escalationMonths: 5,
      intake: { receivedAtWindowDays: 9 },
    });

    /** What each template states of its policy, under CHANGED (the test data's major clock is `solution`). */
    const STATED: Partial<Record<TemplateName, Record<Language, string[]>>> = {
      escalation: { zh: ['5个月'], en: ['5 months'] },
      repair_feedback_overdue: { zh: ['4个工作日'], en: ['4 working days'] },
      major_clock_missed: { zh: ['18小时'], en: ['18 hours'] },
      customer_acknowledgement: { zh: ['30小时'], en: ['30 hours'] },
    };
    /** The default numbers as the templates used to state them. */
    const DEFAULTS: Record<Language, RegExp> = {
      zh: /24小时|24 小时|3个工作日|三个工作日|三个月|3个月|10分钟|12小时|2天|10天|7天|3天/,
      en: /24 hours|24 h\b|3 working days|three working days|three months|3 months|10 minutes|12 hours|2 days|10 days|7 days|3 days/,
    };

    it.each(TEMPLATES.flatMap((t) => LANGUAGES.map((l) => [t, l] as const)))('%s in %s states the numbers of the complaint\'s own policy', (template, language) => {
      const email = render(template, language, { ...data, policyVersion: 'changed' }, CHANGED);
      const all = `${email.subject}\n${email.text}\n${email.html}`;
      for (const stated of STATED[template]?.[language] ?? []) expect(all).toContain(stated);
      expect(all).not.toMatch(DEFAULTS[language]);
      // The same template under the defaults states the defaults: the numbers come from the policy, not the text.
      const underDefaults = render(template, language, data);
      if (STATED[template]) expect(`${underDefaults.subject}\n${underDefaults.text}`).toMatch(DEFAULTS[language]);
    });

    it('names each major clock with its policy duration', () => {
      for (const [clock, zh, en] of [['first_report', '首次报告（15分钟）', 'first report (15 minutes)'], ['solution', '商定解决方案（18小时）', 'solution agreed (18 hours)'], ['written_report', '书面报告（3天）', 'written report (3 days)']] as const) {
        expect(render('major_clock_missed', 'zh', { ...data, clock }, CHANGED).subject).toContain(zh);
        expect(render('major_clock_missed', 'en', { ...data, clock }, CHANGED).subject).toContain(en);
      }
      expect(render('major_clock_missed', 'en', { ...data, clock: 'first_report' }, { ...CHANGED, major: { ...CHANGED.major, firstReportMinutes: 1 } }).subject).toContain('first report (1 minute)');
    });

    it('refuses to render a template that states a number without the policy', () => {
      expect(() => renderWith('escalation', 'zh', data as never)).toThrow(/policy/);
    });
  });
});
