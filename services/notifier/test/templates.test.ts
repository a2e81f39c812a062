import { LANGUAGES, TEMPLATES } from '@complaints/shared';
import { loadTemplates } from '../src/templates';

const render = loadTemplates({ baseUrl: 'https://complaints.example.com/' });

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
  // An email refused for good (the undeliverable report to the coordinator).
  address: 'service.sh001@dealers.example.com',
  subject: '【服务派工单】C20261123-0001 请当日确认',
  error: 'Can\'t send mail - all recipients were rejected: 550 5.1.1 mailbox unavailable',
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
    // The monthly scoring summary is about a month, not a complaint.
    const parts = template === 'monthly_scorecard' ? [] : template.includes('_digest') || template.includes('_list') ? [email.text, email.html] : [email.subject, email.text, email.html];
    for (const part of parts) expect(part).toContain('C20261123-0001');
    expect(email.text).toContain('https://complaints.example.com/complaints');
    expect(email.text).not.toMatch(/undefined|\[object/);
  });

  it('shows times in Beijing time and words in the recipient language', () => {
    const zh = render('work_order', 'zh', data);
    expect(zh.subject).toBe('【服务派工单】C20261123-0001 请当日确认，2026/11/24 16:31（北京时间） 前回复');
    expect(zh.text).toContain('分类：产品质量');
    expect(zh.text).toContain('受理时间：2026/11/23 16:31（北京时间）');
    const en = render('work_order', 'en', data);
    expect(en.text).toContain('Category: product quality');
    expect(en.text).toContain('Received: 23 Nov 2026, 16:31 Beijing time');
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
});
