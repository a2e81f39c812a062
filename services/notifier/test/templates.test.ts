import { LANGUAGES, TEMPLATES } from '@complaints/shared';
import { loadTemplates } from '../src/templates';

const render = loadTemplates({ baseUrl: 'https://complaints.example.com/' });
const data = {
  number: 'C20261123-0001',
  kind: 'complaint',
  category: 'product_quality',
  severity: 'major',
  channel: 'hotline',
  dealerCode: 'SH001',
  receivedAt: '2026-11-23T08:31:00Z',
};

describe('email templates', () => {
  it.each(TEMPLATES.flatMap((t) => LANGUAGES.map((l) => [t, l] as const)))('%s in %s renders subject, text and HTML', (template, language) => {
    const email = render(template, language, data);
    expect(email).toMatchSnapshot();
    for (const part of [email.subject, email.text, email.html]) expect(part).toContain('C20261123-0001');
    expect(email.text).toContain('https://complaints.example.com/complaints/C20261123-0001');
  });

  it('shows the receipt time in Beijing time, in the recipient language', () => {
    expect(render('complaint_received', 'zh', data).text).toContain('受理时间（北京时间）：2026/11/23 16:31');
    expect(render('complaint_received', 'zh', data).text).toContain('抱怨分类：产品质量');
    expect(render('complaint_received', 'en', data).text).toContain('Category: product quality');
  });

  it('escapes values in HTML but not in plain text', () => {
    const email = render('complaint_received', 'en', { ...data, dealerCode: '<b>X&Y</b>' });
    expect(email.html).toContain('&lt;b&gt;X&amp;Y&lt;/b&gt;');
    expect(email.text).toContain('<b>X&Y</b>');
  });

  it('refuses to render when a value the template uses is missing', () => {
    const { number: _omitted, ...withoutNumber } = data;
    expect(() => render('complaint_received', 'zh', withoutNumber)).toThrow(/number/);
  });
});
