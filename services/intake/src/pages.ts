import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type Request, type RequestHandler, type Router } from 'express';
import Handlebars from 'handlebars';
import { ZodError } from 'zod';
import { CATEGORIES, complaintInputSchema, COMPLAINT_NUMBER_PATTERN, KINDS, LABELS, type Language } from '@complaints/shared';
import { listDealers } from '@complaints/activities';
import { dependencyUnavailable, HttpError, type Logger } from '@complaints/runtime';
import { ACCEPTED_TYPES, acceptedAttachments, createMultipartForm } from './attachments';
import { submitComplaint, type SubmitDeps } from './submit';
import { issueFormToken, verifyFormToken } from './formTokens';

// The pages people use: the public complaint form (SPEC §2, channel web_form) and the work-order
// page a dealer (or the coordinator, the call center) handles complaints from. Views are files in
// ../views; the words are here, Chinese by default and English on request (?lang=en).

const VIEWS_DIR = path.resolve(__dirname, '../views');

const STRINGS = {
  zh: {
    htmlLang: 'zh-CN',
    brand: '售后服务 · 客户抱怨处理',
    switchLanguage: 'English',
    formTitle: '客户抱怨受理',
    formIntro: '请填写以下信息，我们将在24小时内安排服务商与您联系。带 * 的为必填项。',
    fixFields: '提交未成功：请修改下方标红的内容。',
    submit: '提交',
    submittedLead: '您的抱怨已受理，抱怨编号：',
    submittedNext: '请记下此编号以便查询。服务商将尽快与您联系，处理结果将由客服中心回访确认。',
    another: '再提交一条',
    fields: {
      kind: '类型 *',
      'customer.name': '姓名 *',
      'customer.phone': '联系电话 *',
      'customer.email': '电子邮箱',
      'vehicle.plate': '车牌号',
      'vehicle.vin': '车辆识别代号（VIN）',
      dealerCode: '服务商',
      category: '抱怨分类 *',
      description: '问题描述 *',
      request: '您的诉求',
      attachments: '附件（照片、单据）',
    },
    hints: { 'vehicle.vin': '17位，不含字母 I、O、Q', attachments: '最多5个文件，每个不超过5 MB，JPEG/PNG/WebP/PDF', dealerCode: '您通常去的服务站' },
    unknownDealer: '不清楚 / 其他',
    messages: {} as Record<string, string>,
    tooMany: '提交过于频繁，请稍后再试。',
    unavailable: '系统暂时繁忙，您的抱怨尚未提交。您填写的内容已保留，请稍后再次点击“提交”。',
    signInTitle: '服务商工单登录',
    signInIntro: '请粘贴售后服务部发给您的访问令牌（token）。',
    token: '访问令牌',
    signIn: '登录',
    signOut: '退出',
    badToken: '这不是有效的访问令牌。',
    sessionEnded: '登录已失效，请重新登录。',
    signedInAs: '当前用户',
    roles: { coordinator: '关键客户科', call_center: '客服中心', dealer: '服务商', regional_manager: '大区服务经理', hq: '公司' },
    openWorkOrders: '未闭环工单',
    noWorkOrders: '没有未闭环的工单。',
    workOrder: '服务派工单',
    number: '抱怨编号',
    status: '状态',
    kind: '类型/分类/程度',
    category: '分类',
    channel: '渠道',
    dealer: '服务商',
    received: '受理时间',
    replyDue: '回复期限',
    closureDeadline: '闭环时限',
    overdue: '已超时',
    customer: '客户',
    vehicle: '车辆',
    description: '问题描述',
    request: '客户诉求',
    attachments: '附件',
    actions: '处理',
    nothingToDo: '当前状态下无需您操作。',
    history: '处理记录',
    acknowledge: '确认工单',
    contact: '记录联系客户',
    note: '备注',
    reply: '提交回复',
    replyText: '回复内容',
    final: '最终结果（问题已解决）',
    cause: '故障原因',
    qualityDefect: '是否质量缺陷',
    partsReplaced: '更换零件（逗号分隔，未更换留空）',
    yes: '是',
    no: '否',
    requestClosure: '申请关闭',
    followUp: '记录回访结果',
    outcome: '回访结果',
    outcomes: { satisfied: '满意', unsatisfied: '不满意', false_reply: '虚假回复', unreachable: '联系不上' },
    done: '已完成',
  },
  en: {
    htmlLang: 'en',
    brand: 'After-sales service · Customer complaints',
    switchLanguage: '中文',
    formTitle: 'Tell us about a problem',
    formIntro: 'Fill in the form and a dealer will contact you within 24 hours. Fields marked * are required.',
    fixFields: 'Not sent yet: please correct the fields marked in red.',
    submit: 'Submit',
    submittedLead: 'We have received your complaint. Its number is:',
    submittedNext: 'Please keep this number. A dealer will contact you soon, and our call center will call you to confirm the result.',
    another: 'Submit another',
    fields: {
      kind: 'Type *',
      'customer.name': 'Name *',
      'customer.phone': 'Phone *',
      'customer.email': 'Email',
      'vehicle.plate': 'Plate number',
      'vehicle.vin': 'VIN',
      dealerCode: 'Dealer',
      category: 'Category *',
      description: 'What happened *',
      request: 'What you would like us to do',
      attachments: 'Attachments (photos, receipts)',
    },
    hints: { 'vehicle.vin': '17 characters, no I, O or Q', attachments: 'up to 5 files, 5 MB each: JPEG, PNG, WebP or PDF', dealerCode: 'the dealer you usually visit' },
    unknownDealer: 'Not sure / other',
    messages: {} as Record<string, string>,
    tooMany: 'Too many submissions: please try again in a minute.',
    unavailable: 'We cannot take your complaint just now, and it has not been sent. What you typed is kept: please press Submit again in a moment.',
    signInTitle: 'Dealer work orders: sign in',
    signInIntro: 'Paste the access token the after-sales department gave you.',
    token: 'Access token',
    signIn: 'Sign in',
    signOut: 'Sign out',
    badToken: 'This is not a valid access token.',
    sessionEnded: 'Your session has ended: please sign in again.',
    signedInAs: 'Signed in as',
    roles: { coordinator: 'coordinator', call_center: 'call center', dealer: 'dealer', regional_manager: 'regional manager', hq: 'headquarters' },
    openWorkOrders: 'Open work orders',
    noWorkOrders: 'No open work orders.',
    workOrder: 'Work order',
    number: 'Number',
    status: 'Status',
    kind: 'Kind / category / severity',
    category: 'Category',
    channel: 'Channel',
    dealer: 'Dealer',
    received: 'Received',
    replyDue: 'Reply due',
    closureDeadline: 'Closure deadline',
    overdue: 'overdue',
    customer: 'Customer',
    vehicle: 'Vehicle',
    description: 'Description',
    request: 'Customer asks for',
    attachments: 'Attachments',
    actions: 'Actions',
    nothingToDo: 'Nothing for you to do in this state.',
    history: 'History',
    acknowledge: 'Confirm the work order',
    contact: 'Record contact with the customer',
    note: 'Note',
    reply: 'Send reply',
    replyText: 'Reply',
    final: 'Final result (solved)',
    cause: 'Cause of the fault',
    qualityDefect: 'Quality defect?',
    partsReplaced: 'Parts replaced (comma-separated; empty if none)',
    yes: 'yes',
    no: 'no',
    requestClosure: 'Request closure',
    followUp: 'Record the follow-up call',
    outcome: 'Outcome',
    outcomes: { satisfied: 'satisfied', unsatisfied: 'unsatisfied', false_reply: 'false reply', unreachable: 'unreachable' },
    done: 'Done',
  },
} satisfies Record<Language, unknown>;

// Field messages in the page's language; the API's English messages are the fallback.
const ZH_MESSAGES: Record<string, string> = {
  'is required': '必填',
  'must be a phone number (digits, spaces or dashes)': '请填写有效的电话号码',
  'must be a 17-character VIN without I, O or Q': 'VIN 应为17位，不含字母 I、O、Q',
  'must be an email address': '请填写有效的电子邮箱',
  'must be a dealer code (capital letters, digits, - or _)': '请选择服务商',
  'each file must be at most 5 MB': '每个文件不能超过 5 MB',
  'at most 5 files': '最多5个文件',
  'only JPEG, PNG, WebP photos and PDF documents are accepted': '只接受 JPEG、PNG、WebP 照片和 PDF 文档',
};

/** A field message in Chinese, also when it starts with a file's name (`photo.jpg: only …`). */
function inChinese(message: string): string {
  if (ZH_MESSAGES[message]) return ZH_MESSAGES[message];
  const split = message.indexOf(': ');
  const rest = split > 0 ? ZH_MESSAGES[message.slice(split + 2)] : undefined;
  return rest ? `${message.slice(0, split)}：${rest}` : message;
}

const language = (req: Request): Language => (req.query.lang === 'en' || req.body?.lang === 'en' ? 'en' : 'zh');

function compile(name: string) {
  return Handlebars.compile(readFileSync(path.join(VIEWS_DIR, `${name}.hbs`), 'utf8'), { strict: false });
}

Handlebars.registerHelper('json', (value: unknown) => new Handlebars.SafeString(JSON.stringify(value).replace(/</g, '\\u003c')));

const views = { layout: compile('layout'), form: compile('form'), submitted: compile('submitted'), workorders: compile('workorders') };

function page(lang: Language, title: string, body: string, options: { switchHref?: string; wide?: boolean } = {}): string {
  return views.layout({ t: STRINGS[lang], title, body, ...options });
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

const FORM_FIELDS = ['kind', 'customer.name', 'customer.phone', 'customer.email', 'vehicle.plate', 'vehicle.vin', 'dealerCode', 'category', 'description', 'request'];

export function pageRoutes(deps: SubmitDeps & { logger: Logger; formLimit: RequestHandler }): Router {
  const router = express.Router();
  // This app's upload slots and hourly counts per address.
  const multipartForm = createMultipartForm(deps.config);

  // The dealers of the form's list as last read, so that the form still shows (and keeps what the
  // customer typed) while the database does not answer.
  let dealersSeen: { code: string; name: string }[] = [];
  async function dealers() {
    try {
      dealersSeen = await listDealers(deps.models);
    } catch (error) {
      if (!dependencyUnavailable(error)) throw error;
    }
    return dealersSeen;
  }

  async function renderForm(lang: Language, values: Values = {}, errors: Record<string, string> = {}, formToken = issueFormToken(deps.config.AUTH_SECRET), notice?: string) {
    const t = STRINGS[lang];
    const list = await dealers();
    // The customer's choice is kept even when the list could not be read.
    const choices = values.dealerCode && !list.some((d) => d.code === values.dealerCode) ? [...list, { code: values.dealerCode, name: values.dealerCode }] : list;
    const body = views.form({ t, language: lang, formToken, notice, fields: formFields(lang, choices, values, errors), errors: Object.keys(errors) });
    return page(lang, t.formTitle, body, { switchHref: lang === 'zh' ? '/?lang=en' : '/?lang=zh' });
  }

  router.get('/', async (req, res) => {
    res.type('html').send(await renderForm(language(req)));
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
      const complaint = complaintInputSchema.parse({ ...nest(values), channel: 'web_form' });
      const { number, created, started } = await submitComplaint(deps, complaint, issued && `form:${issued}`, attachments);
      deps.logger.info({ number, created, started, channel: 'web_form', attachments: attachments.length }, created ? 'complaint received' : 'form submitted again');
      res.redirect(303, `/submitted/${number}?lang=${lang}`);
    } catch (error) {
      if (dependencyUnavailable(error)) {
        deps.logger.warn({ err: { name: (error as Error).name, message: (error as Error).message } }, 'the database does not answer: the form is shown again');
        res.status(503).set('retry-after', '10').type('html').send(await renderForm(lang, values, {}, formToken, STRINGS[lang].unavailable));
        return;
      }
      const issues = error instanceof ZodError ? error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) : error instanceof HttpError && error.status === 400 ? error.details : undefined;
      if (!issues) throw error;
      const errors: Record<string, string> = {};
      for (const issue of issues) errors[issue.path] ??= lang === 'zh' ? inChinese(issue.message) : issue.message;
      res.status(400).type('html').send(await renderForm(lang, values, errors, formToken));
    }
  });

  router.get('/submitted/:number', (req, res) => {
    const number = String(req.params.number);
    if (!COMPLAINT_NUMBER_PATTERN.test(number)) throw new HttpError(404, 'not_found', 'page not found');
    const lang = language(req);
    res.type('html').send(page(lang, STRINGS[lang].formTitle, views.submitted({ t: STRINGS[lang], language: lang, number })));
  });

  // The work-order page (emails link to /complaints/<number>). The page holds no data: it signs in
  // with a token and reads the API, which enforces who sees what.
  const workOrders: RequestHandler = (req, res) => {
    const lang = language(req);
    const t = STRINGS[lang];
    const labels = LABELS[lang];
    const target = req.path;
    res.type('html').send(page(lang, t.openWorkOrders, views.workorders({ t, labels, language: lang }), { wide: true, switchHref: `${target}?lang=${lang === 'zh' ? 'en' : 'zh'}` }));
  };
  router.get('/complaints', workOrders);
  router.get('/complaints/:number', workOrders);
  return router;
}
