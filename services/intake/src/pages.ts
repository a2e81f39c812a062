import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type Request, type RequestHandler, type Router } from 'express';
import Handlebars from 'handlebars';
import { ZodError } from 'zod';
import { beijingMonth, CATEGORIES, complaintInputSchema, COMPLAINT_NUMBER_PATTERN, KINDS, LABELS, policyInForce, type Language, type Policy } from '@complaints/shared';
import { listDealers, loadPolicies } from '@complaints/activities';
import { consoleAssets, consoleShell, cspNonce, dependencyUnavailable, HttpError, shippedPolicies, type Logger } from '@complaints/runtime';
import { ACCEPTED_TYPES, acceptedAttachments, createMultipartForm } from './attachments';
import { submitComplaint, type SubmitDeps } from './submit';
import { issueFormToken, verifyFormToken } from './formTokens';
import { inChinese, STRINGS } from './locales';

// The pages people use: the public complaint form (SPEC §2, channel web_form) and the work-order
// page a dealer (or the coordinator, the call center) handles complaints from. Views are files in
// ../views; the words are in ./locales, Chinese by default and English on request (?lang=en).

const VIEWS_DIR = path.resolve(__dirname, '../views');
// The pages' stylesheet: a file, since their Content Security Policy allows no inline style.
const PUBLIC_DIR = path.resolve(__dirname, '../public');

const language = (req: Request): Language => (req.query.lang === 'en' || req.body?.lang === 'en' ? 'en' : 'zh');

function compile(name: string) {
  return Handlebars.compile(readFileSync(path.join(VIEWS_DIR, `${name}.hbs`), 'utf8'), { strict: false });
}

Handlebars.registerHelper('json', (value: unknown) => new Handlebars.SafeString(JSON.stringify(value).replace(/</g, '\\u003c')));

const views = { layout: compile('layout'), form: compile('form'), submitted: compile('submitted') };

/**
 * A page: the layout around a view. A view's own inline scripts get the answer's CSP nonce, so
 * that they run and nothing else inline does. Only the templates can write a `<script>` tag: every
 * value they show is escaped (`<` never reaches the page as such, the json helper's included).
 */
function page(lang: Language, title: string, body: string, options: { switchHref?: string; wide?: boolean; nonce?: string } = {}): string {
  const { nonce, ...layout } = options;
  return views.layout({ t: STRINGS[lang], title, body: nonce ? body.replaceAll('<script>', `<script nonce="${nonce}">`) : body, ...layout });
}

type Values = Record<string, string>;

/** The form's fields, in order, with the values the customer typed and the message for each. */
function formFields(lang: Language, dealers: { code: string; name: string }[], values: Values, errors: Record<string, string>) {
  const t = STRINGS[lang];
  const labels = LABELS[lang];
  const field = (name: keyof typeof t.fields, extra: Record<string, unknown> = {}) => ({
    name,
    label: t.fields[name],
    hint: (t.hints as Record<string, string>)[name],
    value: values[name] ?? '',
    error: errors[name],
    ...extra,
  });
  const options = (choices: [string, string][], selected: string | undefined) => choices.map(([value, text]) => ({ value, text, selected: value === selected }));
  return [
    field('kind', { options: options(KINDS.map((k) => [k, labels.kind[k]]), values.kind ?? 'complaint') }),
    field('customer.name', { autocomplete: 'name', maxlength: 100 }),
    field('customer.phone', { autocomplete: 'tel', maxlength: 20 }),
    field('customer.email', { autocomplete: 'email' }),
    field('vehicle.plate', { maxlength: 16 }),
    field('vehicle.vin', { maxlength: 17 }),
    field('dealerCode', { options: options([['', t.unknownDealer], ...dealers.map((d): [string, string] => [d.code, `${d.name}（${d.code}）`])], values.dealerCode) }),
    field('category', { options: options(CATEGORIES.map((c) => [c, labels.category[c]]), values.category) }),
    field('description', { multiline: 6 }),
    field('request', { multiline: 3 }),
    field('attachments', { file: true, accept: ACCEPTED_TYPES.join(',') }),
  ];
}

/** `customer.name` → `{ customer: { name } }`; empty fields are left out, as if not given. */
function nest(values: Values): Record<string, unknown> {
  const body: Record<string, Record<string, unknown>> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === '') continue;
    const [head, tail] = name.split('.') as [string, string | undefined];
    if (tail) (body[head] ??= {})[tail] = value;
    else (body as Record<string, unknown>)[head] = value;
  }
  return body;
}

/** The console's pages intake serves (reporting serves its own). */
export const CONSOLE_ROUTES = ['/complaints', '/complaints/new', '/complaints/:number', '/follow-ups', '/claims', '/directory', '/calendars', '/users', '/tokens'];

const FORM_FIELDS = ['kind', 'customer.name', 'customer.phone', 'customer.email', 'vehicle.plate', 'vehicle.vin', 'dealerCode', 'category', 'description', 'request'];

export function pageRoutes(deps: SubmitDeps & { logger: Logger; formLimit: RequestHandler }): Router {
  const router = express.Router();
  router.use('/assets', express.static(PUBLIC_DIR, { index: false }));
  router.use(consoleAssets());
  // This app's upload slots and hourly counts per address.
  const multipartForm = createMultipartForm(deps.config);

  // The dealers of the form's list as last read, so that the form still shows (and keeps what the
  // customer typed) while the database does not answer.
  let dealersSeen: { code: string; name: string }[] = [];
  async function dealers() {
    try {
      // A delisted dealer (撤站, seed 002 重大抱怨 §5.1) is no longer offered to customers.
      dealersSeen = (await listDealers(deps.models, beijingMonth(deps.now()))).filter((d) => d.active !== false);
    } catch (error) {
      if (!dependencyUnavailable(error)) throw error;
    }
    return dealersSeen;
  }

  // The policy in force, for the numbers the form promises (SPEC §4: every number is the policy's),
  // as last read while the database does not answer; the shipped default before any was read.
  let policySeen: Policy | undefined;
  async function policyNow(): Promise<Policy> {
    try {
      policySeen = policyInForce(await loadPolicies(deps.models), deps.now());
    } catch (error) {
      if (!dependencyUnavailable(error) && !/no policy is in force/.test((error as Error).message)) throw error;
    }
    return policySeen ?? policyInForce(shippedPolicies(), deps.now());
  }

  async function renderForm(lang: Language, values: Values = {}, errors: Record<string, string> = {}, formToken = issueFormToken(deps.config.AUTH_SECRET), notice?: string) {
    const t = STRINGS[lang];
    // With the notice the database has just failed to answer: the customer is not kept waiting twice.
    const list = notice ? dealersSeen : await dealers();
    const policy = notice ? (policySeen ?? policyInForce(shippedPolicies(), deps.now())) : await policyNow();
    // The customer's choice is kept even when the list could not be read.
    const choices = values.dealerCode && !list.some((d) => d.code === values.dealerCode) ? [...list, { code: values.dealerCode, name: values.dealerCode }] : list;
    const body = views.form({ t, language: lang, formIntro: t.formIntro(policy.contact.hours), formToken, notice, fields: formFields(lang, choices, values, errors), errors: Object.keys(errors) });
    return page(lang, t.formTitle, body, { switchHref: lang === 'zh' ? '/?lang=en' : '/?lang=zh' });
  }

  // Each form carries a token of its own: never from a cache, which would hand one customer's token
  // (and so one complaint) to the next, or bring it back with the browser's Back button.
  router.get('/', async (req, res) => {
    res.set('cache-control', 'no-store').type('html').send(await renderForm(language(req)));
  });

  // The form posts here (multipart, so that photos can come along). Bad fields re-render the form
  // with the customer's values and a message beside each field; success redirects to the
  // confirmation (so a reload does not post again). The form token, issued with the form, makes a
  // double click, or a repeat after a lost answer, the same complaint; a token this server did not
  // issue is ignored. When the database does not answer, nothing is taken: the form comes back with
  // what the customer typed and a request to send it again shortly. When only Temporal does not
  // answer, the complaint is stored and accepted, and its workflow starts later.
  router.post('/', deps.formLimit, multipartForm, async (req, res) => {
    const lang = language(req);
    const raw = (req.body ?? {}) as Record<string, unknown>;
    const values: Values = Object.fromEntries(FORM_FIELDS.map((name) => [name, typeof raw[name] === 'string' ? raw[name].trim() : '']));
    const issued = verifyFormToken(deps.config.AUTH_SECRET, raw.formToken);
    const formToken = issued ? (raw.formToken as string) : undefined;
    try {
      const attachments = acceptedAttachments(req);
      // The page's language is the customer's: their emails are written in it.
      const complaint = complaintInputSchema.parse({ ...nest(values), channel: 'web_form', language: lang });
      const { number, created, started } = await submitComplaint(deps, complaint, issued && `form:${issued}`, attachments, { public: true });
      deps.logger.info({ number, created, started, channel: 'web_form', attachments: attachments.length }, created ? 'complaint received' : 'form submitted again');
      res.redirect(303, `/submitted/${number}?lang=${lang}`);
    } catch (error) {
      if (dependencyUnavailable(error)) {
        deps.logger.warn({ err: { name: (error as Error).name, message: (error as Error).message } }, 'the database does not answer: the form is shown again');
        res.status(503).set({ 'retry-after': '10', 'cache-control': 'no-store' }).type('html').send(await renderForm(lang, values, {}, formToken, STRINGS[lang].unavailable));
        return;
      }
      const issues = error instanceof ZodError ? error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) : error instanceof HttpError && error.status === 400 ? error.details : undefined;
      if (!issues) throw error;
      const errors: Record<string, string> = {};
      for (const issue of issues) errors[issue.path] ??= lang === 'zh' ? inChinese(issue.message) : issue.message;
      res.status(400).set('cache-control', 'no-store').type('html').send(await renderForm(lang, values, errors, formToken));
    }
  });

  router.get('/submitted/:number', (req, res) => {
    const number = String(req.params.number);
    if (!COMPLAINT_NUMBER_PATTERN.test(number)) throw new HttpError(404, 'not_found', 'page not found');
    const lang = language(req);
    res.type('html').send(page(lang, STRINGS[lang].formTitle, views.submitted({ t: STRINGS[lang], language: lang, number })));
  });

  // The staff console (runtime/console): one shell for each of its pages, which reads the API with
  // the signed-in user's session; the API enforces who sees and does what. Emails link to
  // /complaints/<number>.
  const consolePage: RequestHandler = (req, res) => {
    res
      .set('cache-control', 'no-store')
      .type('html')
      .send(consoleShell({ title: STRINGS[language(req)].brand, lang: language(req), nonce: cspNonce(res), service: 'intake', intakeBaseUrl: deps.config.PUBLIC_BASE_URL, reportingBaseUrl: deps.config.REPORTING_BASE_URL }));
  };
  for (const route of CONSOLE_ROUTES) router.get(route, consolePage);
  return router;
}
