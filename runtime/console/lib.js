// The console's shared parts: the API client, the signed-in user, the words in Chinese and English,
// and the components every page is built from (Page, DataTable, Form). Every rule, scope and
// refusal stays in the API and the workflow: the pages only ask and show the answer.
import { html, render, useState, useEffect, useMemo, useRef, useCallback } from './vendor/preact.js';
import LABELS from './labels.js';
import VOCABULARY from './vocabulary.js';

export { html, render, useState, useEffect, useMemo, useRef, useCallback, LABELS, VOCABULARY };

const root = () => document.getElementById('root');
const dataset = () => (root() ? root().dataset : {});

// ---------------------------------------------------------------------------------------------
// The signed-in user

let sessionPromise = null;

/** Where the sign-in page sends the user back to after signing in. */
export function signInHref() {
  return '/login?next=' + encodeURIComponent(location.pathname + location.search);
}

/**
 * The signed-in user (`GET /api/session`, read once per page): username, displayName, role,
 * dealerCode, region, language, csrfToken. Without a session the sign-in page is shown.
 */
export function getSession() {
  sessionPromise ??= fetch('/api/session', { headers: { accept: 'application/json' } }).then(async (res) => {
    if (res.status === 401 || res.status === 403) {
      location.assign(signInHref());
      return new Promise(() => {});
    }
    if (!res.ok) throw new ApiError(res.status, 'session_unavailable', res.statusText);
    const session = await res.json();
    // A one-time password is changed before the session may act.
    if (session.mustChangePassword) {
      location.assign('/password' + (lang() === 'en' ? '?lang=en' : ''));
      return new Promise(() => {});
    }
    return session;
  });
  return sessionPromise;
}

let SESSION = null;
/** The session once main.js has read it (pages draw only after that). */
export const session = () => SESSION;
export async function loadSession() {
  SESSION = await getSession();
  return SESSION;
}

// ---------------------------------------------------------------------------------------------
// The page's language: ?lang= in the address, else the user's choice on this browser, else the
// language of the user's account, else Chinese.

const LANG_KEY = 'console.lang';

export function lang() {
  const asked = new URLSearchParams(location.search).get('lang');
  if (asked === 'zh' || asked === 'en') return asked;
  let kept = null;
  try {
    kept = localStorage.getItem(LANG_KEY);
  } catch {
    // storage refused (private mode): the account's language then
  }
  if (kept === 'zh' || kept === 'en') return kept;
  if (SESSION && (SESSION.language === 'en' || SESSION.language === 'zh')) return SESSION.language;
  return dataset().lang === 'en' ? 'en' : 'zh';
}

/** Switches the page's language, kept on this browser. */
export function setLang(language) {
  try {
    localStorage.setItem(LANG_KEY, language);
  } catch {
    // storage refused: the address carries it instead
  }
  const url = new URL(location.href);
  url.searchParams.delete('lang');
  if (url.href !== location.href) history.replaceState(history.state, '', url.href);
  location.reload();
}

/**
 * A page's words: `strings({ zh: {...}, en: {...} })` → `t(key, ...args)`. A value may be a
 * function of the arguments; `{0}`, `{1}` in a text are replaced by them. A key without words
 * shows as itself, so a missing word is seen, not hidden.
 */
export function strings(register) {
  return (key, ...args) => {
    const words = register[lang()] ?? register.zh;
    const value = words[key] ?? register.en?.[key] ?? key;
    if (typeof value === 'function') return value(...args);
    return args.length ? String(value).replace(/\{(\d+)\}/g, (_, i) => String(args[Number(i)] ?? '')) : value;
  };
}

/** A product label: `label('status', 'awaiting_reply')` → 待回复 / Awaiting reply. */
export function label(group, value) {
  if (value === undefined || value === null || value === '') return '—';
  return LABELS[lang()]?.[group]?.[value] ?? value;
}

const ROLE_NAMES = {
  zh: { coordinator: '协调员', call_center: '呼叫中心', dealer: '服务商', regional_manager: '片区经理', hq: '总部', hotline: '热线' },
  en: { coordinator: 'Coordinator', call_center: 'Call center', dealer: 'Dealer', regional_manager: 'Regional manager', hq: 'Headquarters', hotline: 'Hotline' },
};
export const roleName = (role) => ROLE_NAMES[lang()][role] ?? role;

const ACTION_ZH = {
  dispatch: '派工',
  acknowledge: '确认',
  contact: '联系客户',
  reply: '回复',
  'request-closure': '申请关闭',
  'follow-up': '回访',
  'force-close': '强制关闭',
  reassign: '改派',
  upgrade: '升级',
  'acknowledge-major': '重大投诉确认',
  'written-report': '书面报告',
  'adding files': '添加附件',
};

const FIELD_ZH = {
  'is required': '必填',
  'must be a phone number (digits, spaces or dashes)': '请填写有效的电话号码',
  'must be a 17-character VIN without I, O or Q': 'VIN 应为17位，不含字母 I、O、Q',
  'must be an email address': '请填写有效的电子邮箱',
  'must be a dealer code (capital letters, digits, - or _)': '请选择服务商',
  'is not a known dealer': '不是已登记的服务商',
  'is no longer in the service network': '该服务商已不在服务网络中',
  'is no longer in the service network: choose another dealer': '该服务商已不在服务网络中，请选择其他服务商',
  'each file must be at most 5 MB': '每个文件不能超过 5 MB',
  'at most 5 files': '最多5个文件',
  'only JPEG, PNG, WebP photos and PDF documents are accepted': '只接受 JPEG、PNG、WebP 照片和 PDF 文档',
  'is not an attachment of this complaint': '不是本投诉的附件',
  'The request has invalid fields': '有字段填写不正确',
  'complaint not found': '找不到该投诉',
  'the complaint is still being received: try again in a moment': '投诉仍在受理中，请稍后再试',
  'the call center dispatches repair requests only: a complaint is dispatched by the coordinator': '呼叫中心只能派工报修；投诉由协调员派工',
  'a complaint is replied to by its dealer': '投诉由其服务商回复',
  'the call center follows up minor complaints': '一般投诉由呼叫中心回访',
  'the complaint is already major': '该投诉已是重大投诉',
  'the complaint is not major': '该投诉不是重大投诉',
  'the major complaint is already acknowledged': '该重大投诉已确认',
  'a written report is for major complaints': '书面报告只用于重大投诉',
  'Invalid input': '输入不正确',
  'must be a date YYYY-MM-DD': '请填写日期（YYYY-MM-DD）',
  'is not a calendar date': '不是有效的日期',
  'Too small: expected string to have >=1 characters': '必填',
  'was loaded before with other days: give the corrected calendar a new version': '该版本已载入且日期不同：更正后的日历请使用新的版本号',
  'exists with other values: give the changed policy a new version': '该版本已存在且内容不同：修改后的政策请使用新的版本号',
  'must be later than now: a policy applies to complaints received after it takes effect': '应晚于现在：政策只适用于生效后受理的抱怨',
  'must be less than 24 hours (the work order is confirmed the day it arrives)': '应小于 24 小时（工单当日确认）',
  'must be an ISO 8601 date-time with offset': '请填写带时区的时间（ISO 8601）',
  'Too small: expected number to be >=1': '最小为 1',
  'Too big: expected number to be <=5': '最大为 5',
};

const zhLabel = (group, value) => LABELS.zh?.[group]?.[value] ?? value;

// The workflow's refusals and the API's messages that carry a value, as patterns.
const PATTERNS_ZH = [
  [/^(.+) is not possible while the complaint is (\w+)$/, (m) => `投诉当前为「${zhLabel('status', m[2])}」，不能${ACTION_ZH[m[1]] ?? m[1]}`],
  [/^(\w+) is answered by the call center without a dealer$/, (m) => `${zhLabel('kind', m[1])}由呼叫中心直接答复，无需服务商`],
  [/^(\w+) is answered by the call center$/, (m) => `${zhLabel('kind', m[1])}由呼叫中心答复`],
  [/^a repair request dispatched by the call center gives its repairCase/, () => '呼叫中心派工报修时须选择报修情形'],
  [/^a product_quality reply must give (.+)$/, (m) => `产品质量类回复须填写：${m[1].split(/,\s*/).map((f) => ({ cause: '原因', qualityDefect: '是否质量缺陷', partsReplaced: '更换零件' })[f] ?? f).join('、')}`],
  [/^a major complaint’s satisfied follow-up is a visit by the regional manager of (.+)$/, (m) => `重大投诉的满意回访须由${m[1] === 'its region' ? '所在片区' : ` ${m[1]} 片区`}的片区经理上门面谈`],
  [/^the complaint is already with (.+)$/, (m) => `投诉已在服务商 ${m[1]} 处`],
  [/^files are added by the (.+)$/, (m) => `附件只能由${m[1].split(/,\s*/).map((r) => ROLE_NAMES.zh[r] ?? r).join('、')}添加`],
  [/^dealer (\S+) is not in the directory$/, (m) => `服务商 ${m[1]} 不在目录中`],
  [/^dealer (\S+) is no longer in the service network(?: \(delisted from (.+)\))?$/, (m) => `服务商 ${m[1]} 已不在服务网络中${m[2] ? `（自 ${m[2]} 撤站）` : ''}`],
  // The working calendar's and the policy's checks (shared/src/calendar.ts, policy.ts).
  [/^(\S+) \((.+)\) is outside (\d{4})$/, (m) => `${m[1]}（${m[2]}）不在 ${m[3]} 年内`],
  [/^(.+) ends \((\S+)\) before it starts \((\S+)\)$/, (m) => `${m[1]}的结束日期（${m[2]}）早于开始日期（${m[3]}）`],
  [/^(\S+) \((.+)\) is also a holiday in holidays\[\d+\] \((.+)\)$/, (m) => `${m[1]}（${m[2]}）同时是假期「${m[3]}」`],
  [/^(\S+) \((.+)\) is a weekday; a make-up working day is a Saturday or Sunday$/, (m) => `${m[1]}（${m[2]}）是周一至周五；调休上班日应为周六或周日`],
  [/^(\S+) is listed twice$/, (m) => `${m[1]} 重复列出`],
  [/^(\S+) \((.+)\) is listed after (\S+): list the make-up days in date order$/, (m) => `${m[1]}（${m[2]}）排在 ${m[3]} 之后：请按日期顺序排列调休上班日`],
  [/^(.+) \((\S+)\) overlaps (.+) \((\S+)\)$/, (m) => `${m[1]}（${m[2]}）与${m[3]}（${m[4]}）重叠`],
  [/^(.+) \((\S+)\) is listed after (.+) \((\S+)\): list the holidays in date order$/, (m) => `${m[1]}（${m[2]}）排在${m[3]}（${m[4]}）之后：请按日期顺序排列假期`],
  [/^is (.+), but this is the calendar for (\d{4})$/, (m) => `为 ${m[1]}，但这是 ${m[2]} 年的日历`],
  [/^must be less than the shortest closure deadline \((\d+) days = (\d+) hours\)$/, (m) => `应小于最短的闭环时限（${m[1]} 天 = ${m[2]} 小时）`],
  [/^must be less than (\S+)$/, (m) => `应小于 ${m[1]}`],
  [/^([^:]+): (.+)$/, (m) => (FIELD_ZH[m[2]] ? `${m[1]}：${FIELD_ZH[m[2]]}` : null)],
];

/** A refusal reason or field message from the API, in the page's language (they come in English). */
export function refusalText(message) {
  if (!message || lang() !== 'zh') return message;
  if (FIELD_ZH[message]) return FIELD_ZH[message];
  for (const [pattern, say] of PATTERNS_ZH) {
    const m = message.match(pattern);
    const text = m && say(m);
    if (text) return text;
  }
  return message;
}

/**
 * A page's own translations of the API's refusals (patterns of its messages), before the common
 * ones: a function that puts a refusal's message and field messages in the page's language.
 */
export function refusalLocaliser(patterns) {
  const say = (message) => {
    if (lang() !== 'zh' || !message) return message;
    for (const [pattern, text] of patterns) {
      const m = message.match(pattern);
      if (m) return text(m);
    }
    return refusalText(message);
  };
  return (err) => {
    if (!err || typeof err !== 'object' || !('status' in err)) return err;
    err.message = say(err.message);
    err.details = (err.details ?? []).map((d) => ({ ...d, message: say(d.message) }));
    return err;
  };
}

// ---------------------------------------------------------------------------------------------
// Times: always Beijing time, as the working calendar and the clocks are.

export function when(iso, options = {}) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  const format = new Intl.DateTimeFormat(lang() === 'zh' ? 'zh-CN' : 'en-GB', {
    timeZone: 'Asia/Shanghai',
    year: options.year === false ? undefined : 'numeric',
    month: '2-digit',
    day: '2-digit',
    ...(options.dateOnly ? {} : { hour: '2-digit', minute: '2-digit', hour12: false }),
  });
  return format.format(date);
}

// ---------------------------------------------------------------------------------------------
// The API

export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const freshKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * One key per submission of a form, kept while the answer is unknown (the network failed, the
 * server was busy): pressing the button again is then the same action, taken once. An answer,
 * accepted or refused, starts a new one.
 */
export function submissionKey() {
  let key = freshKey();
  const answered = (error) => !error || (error.status && error.status < 500 && error.code !== 'request_in_progress');
  return {
    get: () => key,
    settle(error) {
      if (answered(error)) key = freshKey();
    },
  };
}

/**
 * Calls the JSON API with the session cookie and its CSRF token: `api(path, { method, body, key,
 * base })` → the answer's JSON, or throws ApiError { status, code, message, details }. A FormData
 * body is sent as multipart; `key` is the submission's Idempotency-Key. 401: the sign-in page.
 */
export async function api(path, { method = 'GET', body, key, base = '', headers = {} } = {}) {
  const s = SESSION ?? (method === 'GET' ? null : await getSession());
  const all = { accept: 'application/json', ...headers };
  if (method !== 'GET' && s) all['x-csrf-token'] = s.csrfToken;
  if (key) all['idempotency-key'] = key;
  let payload = body;
  if (body !== undefined && !(body instanceof FormData) && typeof body !== 'string') {
    payload = JSON.stringify(body);
    all['content-type'] = 'application/json';
  } else if (typeof body === 'string') all['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(base + path, { method, headers: all, body: payload, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', lang() === 'zh' ? '网络不通，请稍后再试' : 'The network did not answer: try again');
  }
  if (res.status === 401) {
    location.assign(signInHref());
    throw new ApiError(401, 'unauthorized', 'sign in again');
  }
  const type = res.headers.get('content-type') ?? '';
  const answer = type.includes('json') ? await res.json().catch(() => null) : type.startsWith('text/') ? await res.text() : res;
  if (!res.ok) {
    const b = answer && typeof answer === 'object' ? answer : {};
    throw new ApiError(res.status, b.error ?? 'error', b.message ?? res.statusText, Array.isArray(b.details) ? b.details : []);
  }
  return answer;
}

/** The query string of an object, without empty values. */
export function queryString(query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? '?' + s : '';
}

/** An error's text for the page, in its language: the refusal reason and the fields it names. */
export function errorText(error) {
  if (!error) return '';
  const message = refusalText(error.message);
  const details = (error.details ?? []).map((d) => `${d.path}: ${refusalText(d.message)}`);
  return details.length && error.status !== 400 ? message : [message, ...details].filter(Boolean).join(' — ');
}

// ---------------------------------------------------------------------------------------------
// Components

const t = strings({
  zh: {
    brand: '投诉闭环',
    complaints: '投诉',
    workOrders: '我的工单',
    newComplaint: '登记投诉',
    followUps: '待回访',
    claims: '特殊索赔',
    directory: '服务网络',
    calendars: '日历与政策',
    calendarMissing: (year) => `尚未载入 ${year} 年的工作日历：落在 ${year} 年的期限只扣除周末，可能落在法定节假日。国务院办公厅公布放假安排后请尽快载入。`,
    yearMissing: (year) => `没有 ${year} 年的工作日历：期限只扣除周末，可能落在法定节假日。`,
    loadCalendar: '载入工作日历',
    users: '用户',
    tokens: '机器令牌',
    penalties: '处罚',
    whatIf: '政策模拟',
    serviceVisits: '进站记录',
    dashboard: '看板',
    signOut: '退出',
    switchLanguage: 'English',
    loading: '加载中…',
    none: '没有符合条件的记录',
    total: (n) => `共 ${n} 条`,
    pageOf: (p, n) => `第 ${p} / ${n} 页`,
    previous: '上一页',
    next: '下一页',
    filter: '筛选',
    clear: '清除',
    any: '全部',
    yes: '是',
    no: '否',
    perPage: '每页',
    sending: '提交中…',
    done: '已完成',
    fixFields: '请改正标出的字段',
  },
  en: {
    brand: 'Complaint loop',
    complaints: 'Complaints',
    workOrders: 'My work orders',
    newComplaint: 'Record a complaint',
    followUps: 'Follow-ups',
    claims: 'Claims',
    directory: 'Directory',
    calendars: 'Calendars & policies',
    calendarMissing: (year) => `The ${year} working calendar is not loaded yet: deadlines that fall in ${year} count weekends only and may fall on public holidays. Load it as soon as the State Council publishes the arrangement.`,
    yearMissing: (year) => `There is no working calendar for ${year}: deadlines count weekends only and may fall on public holidays.`,
    loadCalendar: 'Load the calendar',
    users: 'Users',
    tokens: 'Machine tokens',
    penalties: 'Penalties',
    whatIf: 'What-if',
    serviceVisits: 'Service visits',
    dashboard: 'Dashboard',
    signOut: 'Sign out',
    switchLanguage: '中文',
    loading: 'Loading…',
    none: 'Nothing matches',
    total: (n) => `${n} in all`,
    pageOf: (p, n) => `page ${p} of ${n}`,
    previous: 'Previous',
    next: 'Next',
    filter: 'Filter',
    clear: 'Clear',
    any: 'Any',
    yes: 'Yes',
    no: 'No',
    perPage: 'Per page',
    sending: 'Sending…',
    done: 'Done',
    fixFields: 'Correct the marked fields',
  },
});
export const libText = t;

// Each role's pages (SPEC §1, §7). `service`: which service serves the page.
const NAV = [
  { key: 'workOrders', path: '/complaints', roles: ['dealer'] },
  { key: 'complaints', path: '/complaints', roles: ['coordinator', 'call_center', 'regional_manager', 'hq'] },
  { key: 'followUps', path: '/follow-ups', roles: ['call_center'] },
  { key: 'newComplaint', path: '/complaints/new', roles: ['call_center', 'coordinator'] },
  { key: 'claims', path: '/claims', roles: ['coordinator', 'dealer'] },
  { key: 'directory', path: '/directory', roles: ['coordinator'] },
  { key: 'serviceVisits', path: '/service-visits', roles: ['coordinator', 'hq'], service: 'reporting' },
  { key: 'penalties', path: '/penalties', roles: ['coordinator', 'hq'], service: 'reporting' },
  { key: 'whatIf', path: '/what-if', roles: ['coordinator', 'hq'], service: 'reporting' },
  { key: 'dashboard', path: '/dashboard', roles: ['coordinator', 'call_center', 'regional_manager', 'hq', 'dealer'], service: 'reporting' },
  { key: 'calendars', path: '/calendars', roles: ['coordinator'] },
  { key: 'users', path: '/users', roles: ['coordinator'] },
  { key: 'tokens', path: '/tokens', roles: ['coordinator'] },
];

/** A link to a console page, on the service that serves it (intake or reporting). */
export function pageHref(path, service = 'intake') {
  const here = dataset().service ?? 'intake';
  if (service === here) return path;
  const base = service === 'reporting' ? dataset().reporting : dataset().intake;
  return (base ?? '').replace(/\/$/, '') + path;
}

/**
 * Ends the session on the server (intake and reporting both end it: it is one session), then shows
 * intake's sign-in page.
 */
export async function signOut(event) {
  event?.preventDefault();
  const s = SESSION ?? (await getSession());
  await fetch('/logout', { method: 'POST', headers: { 'x-csrf-token': s?.csrfToken ?? '' }, redirect: 'manual' }).catch(() => null);
  location.assign(pageHref('/login?signedOut' + (lang() === 'en' ? '&lang=en' : ''), 'intake'));
}

/** The frame of every console page: who is signed in, the role's pages, the language switch, sign out. */
export function Page({ title, children, actions }) {
  const s = SESSION;
  useEffect(() => {
    document.title = `${title} · ${t('brand')}`;
    document.documentElement.lang = lang() === 'en' ? 'en' : 'zh-CN';
  }, [title]);
  const here = location.pathname;
  const links = s ? NAV.filter((n) => n.roles.includes(s.role)) : [];
  const who = s ? [s.displayName && s.displayName !== s.username ? s.displayName : null, s.username, roleName(s.role), s.dealerCode, s.region].filter(Boolean).join(' · ') : '';
  return html`
    <header class="top">
      <strong class="brand">${t('brand')}</strong>
      <nav>
        ${links.map((n) => html`<a href=${pageHref(n.path, n.service)} class=${here === n.path && (n.service ?? 'intake') === (dataset().service ?? 'intake') ? 'current' : ''}>${t(n.key)}</a>`)}
      </nav>
      <span class="who">
        <span data-who>${who}</span>
        <a href="#" data-lang-switch onClick=${(e) => { e.preventDefault(); setLang(lang() === 'zh' ? 'en' : 'zh'); }}>${t('switchLanguage')}</a>
        <a href="#" data-sign-out onClick=${signOut}>${t('signOut')}</a>
      </span>
    </header>
    <main class="console">
      ${s?.role === 'coordinator' ? html`<${CalendarNotice} />` : null}
      <div class="title-row"><h1>${title}</h1>${actions ?? null}</div>
      ${children}
    </main>
  `;
}

/**
 * SPEC §4: the coordinator is told where they look that a year's working calendar is missing (from
 * November 1, next year's), until it is loaded. The server decides when (`GET /api/calendars`).
 */
function CalendarNotice() {
  const [warnings, setWarnings] = useState([]);
  useEffect(() => {
    const load = () =>
      api('/api/calendars').then(
        (answer) => setWarnings(answer.warnings ?? []),
        () => setWarnings([]), // the page's own requests say when the server does not answer
      );
    load();
    // The calendars page says when it loaded one: the warning goes at once.
    addEventListener('calendars-changed', load);
    return () => removeEventListener('calendars-changed', load);
  }, []);
  if (!warnings.length) return null;
  return html`<div class="banner warn" role="alert" data-calendar-warning>
    ${warnings.map((w) => html`<p>${t(w.code === 'next_year_missing' ? 'calendarMissing' : 'yearMissing', w.year)}</p>`)}
    <a href=${pageHref('/calendars?year=' + warnings[0].year + '&edit=new', 'intake')}>${t('loadCalendar')} →</a>
  </div>`;
}

/** A message box: ok (green) or not (red); nothing when empty. */
export function Banner({ ok, children }) {
  if (!children) return null;
  return html`<div class=${'banner ' + (ok ? 'ok' : 'bad')} role=${ok ? 'status' : 'alert'}>${children}</div>`;
}

/** The address's query as an object. */
export function currentQuery() {
  return Object.fromEntries(new URLSearchParams(location.search));
}

/** Keeps a page's state in the address (so a list is linkable and Back works). */
export function useUrlQuery() {
  const [query, setQuery] = useState(currentQuery());
  useEffect(() => {
    const back = () => setQuery(currentQuery());
    addEventListener('popstate', back);
    return () => removeEventListener('popstate', back);
  }, []);
  const update = useCallback((next) => {
    const url = location.pathname + queryString(next);
    history.pushState(null, '', url);
    setQuery(currentQuery());
  }, []);
  return [query, update];
}

function FilterInput({ filter, value, onChange }) {
  const id = 'filter-' + filter.name;
  const change = (e) => onChange(filter.name, e.currentTarget.type === 'checkbox' ? (e.currentTarget.checked ? 'true' : '') : e.currentTarget.value);
  let input;
  if (filter.type === 'select' || filter.type === 'boolean') {
    const options = filter.type === 'boolean' ? [['true', t('yes')], ['false', t('no')]] : filter.options;
    input = html`<select id=${id} name=${filter.name} value=${value ?? ''} onChange=${change}>
      <option value="">${t('any')}</option>
      ${options.map(([v, text]) => html`<option value=${v} selected=${v === value}>${text}</option>`)}
    </select>`;
  } else {
    input = html`<input id=${id} name=${filter.name} type=${filter.type === 'date' ? 'date' : 'text'} value=${value ?? ''} placeholder=${filter.placeholder ?? ''} onChange=${change} />`;
  }
  return html`<label class="filter" for=${id}><span>${filter.label}</span>${input}</label>`;
}

/**
 * A list with filters, sorting, paging and its count, all kept in the address.
 * columns: [{ key, label, sort?: field, render?: (row) => vnode }]; load(query) → { items, total };
 * filters: [{ name, label, type: 'select'|'boolean'|'date'|'text', options?: [[value, text]] }];
 * initial: the query when the address gives none (e.g. { status: 'open' }).
 */
export function DataTable({ columns, load, filters = [], initial = {}, rowKey = (r) => r.number ?? r.id ?? r.code, rowClass, pageSizes = [20, 50, 100], name = 'list', empty }) {
  const [urlQuery, setUrlQuery] = useUrlQuery();
  const query = useMemo(() => {
    const q = { ...initial, ...urlQuery };
    delete q.lang;
    for (const [k, v] of Object.entries(q)) if (v === '') delete q[k];
    return q;
  }, [JSON.stringify(urlQuery), JSON.stringify(initial)]);
  const page = Number(query.page ?? 1) || 1;
  const pageSize = Number(query.pageSize ?? pageSizes[0]) || pageSizes[0];
  const [state, setState] = useState({ loading: true, items: [], total: 0, error: null, shown: null });
  const [reload, setReload] = useState(0);
  // Which query the rows shown answer: the list is ready only when they answer the address's.
  const asked = JSON.stringify(query) + ':' + reload;
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    load({ ...query, page, pageSize }).then(
      ({ items, total }) => live && setState({ loading: false, items, total, error: null, shown: asked }),
      (error) => live && setState({ loading: false, items: [], total: 0, error, shown: asked }),
    );
    return () => {
      live = false;
    };
  }, [JSON.stringify(query), reload]);

  // Filters, sorting and paging go to the address; what equals the initial query stays out of it.
  const go = (changes) => {
    const next = { ...query, ...changes };
    for (const [k, v] of Object.entries(next)) if (v === '' || v === undefined) delete next[k];
    const explicit = { ...next };
    // a filter cleared from the initial query is kept as empty, so the initial does not come back
    for (const k of Object.keys(initial)) if (!(k in next)) explicit[k] = '';
    if (explicit.page === 1 || explicit.page === '1') delete explicit.page;
    setUrlQuery(explicit);
  };
  const setFilter = (name, value) => go({ [name]: value, page: 1 });
  const sortBy = (field) => {
    const current = query.sort;
    go({ sort: current === field ? '-' + field : current === '-' + field ? field : field, page: 1 });
  };
  const pages = Math.max(1, Math.ceil(state.total / pageSize));
  const arrow = (field) => (query.sort === field ? ' ▲' : query.sort === '-' + field ? ' ▼' : '');

  return html`
    <section class="data-table" data-list=${name} data-state=${!state.loading && state.shown === asked ? 'ready' : 'loading'}>
      ${filters.length
        ? html`<form class="filters" onSubmit=${(e) => e.preventDefault()}>
            ${filters.map((f) => html`<${FilterInput} key=${f.name} filter=${f} value=${query[f.name]} onChange=${setFilter} />`)}
            <button type="button" class="secondary" data-clear onClick=${() => setUrlQuery(Object.fromEntries(Object.keys(initial).map((k) => [k, ''])))}>${t('clear')}</button>
          </form>`
        : null}
      <div class="counts"><span data-total=${state.total}>${t('total', state.total)}</span> · <span>${t('pageOf', Math.min(page, pages), pages)}</span>${state.loading ? html` · <span class="hint">${t('loading')}</span>` : null}</div>
      <${Banner}>${state.error ? errorText(state.error) : ''}<//>
      <table>
        <thead>
          <tr>
            ${columns.map((c) =>
              c.sort
                ? html`<th><a href="#" data-sort=${c.sort} onClick=${(e) => { e.preventDefault(); sortBy(c.sort); }}>${c.label}${arrow(c.sort)}</a></th>`
                : html`<th>${c.label}</th>`,
            )}
          </tr>
        </thead>
        <tbody>
          ${state.items.map(
            (row) => html`<tr key=${rowKey(row)} data-row=${rowKey(row)} class=${rowClass ? rowClass(row) : ''}>
              ${columns.map((c) => html`<td>${c.render ? c.render(row, () => setReload((n) => n + 1)) : (row[c.key] ?? '—')}</td>`)}
            </tr>`,
          )}
        </tbody>
      </table>
      ${!state.loading && !state.error && state.items.length === 0 ? html`<p class="empty">${empty ?? t('none')}</p>` : null}
      <div class="pager">
        <button type="button" class="secondary" disabled=${page <= 1} onClick=${() => go({ page: page - 1 })}>${t('previous')}</button>
        <span>${t('pageOf', Math.min(page, pages), pages)}</span>
        <button type="button" class="secondary" disabled=${page >= pages} onClick=${() => go({ page: page + 1 })}>${t('next')}</button>
        <label class="inline">${t('perPage')}
          <select value=${String(pageSize)} onChange=${(e) => go({ pageSize: e.currentTarget.value, page: 1 })}>
            ${pageSizes.map((n) => html`<option value=${String(n)} selected=${n === pageSize}>${n}</option>`)}
          </select>
        </label>
      </div>
    </section>
  `;
}

/** The error of a field: the API's detail whose path is the field's name or within it (`ratings.overall`). */
function fieldError(error, name) {
  const d = (error?.details ?? []).find((x) => x.path === name || x.path.startsWith(name + '.') || name.startsWith(x.path + '.'));
  return d ? refusalText(d.message) : '';
}

function FieldInput({ field, value, onInput, error }) {
  const id = (field.id ?? 'field') + '-' + field.name.replace(/\W/g, '-');
  const set = (e) => {
    const el = e.currentTarget;
    onInput(field.name, el.type === 'checkbox' ? el.checked : el.type === 'file' ? el.files : el.value);
  };
  let input;
  switch (field.type) {
    case 'textarea':
      input = html`<textarea id=${id} name=${field.name} rows=${field.rows ?? 3} value=${value ?? ''} onInput=${set} maxlength=${field.maxlength} required=${field.required}></textarea>`;
      break;
    case 'select':
      input = html`<select id=${id} name=${field.name} onChange=${set} required=${field.required}>
        ${field.placeholder !== false ? html`<option value="">${field.placeholder ?? '—'}</option>` : null}
        ${(field.options ?? []).map(([v, text]) => html`<option value=${v} selected=${v === value}>${text}</option>`)}
      </select>`;
      break;
    case 'checkbox':
      return html`<label class=${'check' + (error ? ' invalid' : '')} for=${id} data-field=${field.name}>
        <input id=${id} type="checkbox" name=${field.name} checked=${!!value} onChange=${set} /> ${field.label}
        ${field.hint ? html`<span class="hint">${field.hint}</span>` : null}
        ${error ? html`<span class="error">${error}</span>` : null}
      </label>`;
    case 'file':
      input = html`<input id=${id} type="file" name=${field.name} multiple=${field.multiple ?? true} accept=${field.accept} onChange=${set} />`;
      break;
    default:
      input = html`<input id=${id} type=${field.type ?? 'text'} name=${field.name} value=${value ?? ''} onInput=${set} min=${field.min} max=${field.max} maxlength=${field.maxlength} required=${field.required} autocomplete=${field.autocomplete ?? 'off'} list=${field.list} />`;
  }
  return html`<div class=${'field' + (error ? ' invalid' : '')} data-field=${field.name}>
    <label for=${id}>${field.label}${field.required ? html`<span class="req"> *</span>` : null}</label>
    ${field.hint ? html`<span class="hint">${field.hint}</span>` : null}
    ${input}
    ${error ? html`<span class="error" data-error=${field.name}>${error}</span>` : null}
  </div>`;
}

/**
 * A form that calls the API: fields [{ name, label, type, options, required, hint, value }],
 * submit(values, key) → the answer (throws ApiError); onDone(answer). Each field's error is shown
 * beside it, the refusal reason beside the button, in the page's language. The submission's
 * Idempotency-Key is kept until an answer comes.
 */
export function Form({ fields, submit, submitLabel, onDone, name, title, intro, className, resetOnDone = true, children }) {
  const initialValues = () =>
    Object.fromEntries(fields.map((f) => [f.name, f.value ?? (f.type === 'checkbox' ? false : f.type === 'select' && f.placeholder === false ? (f.options?.[0]?.[0] ?? '') : '')]));
  const [values, setValues] = useState(initialValues);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [done, setDone] = useState('');
  const key = useRef(null);
  key.current ??= submissionKey();
  const formRef = useRef(null);
  const onInput = (n, v) => setValues((old) => ({ ...old, [n]: v }));
  const onSubmit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setDone('');
    const clean = {};
    for (const f of fields) {
      const v = values[f.name];
      clean[f.name] = typeof v === 'string' ? v.trim() : v;
    }
    try {
      const answer = await submit(clean, key.current.get());
      key.current.settle();
      if (resetOnDone) {
        setValues(initialValues());
        formRef.current?.reset();
      }
      setDone(t('done'));
      if (onDone) await onDone(answer, clean);
    } catch (err) {
      key.current.settle(err);
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const named = new Set(fields.map((f) => f.name));
  const unplaced = (error?.details ?? []).filter((d) => ![...named].some((n) => d.path === n || d.path.startsWith(n + '.') || n.startsWith(d.path + '.')));
  const reason = error ? [error.status === 400 && !unplaced.length ? t('fixFields') : refusalText(error.message), ...unplaced.map((d) => `${d.path}: ${refusalText(d.message)}`)].filter(Boolean).join(' — ') : '';
  return html`<form ref=${formRef} class=${'console-form ' + (className ?? '')} data-form=${name} onSubmit=${onSubmit} novalidate>
    ${title ? html`<h3>${title}</h3>` : null}
    ${intro ? html`<p class="hint">${intro}</p>` : null}
    ${fields.map((f) => html`<${FieldInput} key=${f.name} field=${{ ...f, id: name }} value=${values[f.name]} onInput=${onInput} error=${fieldError(error, f.name)} />`)}
    ${children}
    <div class="form-actions">
      <button type="submit" disabled=${busy}>${busy ? t('sending') : submitLabel}</button>
      ${reason ? html`<span class="refusal" role="alert" data-refusal>${reason}</span>` : null}
      ${done && !reason ? html`<span class="ok" role="status">${done}</span>` : null}
    </div>
  </form>`;
}
