import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { LABELS, LANGUAGES, TEMPLATES, type Language, type NotificationData, type Policy, type TemplateName } from '@complaints/shared';
import type { RenderContext, RenderedEmail } from '@complaints/activities';

// Templates are files: templates/<name>.<language>.hbs holds the subject line, a line `---`, and the
// plain-text body. The HTML part is the same text in templates/layout.html.hbs, escaped.
export const TEMPLATES_DIR = path.resolve(__dirname, '../templates');

/** The units a policy counts its clocks in (SPEC §4). */
type Unit = 'minute' | 'hour' | 'day' | 'working_day' | 'month';
const UNITS: Record<Language, Record<Unit, (n: number) => string>> = {
  zh: { minute: (n) => `${n}分钟`, hour: (n) => `${n}小时`, day: (n) => `${n}天`, working_day: (n) => `${n}个工作日`, month: (n) => `${n}个月` },
  en: {
    minute: (n) => `${n} minute${n === 1 ? '' : 's'}`,
    hour: (n) => `${n} hour${n === 1 ? '' : 's'}`,
    day: (n) => `${n} day${n === 1 ? '' : 's'}`,
    working_day: (n) => `${n} working day${n === 1 ? '' : 's'}`,
    month: (n) => `${n} month${n === 1 ? '' : 's'}`,
  },
};

/** "24小时", "3 working days": a number of the policy in the recipient's words. */
function duration(language: Language, value: unknown, unit: string): string {
  const say = UNITS[language][unit as Unit];
  if (!say) throw new Error(`unknown unit ${unit}`);
  // A number the template states but the policy lacks is a bug: no email with a blank where the number belongs.
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`a policy number the template states is missing (${unit})`);
  return say(value);
}

// Words only emails use; the rest are the product's labels (shared/src/labels.ts). A word that
// states a number of the policy (SPEC §4: every number is the policy's) is made from the policy the
// email is rendered with.
type EmailLabel = string | ((policy: Policy) => string);
const EMAIL_LABELS: Record<Language, Record<string, Record<string, EmailLabel>>> = {
  zh: {
    majorClock: {
      first_report: (p) => `首次报告（${duration('zh', p.major.firstReportMinutes, 'minute')}）`,
      solution: (p) => `商定解决方案（${duration('zh', p.major.solutionHours, 'hour')}）`,
      written_report: (p) => `书面报告（${duration('zh', p.major.writtenReportDays, 'day')}）`,
    },
  },
  en: {
    majorClock: {
      first_report: (p) => `first report (${duration('en', p.major.firstReportMinutes, 'minute')})`,
      solution: (p) => `solution agreed (${duration('en', p.major.solutionHours, 'hour')})`,
      written_report: (p) => `written report (${duration('en', p.major.writtenReportDays, 'day')})`,
    },
  },
};

/** The emails a customer gets (seeds 000, 001, 003): the customer cannot sign in to the work-order page, so no link to it. */
export const CUSTOMER_TEMPLATES: ReadonlySet<TemplateName> = new Set(['customer_acknowledgement', 'customer_closure']);

const FOOTER: Record<Language, { linkText: string; footer: string }> = {
  zh: { linkText: '查看详情', footer: '售后服务部 关键客户科（系统邮件，请勿直接回复）' },
  en: { linkText: 'View details', footer: 'After-sales service, key customer desk (automatic email, do not reply)' },
};

const beijingTime: Record<Language, Intl.DateTimeFormat> = {
  zh: new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }),
  en: new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }),
};

const missingPolicy = (): never => {
  throw new Error('the policy is missing: the template states a number of it');
};
/** Stands in for the policy when the caller gave none: any number read from it fails the email, never a blank. */
const NO_POLICY = new Proxy({} as Policy, { get: missingPolicy, getOwnPropertyDescriptor: missingPolicy, has: missingPolicy });

/** The policy the email is rendered with (the values' `policy`). */
function policyOf(options: Handlebars.HelperOptions): Policy {
  return (options.data as { root?: { policy?: Policy } } | undefined)?.root?.policy ?? NO_POLICY;
}

/** A Handlebars instance per language, with helpers for labels, policy numbers and Beijing times. */
function engine(language: Language) {
  const hb = Handlebars.create();
  const labels = { ...LABELS[language], ...EMAIL_LABELS[language] } as Record<string, Record<string, EmailLabel>>;
  hb.registerHelper('label', (group: string, value: string, options: Handlebars.HelperOptions) => {
    const word = labels[group]?.[value] ?? value;
    return typeof word === 'function' ? word(policyOf(options)) : word;
  });
  // `{{duration policy.reply.hours "hour"}}` → 24小时 / 24 hours.
  hb.registerHelper('duration', (value: unknown, unit: string) => duration(language, value, unit));
  hb.registerHelper('beijing', (iso: unknown) => {
    // Absent is a bug in the caller; empty means "not set" (e.g. no closure deadline for an inquiry).
    if (iso === undefined || iso === null) throw new Error('a time value the template uses is missing');
    if (typeof iso !== 'string' || !iso) return '—';
    return `${beijingTime[language].format(new Date(iso))}${language === 'zh' ? '（北京时间）' : ' Beijing time'}`;
  });
  hb.registerHelper('or', (value: unknown, fallback: string) => (value ? value : fallback));
  // For wording that depends on a value: {{#if (is channel "internet")}}…{{/if}}.
  hb.registerHelper('is', (value: unknown, expected: unknown) => value === expected);
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
      const options = { noEscape: true, strict: true, knownHelpers: { label: true, beijing: true, or: true, duration: true, is: true } };
      compiled.set(`${name}.${language}`, { subject: hb.compile(source.slice(0, split), options), text: hb.compile(source.slice(split + 5), options), layout });
    }
  }

  /**
   * Renders one email. `policy` is the policy whose numbers the email states (the complaint's own
   * version); `recipient` who it is for (a customer is greeted by the name the notifier read from
   * the submission as it sends, never from the workflow's data).
   */
  return function render(template: TemplateName, language: Language, data: NotificationData, { policy, recipient }: RenderContext = {}): RenderedEmail {
    const t = compiled.get(`${template}.${language}`);
    if (!t) throw new Error(`unknown template ${template}.${language}`);
    // A complaint's own page, or the work-order list for the digests (which have no number); none for the customer.
    const base = context.baseUrl.replace(/\/$/, '');
    const link = CUSTOMER_TEMPLATES.has(template) ? '' : typeof data.number === 'string' && data.number ? `${base}/complaints/${encodeURIComponent(data.number)}` : `${base}/complaints`;
    const values = { ...data, link, policy: policy ?? NO_POLICY, customerName: recipient?.name ?? '' };
    const body = t.text(values).trim();
    const text = `${body}\n\n${link ? `${FOOTER[language].linkText}: ${link}\n\n` : ''}-- ${FOOTER[language].footer}\n`;
    const paragraphs = body.split(/\n\s*\n/).map((p) => p.split('\n'));
    return { subject: t.subject(values).trim(), text, html: t.layout({ language, paragraphs, link, ...FOOTER[language] }) };
  };
}
