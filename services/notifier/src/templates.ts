import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { LABELS, LANGUAGES, TEMPLATES, type Language, type NotificationData, type TemplateName } from '@complaints/shared';
import type { RenderedEmail } from '@complaints/activities';

// Templates are files: templates/<name>.<language>.hbs holds the subject line, a line `---`, and the
// plain-text body. The HTML part is the same text in templates/layout.html.hbs, escaped.
export const TEMPLATES_DIR = path.resolve(__dirname, '../templates');

// Words only emails use; the rest are the product's labels (shared/src/labels.ts).
const EMAIL_LABELS: Record<Language, Record<string, Record<string, string>>> = {
  zh: { majorClock: { first_report: '首次报告（10分钟）', solution: '商定解决方案（12小时）', written_report: '书面报告（2天）' } },
  en: { majorClock: { first_report: 'first report (10 minutes)', solution: 'solution agreed (12 hours)', written_report: 'written report (2 days)' } },
};

const FOOTER: Record<Language, { linkText: string; footer: string }> = {
  zh: { linkText: '查看详情', footer: '售后服务部 关键客户科（系统邮件，请勿直接回复）' },
  en: { linkText: 'View details', footer: 'After-sales service, key customer desk (automatic email, do not reply)' },
};

const beijingTime: Record<Language, Intl.DateTimeFormat> = {
  zh: new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }),
  en: new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }),
};

/** A Handlebars instance per language, with helpers for labels and Beijing times. */
function engine(language: Language) {
  const hb = Handlebars.create();
  const labels = { ...LABELS[language], ...EMAIL_LABELS[language] } as Record<string, Record<string, string>>;
  hb.registerHelper('label', (group: string, value: string) => labels[group]?.[value] ?? value);
  hb.registerHelper('beijing', (iso: unknown) => {
    // Absent is a bug in the caller; empty means "not set" (e.g. no closure deadline for an inquiry).
    if (iso === undefined || iso === null) throw new Error('a time value the template uses is missing');
    if (typeof iso !== 'string' || !iso) return '—';
    return `${beijingTime[language].format(new Date(iso))}${language === 'zh' ? '（北京时间）' : ' Beijing time'}`;
  });
  hb.registerHelper('or', (value: unknown, fallback: string) => (value ? value : fallback));
  return hb;
}

export interface TemplateContext {
  /** Base URL of the intake service, for links to the complaint. */
  baseUrl: string;
}

/**
 * Loads and compiles every template of every language once at start-up: a missing or broken file
 * stops the notifier rather than failing an email later.
 */
export function loadTemplates(context: TemplateContext, dir = TEMPLATES_DIR) {
  const compiled = new Map<string, { subject: HandlebarsTemplateDelegate; text: HandlebarsTemplateDelegate; layout: HandlebarsTemplateDelegate }>();
  for (const language of LANGUAGES) {
    const hb = engine(language);
    const layout = hb.compile(readFileSync(path.join(dir, 'layout.html.hbs'), 'utf8'), { strict: true });
    for (const name of TEMPLATES) {
      const file = path.join(dir, `${name}.${language}.hbs`);
      const source = readFileSync(file, 'utf8');
      const split = source.indexOf('\n---\n');
      if (split < 0) throw new Error(`${file}: expected a subject line, a line "---", then the body`);
      // Plain text: no HTML escaping. The layout escapes when it builds the HTML part.
      const options = { noEscape: true, strict: true, knownHelpers: { label: true, beijing: true, or: true } };
      compiled.set(`${name}.${language}`, { subject: hb.compile(source.slice(0, split), options), text: hb.compile(source.slice(split + 5), options), layout });
    }
  }

  return function render(template: TemplateName, language: Language, data: NotificationData): RenderedEmail {
    const t = compiled.get(`${template}.${language}`);
    if (!t) throw new Error(`unknown template ${template}.${language}`);
    // A complaint's own page, or the work-order list for the digests (which have no number).
    const base = context.baseUrl.replace(/\/$/, '');
    const link = typeof data.number === 'string' && data.number ? `${base}/complaints/${encodeURIComponent(data.number)}` : `${base}/complaints`;
    const values = { ...data, link };
    const text = `${t.text(values).trim()}\n\n${FOOTER[language].linkText}: ${link}\n\n-- ${FOOTER[language].footer}\n`;
    const paragraphs = t
      .text(values)
      .trim()
      .split(/\n\s*\n/)
      .map((p) => p.split('\n'));
    return { subject: t.subject(values).trim(), text, html: t.layout({ language, paragraphs, link, ...FOOTER[language] }) };
  };
}
