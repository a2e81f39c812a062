// One complaint: its facts, clocks, files and history, and every action the signed-in role may
// take in its current state, each a labelled button with the form it needs. The workflow decides:
// a refusal (409/422) is shown beside the button, in the page's language.
import { html, useEffect, useState, api, strings, label, when, session, Page, Banner, Form, LABELS, VOCABULARY, lang, errorText, roleName } from '../lib.js';
import { ClaimForm, ClaimsTable, useClaims } from './claims.js';

const t = strings({
  zh: {
    title: (n) => `投诉 ${n}`,
    back: '← 返回列表',
    facts: '概况', clocks: '时限', history: '处理记录', files: '附件', actions: '可执行的操作', nothingToDo: '当前状态下您没有需要执行的操作。',
    status: '状态', kind: '类型', channel: '渠道', dealer: '服务商', region: '片区', received: '受理时间', customer: '客户', vehicle: '车辆',
    description: '问题描述', request: '客户诉求', replyDue: '回复时限', closureDeadline: '闭环时限', overdue: '已超期', escalated: '已升级', major: '重大投诉',
    majorAck: '重大投诉确认', majorReport: '书面报告', yes: '是', no: '否', at: '时间', by: '操作人', what: '内容', none: '无',
    dispatch: '派工', reassign: '改派', upgrade: '升级为重大投诉', forceClose: '强制关闭', requestClosure: '申请关闭', acknowledge: '确认工单',
    contact: '联系客户', reply: '回复', followUp: '回访', acknowledgeMajor: '确认重大投诉', writtenReport: '提交书面报告', addFiles: '上传附件',
    dealerPick: '服务商', suggestion: '处理建议', repairCase: '报修情形', reason: '原因', countAgainst: '计入原服务商考核', countAgainstHint: '客户因原服务商处理不力而转投时计入原服务商',
    note: '备注', replyText: '回复内容', final: '最终回复（处理完毕）', cause: '原因分析', qualityDefect: '是否质量缺陷', partsReplaced: '更换零件', partsHint: '多个零件用逗号分隔；未更换请留空',
    outcome: '回访结果', method: '回访方式', serviceQuality: '服务质量', attitude: '服务态度', priceCheck: '价格核实', overall: '总体满意度', shortcomings: '不足之处', suggestions: '改进建议', ratingsHint: '按 SPEC §3.7 评分，1（很差）至 5（很好）',
    attempts: (n, of) => `联系不上已 ${n} 次${of ? `（共 ${of} 次后关闭）` : ''}`,
    summary: '报告内容', reportFiles: '随附文件', filesField: '文件', filesHint: 'JPEG、PNG、WebP 照片或 PDF，每个不超过 5 MB', noFiles: '暂无附件',
    waitingRecord: '已提交，记录稍后显示。', done: (a) => `已完成：${a}`, erased: '客户个人信息已按规定删除',
    ackHint: '确认已收到工单', attachedBy: '上传者',
    majorSince: '升级为重大投诉', firstReportDue: '首次报告时限', notYet: '尚未', due: '时限', unreachable: '回访联系不上次数',
    noCalendar: (years) => `按仅扣除周末计算：${years} 年的工作日历尚未载入，载入后将重新计算（只会顺延）`,
    namedDealer: '客户指定服务商', namedHint: '尚未派工，不计入该服务商考核', dispatchDue: '派工时限',
    invalidate: '判定无效', invalidWhy: '无效原因', invalidDetail: '说明', invalidIntro: '无效抱怨停止所有时限，不计入任何考核、限值或报表，只列入无效抱怨清单。',
    invalidReasons: [['spam', '垃圾信息'], ['duplicate', '重复抱怨'], ['not_a_complaint', '非抱怨（咨询、误填等）'], ['other', '其他']],
    claims: '特殊索赔',
    classify: '重新分类', classifyIntro: '按抱怨的受理时间和受理时的政策重新计算各项时限；改为咨询或建议时撤回服务商的工单，改为抱怨或报修时按新抱怨派工。', severity: '严重程度', category: '分类',
    countAgainstChoice: '计入哪家服务商', countPrevious: '计入原服务商：客户因原服务商处理不力而转投', countNew: '计入新服务商：更正派工错误，非原服务商之过',
  },
  en: {
    title: (n) => `Complaint ${n}`,
    back: '← Back to the list',
    facts: 'Facts', clocks: 'Clocks', history: 'History', files: 'Files', actions: 'What you can do', nothingToDo: 'Nothing for you to do in this state.',
    status: 'Status', kind: 'Kind', channel: 'Channel', dealer: 'Dealer', region: 'Region', received: 'Received', customer: 'Customer', vehicle: 'Vehicle',
    description: 'Description', request: 'Request', replyDue: 'Reply due', closureDeadline: 'Closure deadline', overdue: 'Overdue', escalated: 'Escalated', major: 'Major complaint',
    majorAck: 'Major complaint acknowledged', majorReport: 'Written report', yes: 'Yes', no: 'No', at: 'When', by: 'By', what: 'What', none: 'None',
    dispatch: 'Dispatch', reassign: 'Reassign', upgrade: 'Upgrade to major', forceClose: 'Force close', requestClosure: 'Request closure', acknowledge: 'Confirm',
    contact: 'Contact the customer', reply: 'Reply', followUp: 'Follow-up', acknowledgeMajor: 'Acknowledge major complaint', writtenReport: 'Written report', addFiles: 'Add files',
    dealerPick: 'Dealer', suggestion: 'Suggested way to handle it', repairCase: 'Repair case', reason: 'Reason', countAgainst: 'Count against the previous dealer', countAgainstHint: 'when the customer left the previous dealer because it failed',
    note: 'Note', replyText: 'Reply', final: 'Final reply (the work is done)', cause: 'Cause', qualityDefect: 'Quality defect', partsReplaced: 'Parts replaced', partsHint: 'several parts separated by commas; empty when none',
    outcome: 'Outcome', method: 'Method', serviceQuality: 'Service quality', attitude: 'Attitude', priceCheck: 'Price check', overall: 'Overall', shortcomings: 'Shortcomings', suggestions: 'Suggestions', ratingsHint: 'SPEC §3.7 ratings, 1 (poor) to 5 (very good)',
    attempts: (n, of) => `not reached ${n} time(s)${of ? ` (closed after ${of})` : ''}`,
    summary: 'Report', reportFiles: 'Documents', filesField: 'Files', filesHint: 'JPEG, PNG, WebP photos or PDF, 5 MB each at most', noFiles: 'No files yet',
    waitingRecord: 'Done; the record follows in a moment.', done: (a) => `Done: ${a}`, erased: 'The customer’s personal data is erased',
    ackHint: 'Confirm the work order is received', attachedBy: 'added by',
    noCalendar: (years) => `counted with weekends only: the ${years} calendar is not loaded yet; it is counted again (only ever later) once it is`,
    majorSince: 'Major since', firstReportDue: 'First report due', notYet: 'Not yet', due: 'due', unreachable: 'Follow-up calls not reached',
    namedDealer: 'Dealer the customer named', namedHint: 'not dispatched yet: counts against no dealer', dispatchDue: 'Dispatch due',
    invalidate: 'Mark invalid', invalidWhy: 'Why invalid', invalidDetail: 'Details', invalidIntro: 'An invalid complaint stops its clocks and counts in no KPI, quota or report; it is listed only among the invalid complaints.',
    invalidReasons: [['spam', 'Spam'], ['duplicate', 'A duplicate'], ['not_a_complaint', 'Not a complaint (an inquiry, filled in by mistake)'], ['other', 'Other']],
    claims: 'Special claims',
    classify: 'Reclassify', classifyIntro: 'The deadlines are counted again from the receipt time under the policy in force at receipt; an inquiry or suggestion withdraws the dealer’s work order, a complaint or repair request is dispatched as a new one.', severity: 'Severity', category: 'Category',
    countAgainstChoice: 'Which dealer it counts against', countPrevious: 'The previous dealer: the customer left it because it failed', countNew: 'The new dealer: correcting a dispatch, not the previous dealer’s failure',
  },
});

// The dealer loop's kinds, as the workflow decides them (shared/src/loop.ts).
const { DEALER_LOOP_KINDS: DEALER_LOOP } = VOCABULARY;
const RATINGS = ['serviceQuality', 'attitude', 'priceCheck', 'overall'];

const path = (c, action) => `/api/complaints/${encodeURIComponent(c.number)}/${action}`;
const post = (c, action, body, key) => api(path(c, action), { method: 'POST', body, key });
const list = (v) => (v ? v.split(/[,，、\n]/).map((s) => s.trim()).filter(Boolean) : []);
const drop = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== undefined));

/** Active dealers for the dealer picker. */
function useDealers(wanted) {
  const [dealers, setDealers] = useState([]);
  useEffect(() => {
    if (wanted) api('/api/dealers').then((r) => setDealers(r.dealers.filter((d) => d.active !== false)), () => {});
  }, [wanted]);
  return dealers;
}

/** The actions this role may take in this state (the workflow has the last word). */
/**
 * The forms of the actions the API says this caller may take now (`c.actions`, decided in
 * shared/src/availability.ts; the workflow has the last word).
 */
function actionsFor(role, c, dealers, files, done) {
  const L = LABELS[lang()];
  const can = (action) => (c.actions ?? []).includes(action);
  const dealerOptions = dealers.filter((d) => d.code !== c.dealerCode).map((d) => [d.code, `${d.name}（${d.code} · ${d.region}）`]);
  const out = [];
  const add = (action, caption, fields, body, extra = {}) => out.push({ action, caption, fields, body, ...extra });

  if (can('dispatch')) {
    add('dispatch', t('dispatch'), [
      // SPEC §3.2: the dealer the customer named is the usual choice; the coordinator decides.
      { name: 'dealerCode', label: t('dealerPick'), type: 'select', options: dealerOptions, required: true, value: c.dealerCode ?? c.namedDealerCode ?? '' },
      { name: 'suggestion', label: t('suggestion'), type: 'textarea' },
      ...(c.kind === 'repair_request' ? [{ name: 'repairCase', label: t('repairCase'), type: 'select', options: Object.entries(L.repairCase), required: role === 'call_center' }] : []),
    ], (v) => drop(v));
  }
  if (can('acknowledge')) add('acknowledge', t('acknowledge'), [], () => ({}), { intro: t('ackHint'), open: true });
  if (can('contact')) add('contact', t('contact'), [{ name: 'note', label: t('note'), type: 'textarea' }], (v) => drop(v));
  if (can('reply')) {
    const quality = c.category === 'product_quality' && DEALER_LOOP.includes(c.kind);
    add('reply', t('reply'), [
      { name: 'text', label: t('replyText'), type: 'textarea', rows: 4, required: true },
      { name: 'final', label: t('final'), type: 'checkbox' },
      ...(quality
        ? [
            { name: 'cause', label: t('cause'), type: 'textarea' },
            { name: 'qualityDefect', label: t('qualityDefect'), type: 'select', options: [['true', t('yes')], ['false', t('no')]] },
            { name: 'partsReplaced', label: t('partsReplaced'), hint: t('partsHint') },
          ]
        : []),
    ], (v) => ({ ...drop({ text: v.text, cause: v.cause }), final: !!v.final, ...(v.qualityDefect ? { qualityDefect: v.qualityDefect === 'true' } : {}), ...(quality ? { partsReplaced: list(v.partsReplaced) } : {}) }));
  }
  if (can('request-closure')) add('request-closure', t('requestClosure'), [{ name: 'note', label: t('note'), type: 'textarea' }], (v) => drop(v));
  if (can('follow-up')) {
    const score = [['1', '1'], ['2', '2'], ['3', '3'], ['4', '4'], ['5', '5']];
    add('follow-up', t('followUp'), [
      { name: 'outcome', label: t('outcome'), type: 'select', options: Object.entries(L.outcome), required: true },
      { name: 'method', label: t('method'), type: 'select', options: Object.entries(L.method), placeholder: false },
      ...RATINGS.map((r) => ({ name: r, label: t(r), type: 'select', options: score })),
      { name: 'shortcomings', label: t('shortcomings'), type: 'textarea', rows: 2 },
      { name: 'suggestions', label: t('suggestions'), type: 'textarea', rows: 2 },
      { name: 'note', label: t('note'), type: 'textarea', rows: 2 },
    ], (v) => {
      const ratings = drop({ ...Object.fromEntries(RATINGS.map((r) => [r, v[r] ? Number(v[r]) : ''])), shortcomings: v.shortcomings, suggestions: v.suggestions });
      return { ...drop({ outcome: v.outcome, method: v.method, note: v.note }), ...(Object.keys(ratings).length ? { ratings } : {}) };
    }, { intro: t('ratingsHint') });
  }
  if (can('reassign')) {
    add('reassign', t('reassign'), [
      { name: 'dealerCode', label: t('dealerPick'), type: 'select', options: dealerOptions, required: true },
      { name: 'reason', label: t('reason'), type: 'textarea', required: true },
      // Money follows this choice (SPEC §3.9): nothing is ticked for the coordinator.
      { name: 'countAgainstPrevious', label: t('countAgainstChoice'), type: 'select', options: [['true', t('countPrevious')], ['false', t('countNew')]], required: true },
    ], (v) => ({ ...drop({ dealerCode: v.dealerCode, reason: v.reason }), countAgainstPrevious: v.countAgainstPrevious === 'true' }));
  }
  if (can('upgrade')) add('upgrade', t('upgrade'), [{ name: 'reason', label: t('reason'), type: 'textarea', required: true }], (v) => drop(v));
  if (can('acknowledge-major')) add('acknowledge-major', t('acknowledgeMajor'), [{ name: 'note', label: t('note'), type: 'textarea' }], (v) => drop(v));
  if (can('written-report')) {
    add('written-report', t('writtenReport'), [
      { name: 'summary', label: t('summary'), type: 'textarea', rows: 5, required: true },
      ...files.map((f) => ({ name: 'file:' + f.id, label: f.filename, type: 'checkbox' })),
    ], (v) => {
      const ids = files.filter((f) => v['file:' + f.id]).map((f) => f.id);
      return { ...drop({ summary: v.summary }), ...(ids.length ? { attachmentIds: ids } : {}) };
    }, { intro: files.length ? t('reportFiles') + ': ' + t('filesHint') : '' });
  }
  if (can('invalidate')) {
    const reasons = t('invalidReasons');
    add('invalidate', t('invalidate'), [
      { name: 'why', label: t('invalidWhy'), type: 'select', options: reasons, required: true },
      { name: 'detail', label: t('invalidDetail'), type: 'textarea', rows: 2 },
    ], (v) => ({ reason: [reasons.find(([k]) => k === v.why)?.[1] ?? v.why, v.detail].filter(Boolean).join(': ') }), { intro: t('invalidIntro'), danger: true });
  }
  if (can('classify')) {
    // SPEC §3.2: what the customer picked, corrected with a reason; only what changed is sent.
    const now = { kind: c.kind, category: c.category, severity: c.severity };
    add('classify', t('classify'), [
      { name: 'kind', label: t('kind'), type: 'select', options: Object.entries(L.kind), required: true, value: c.kind },
      { name: 'category', label: t('category'), type: 'select', options: Object.entries(L.category), required: true, value: c.category },
      { name: 'severity', label: t('severity'), type: 'select', options: Object.entries(L.severity), required: true, value: c.severity },
      { name: 'reason', label: t('reason'), type: 'textarea', required: true },
    ], (v) => ({ ...Object.fromEntries(Object.keys(now).filter((k) => v[k] && v[k] !== now[k]).map((k) => [k, v[k]])), ...drop({ reason: v.reason }) }), { intro: t('classifyIntro') });
  }
  if (can('force-close')) add('force-close', t('forceClose'), [{ name: 'reason', label: t('reason'), type: 'textarea', required: true }], (v) => drop(v), { danger: true });
  return out.map((a) => ({ ...a, done }));
}

function ActionBox({ complaint, a }) {
  return html`<details class="action" data-action=${a.action} open=${a.open}>
    <summary>${a.caption}</summary>
    <${Form}
      name=${a.action}
      fields=${a.fields}
      intro=${a.intro}
      submitLabel=${a.caption}
      submit=${(values, key) => post(complaint, a.action, a.body(values), key)}
      onDone=${(state) => a.done(a.caption, state)}
    />
  </details>`;
}

function Evidence({ complaint, done }) {
  return html`<details class="action" data-action="attachments">
    <summary>${t('addFiles')}</summary>
    <${Form}
      name="attachments"
      fields=${[
        { name: 'files', label: t('filesField'), type: 'file', hint: t('filesHint'), accept: 'image/jpeg,image/png,image/webp,application/pdf' },
        { name: 'note', label: t('note'), type: 'textarea', rows: 2 },
      ]}
      submitLabel=${t('addFiles')}
      submit=${(v, key) => {
        const body = new FormData();
        for (const file of v.files ?? []) body.append('files', file);
        if (v.note) body.append('note', v.note);
        return api(`/api/complaints/${encodeURIComponent(complaint.number)}/attachments`, { method: 'POST', body, key });
      }}
      onDone=${(state) => done(t('addFiles'), state)}
    />
  </details>`;
}

async function download(complaint, file, e) {
  e.preventDefault();
  const res = await fetch(`/api/complaints/${encodeURIComponent(complaint.number)}/attachments/${encodeURIComponent(file.id)}`);
  if (!res.ok) return;
  const url = URL.createObjectURL(await res.blob());
  // A photo opens in a tab; a PDF is saved, since the page's Content Security Policy, which a
  // blob: tab inherits, leaves no room for the browser's PDF viewer.
  if (file.contentType !== 'application/pdf') return void window.open(url);
  const save = document.createElement('a');
  save.href = url;
  save.download = file.filename;
  save.click();
}

function Facts({ c }) {
  const rows = [
    [t('status'), html`${label('status', c.status)}${c.overdue ? html`<span class="tag red">${t('overdue')}</span>` : null}${c.escalated ? html`<span class="tag amber">${t('escalated')}</span>` : null}`],
    [t('kind'), `${label('kind', c.kind)} · ${label('category', c.category)} · ${label('severity', c.severity)}`],
    [t('channel'), label('channel', c.channel)],
    [t('dealer'), c.dealerCode ?? '—'],
    ...(c.namedDealerCode && !c.dealerCode ? [[t('namedDealer'), html`${c.namedDealerCode} <span class="hint">${t('namedHint')}</span>`]] : []),
    [t('region'), c.region ?? '—'],
    [t('received'), when(c.receivedAt)],
    ...(c.customer ? [[t('customer'), [c.customer.name, c.customer.phone, c.customer.email].filter(Boolean).join(' · ')]] : []),
    ...(c.vehicle ? [[t('vehicle'), [c.vehicle.plate, c.vehicle.vin].filter(Boolean).join(' · ') || '—']] : []),
    ...(c.description !== undefined ? [[t('description'), c.description || '—']] : []),
    ...(c.request !== undefined ? [[t('request'), c.request || '—']] : []),
  ];
  return html`<dl class="facts" data-facts>${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
    ${c.erased ? html`<p class="hint">${t('erased')} (${when(c.erased.at)})</p>` : null}`;
}

// The history's summaries are written in Chinese, the operation's language; an English page says
// what happened in English from the event's type and facts.
const EVENTS_EN = {
  received: (d, e) => `Received (${e.by})`,
  deadlines_recomputed: (d) =>
    `The ${d.year} working calendar (version ${d.version}) was loaded; deadlines counted again: ` +
    [...(d.moved ?? []).map((m) => `${m.deadline} ${when(m.from)} → ${when(m.to)}`), ...(d.kept ?? []).map((k) => `${k.deadline} kept at ${when(k.announced)} (the new calendar says ${when(k.computed)}; never earlier)`)].join('; '),
  dispatched: (d) => `Dispatched to ${d.dealerCode ?? 'the dealer'}${d.suggestion ? `: ${d.suggestion}` : ''}`,
  acknowledged: () => 'The dealer confirmed the work order',
  customer_contacted: (d) => `The dealer contacted the customer${d.note ? `: ${d.note}` : ''}`,
  replied: (d) => `${d.final ? 'Final reply' : 'Progress reply'}${d.text ? `: ${d.text}` : ''}`,
  closure_requested: (d) => `Closure requested; the call center follows up${d.note ? `: ${d.note}` : ''}`,
  follow_up_attempt: () => 'Follow-up call: customer not reached',
  returned_to_dealer: (d) => `Follow-up: ${label('outcome', d.outcome)}; back to the dealer`,
  closed: () => 'Closed',
  closed_unreachable: () => 'Closed: customer unreachable',
  force_closed: (d) => `Force-closed${d.reason ? `: ${d.reason}` : ''}`,
  invalidated: (d) => `Marked invalid${d.reason ? `: ${d.reason}` : ''}`,
  classified: (d) =>
    `Reclassified: ${[d.from, d.to].map((c) => (c ? `${label('kind', c.kind)} / ${label('category', c.category)} / ${label('severity', c.severity)}` : '')).join(' → ')}${d.reason ? `: ${d.reason}` : ''}${d.withdrawnFrom ? ` (work order of ${d.withdrawnFrom} withdrawn)` : ''}`,
  dispatch_overdue: () => 'Not dispatched by its dispatch deadline',
  reassigned: (d) => `Reassigned from ${d.from} to ${d.to}${d.reason ? `: ${d.reason}` : ''}`,
  upgraded_to_major: (d) => `Upgraded to major${d.reason ? `: ${d.reason}` : ''}`,
  major_acknowledged: () => 'Major complaint acknowledged',
  written_report: () => 'The dealer filed the written report',
  evidence_added: () => 'Files added',
  escalated: () => 'Escalated',
};

function eventText(e) {
  if (lang() === 'zh') return e.summary;
  const say = EVENTS_EN[e.type];
  if (say) return say(e.data ?? {}, e);
  return e.type.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

/** Times the customer was not reached since the last closure request (SPEC §3.7: closed after the policy's number). */
function followUpAttempts(c) {
  const types = c.history.map((e) => e.type);
  return types.slice(types.lastIndexOf('closure_requested') + 1).filter((type) => type === 'follow_up_attempt').length;
}

function Clocks({ c }) {
  const rows = [
    ...(c.status === 'awaiting_dispatch' && c.deadlines?.dispatchDue ? [[t('dispatchDue'), html`<span class="clock" data-dispatch-due>${when(c.deadlines.dispatchDue)}</span>`]] : []),
    [t('replyDue'), html`<span class=${c.overdue ? 'clock late' : 'clock'}>${['awaiting_acknowledgement', 'awaiting_reply', 'in_progress'].includes(c.status) ? when(c.replyDue) : '—'}</span>`],
    [
      t('closureDeadline'),
      // SPEC §4: a deadline computed without its year's calendar says so until the calendar is loaded.
      c.deadlines?.missingCalendarYears?.length
        ? html`${when(c.closureDeadline)} <span class="hint warn" data-no-calendar>${t('noCalendar', c.deadlines.missingCalendarYears.join('、'))}</span>`
        : when(c.closureDeadline),
    ],
    // A major complaint's clocks; one the coordinator classified minor again keeps them in its history only.
    ...(c.major && !c.major.downgradedAt
      ? [
          [t('majorSince'), when(c.major.since)],
          [t('majorAck'), c.major.acknowledgedAt ? when(c.major.acknowledgedAt) : t('notYet')],
          [t('firstReportDue'), when(c.major.firstReportDue)],
          [t('majorReport'), c.major.writtenReportAt ? when(c.major.writtenReportAt) : html`${t('notYet')} <span class="hint">${t('due')} ${when(c.major.writtenReportDue)}</span>`],
        ]
      : []),
    ...(c.status === 'awaiting_follow_up' ? [[t('unreachable'), html`<span data-attempts>${followUpAttempts(c)}</span>`]] : []),
  ];
  return html`<dl class="facts" data-clocks>${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

export default function Complaint({ params }) {
  const number = params[0];
  const role = session().role;
  const [c, setC] = useState(null);
  const [error, setError] = useState(null);
  const [message, setMessage] = useState('');
  const dealers = useDealers(role === 'coordinator' || role === 'call_center');
  // SPEC §3.10: a major complaint's claims, the coordinator's and the owning dealer's to see.
  const [claims, reloadClaims] = useClaims(number, role === 'coordinator' || role === 'dealer');

  const load = async (sequence) => {
    let complaint = await api('/api/complaints/' + encodeURIComponent(number));
    // The workflow has answered; the record follows a moment later: show the page once it has the event.
    for (let i = 0; sequence && complaint.history.length < sequence && i < 50; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      complaint = await api('/api/complaints/' + encodeURIComponent(number));
    }
    setC(complaint);
  };
  useEffect(() => {
    load().catch(setError);
  }, [number]);

  const done = async (caption, state) => {
    setMessage(t('done', caption));
    await load(state?.lastEvent?.sequence).catch(setError);
  };

  if (error) return html`<${Page} title=${t('title', number)}><p><a href="/complaints">${t('back')}</a></p><${Banner}>${errorText(error)}<//><//>`;
  if (!c) return html`<${Page} title=${t('title', number)}><p class="hint">…</p><//>`;
  const files = c.attachments ?? [];
  const actions = actionsFor(role, c, dealers, files, done);
  const evidence = (c.actions ?? []).includes('attachments');
  return html`<${Page} title=${t('title', c.number)}>
    <p><a href="/complaints">${t('back')}</a></p>
    <${Banner} ok=${true}>${message}<//>
    <div class="grid">
      <div>
        <section class="card"><h2>${t('facts')}</h2><${Facts} c=${c} /></section>
        <section class="card"><h2>${t('clocks')}</h2><${Clocks} c=${c} /></section>
        ${['dealer', 'coordinator', 'call_center'].includes(role)
          ? html`<section class="card" data-files><h2>${t('files')}</h2>
              ${files.length
                ? html`<ul class="files">${files.map((f) => html`<li><a href="#" data-file=${f.id} onClick=${(e) => download(c, f, e)}>${f.filename}</a>${f.uploadedBy ? html` <span class="hint">${t('attachedBy')} ${f.uploadedBy} · ${when(f.uploadedAt)}</span>` : null}</li>`)}</ul>`
                : html`<p class="hint">${t('noFiles')}</p>`}
            </section>`
          : null}
        ${(role === 'coordinator' || role === 'dealer') && (claims.length || c.severity === 'major')
          ? html`<section class="card" data-claims-section><h2>${t('claims')}</h2>
              <${ClaimsTable} claims=${claims} onChanged=${reloadClaims} showComplaint=${false} />
              ${role === 'dealer' && c.severity === 'major' && c.status !== 'invalid' ? html`<${ClaimForm} complaint=${c} onDone=${reloadClaims} />` : null}
            </section>`
          : null}
        <section class="card"><h2>${t('history')}</h2>
          <table data-history>
            <thead><tr><th>${t('at')}</th><th>${t('by')}</th><th>${t('what')}</th></tr></thead>
            <tbody>${[...c.history].reverse().map((e) => html`<tr key=${e.id} data-event=${e.type}><td>${when(e.at)}</td><td>${e.by}</td><td>${eventText(e)}</td></tr>`)}</tbody>
          </table>
        </section>
      </div>
      <section class="card" data-actions>
        <h2>${t('actions')} <span class="hint">${roleName(role)}</span></h2>
        ${actions.length || evidence ? null : html`<p class="hint">${t('nothingToDo')}</p>`}
        ${actions.map((a) => html`<${ActionBox} key=${a.action + c.status + c.history.length} complaint=${c} a=${a} />`)}
        ${evidence ? html`<${Evidence} key=${'ev' + c.history.length} complaint=${c} done=${done} />` : null}
      </section>
    </div>
  <//>`;
}
