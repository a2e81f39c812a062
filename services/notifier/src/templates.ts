import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { LABELS, LANGUAGES, TEMPLATES, type Language, type TemplateName } from '@complaints/shared';
import type { RenderedEmail } from '@complaints/activities';

export const TEMPLATES_DIR = path.resolve(__dirname, '../templates');

type Compiled = Record<'subject' | 'text' | 'html', HandlebarsTemplateDelegate>;

const beijingTime = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

export interface TemplateContext {
  /** Base URL of the intake service, for links to the complaint. */
  baseUrl: string;
}

/**
 * Loads every template of every language once at start-up; a missing file stops the notifier
 * rather than failing an email later.
 */
export function loadTemplates(context: TemplateContext, dir = TEMPLATES_DIR) {
  const compiled = new Map<string, Compiled>();
  for (const name of TEMPLATES) {
    const files = new Set(readdirSync(path.join(dir, name)));
    for (const language of LANGUAGES) {
      const part = (kind: string) => {
        const file = `${language}.${kind}.hbs`;
        if (!files.has(file)) throw new Error(`template ${name}/${file} is missing`);
        // Subjects and text are plain text: no HTML escaping there.
        return Handlebars.compile(readFileSync(path.join(dir, name, file), 'utf8'), { noEscape: kind !== 'html', strict: true });
      };
      compiled.set(`${name}.${language}`, { subject: part('subject'), text: part('text'), html: part('html') });
    }
  }

  return function render(template: TemplateName, language: Language, data: Record<string, string>): RenderedEmail {
    const t = compiled.get(`${template}.${language}`);
    if (!t) throw new Error(`unknown template ${template}.${language}`);
    const labels = LABELS[language];
    const values = {
      ...data,
      kindLabel: labels.kind[data.kind as keyof typeof labels.kind] ?? data.kind,
      categoryLabel: labels.category[data.category as keyof typeof labels.category] ?? data.category,
      severityLabel: labels.severity[data.severity as keyof typeof labels.severity] ?? data.severity,
      channelLabel: labels.channel[data.channel as keyof typeof labels.channel] ?? data.channel,
      dealerCode: data.dealerCode || (language === 'zh' ? '未指定' : 'not given'),
      receivedAtBeijing: data.receivedAt ? beijingTime.format(new Date(data.receivedAt)) : '',
      link: `${context.baseUrl.replace(/\/$/, '')}/complaints/${encodeURIComponent(data.number ?? '')}`,
    };
    return { subject: t.subject(values).trim(), text: t.text(values), html: t.html(values) };
  };
}
