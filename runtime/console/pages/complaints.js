// The complaint list of every role (SPEC §7 decides what each sees): a dealer's work orders, a
// regional manager's region, the whole network for the coordinator, the call center and HQ. Each
// role's queues are links to the list with their filters; every filter is in the address.
import { html, useEffect, useState, api, queryString, strings, label, when, session, Page, DataTable, LABELS, lang, currentQuery } from '../lib.js';

const t = strings({
  zh: {
    title: '投诉',
    dealerTitle: '我的工单',
    named: '客户指定', number: '编号', status: '状态', category: '类别', dealer: '服务商', region: '片区', channel: '渠道',
    received: '受理时间', replyDue: '回复时限', closureDeadline: '闭环时限', overdue: '超期', escalated: '已升级', major: '重大',
    severity: '级别', receivedFrom: '受理日期从', receivedTo: '受理日期到', kind: '类型',
    open: '未关闭', closed: '已关闭',
    qAll: '全部', qOpen: '未关闭', qDispatch: '待派工', qOverdue: '超期', qMajor: '重大投诉', qEscalated: '已升级', qClosure: '待申请关闭',
    qFollowUp: '待回访', qMine: '进行中', qClosed: '已关闭',
    newComplaint: '登记投诉',
  },
  en: {
    title: 'Complaints',
    dealerTitle: 'My work orders',
    named: 'named:', number: 'Number', status: 'Status', category: 'Category', dealer: 'Dealer', region: 'Region', channel: 'Channel',
    received: 'Received', replyDue: 'Reply due', closureDeadline: 'Closure deadline', overdue: 'Overdue', escalated: 'Escalated', major: 'Major',
    severity: 'Severity', receivedFrom: 'Received from', receivedTo: 'Received to', kind: 'Kind',
    open: 'Open', closed: 'Closed',
    qAll: 'All', qOpen: 'Open', qDispatch: 'Awaiting dispatch', qOverdue: 'Overdue', qMajor: 'Major', qEscalated: 'Escalated', qClosure: 'Awaiting closure request',
    qFollowUp: 'Awaiting follow-up', qMine: 'In progress', qClosed: 'Closed',
    newComplaint: 'Record a complaint',
  },
});

/** Each role's queues: [name, query]. */
function queues(role) {
  const open = { status: 'open' };
  switch (role) {
    case 'coordinator':
      return [
        ['qDispatch', { status: 'awaiting_dispatch' }],
        ['qOverdue', { ...open, overdue: 'true' }],
        ['qMajor', { ...open, severity: 'major' }],
        ['qEscalated', { ...open, escalated: 'true' }],
        ['qClosure', { status: 'awaiting_closure_request' }],
        ['qOpen', open],
        ['qAll', { status: '' }],
      ];
    case 'call_center':
      return [
        ['qFollowUp', { status: 'awaiting_follow_up' }],
        ['qDispatch', { status: 'awaiting_dispatch', kind: 'repair_request' }],
        ['qOpen', open],
        ['qAll', { status: '' }],
      ];
    case 'dealer':
      return [
        ['qMine', open],
        ['qOverdue', { ...open, overdue: 'true' }],
        ['qMajor', { ...open, severity: 'major' }],
        ['qClosed', { status: 'closed' }],
      ];
    default:
      return [
        ['qOpen', open],
        ['qOverdue', { ...open, overdue: 'true' }],
        ['qMajor', { ...open, severity: 'major' }],
        ['qEscalated', { ...open, escalated: 'true' }],
        ['qAll', { status: '' }],
      ];
  }
}

const INITIAL = { status: 'open' };
// The states in which the dealer's reply is awaited: elsewhere its due time is history.
export const AWAITING_REPLY = ['awaiting_acknowledgement', 'awaiting_reply', 'in_progress'];
// The queue the address shows: the same filters (the list's own status when none is given).
function sameQueue(q, here) {
  const filters = (o) => Object.entries({ ...INITIAL, ...o }).filter(([k, v]) => v !== '' && !['page', 'pageSize', 'sort', 'lang'].includes(k)).sort().join('&');
  return filters(q) === filters(here);
}

/** Whether a group of /api/complaints/counts falls in a queue's filters. */
function inQueue(g, q) {
  const statuses = q.status === 'open' ? null : q.status ? q.status.split(',') : [];
  if (q.status === 'open' && !g.open) return false;
  if (q.status === 'closed' && g.open) return false;
  if (statuses && statuses.length && q.status !== 'closed' && !statuses.includes(g.status)) return false;
  if (q.overdue && String(g.overdue) !== q.overdue) return false;
  if (q.escalated && String(g.escalated) !== q.escalated) return false;
  if (q.severity && g.severity !== q.severity) return false;
  if (q.kind && g.kind !== q.kind) return false;
  return true;
}

function Queues({ role }) {
  const list = queues(role);
  const [counts, setCounts] = useState({});
  useEffect(() => {
    // Each queue's count, so the work waiting is seen at a glance: one grouped read, summed here.
    api('/api/complaints/counts').then((r) => setCounts(Object.fromEntries(list.map(([name, q]) => [name, r.groups.filter((g) => inQueue(g, q)).reduce((sum, g) => sum + g.count, 0)]))), () => {});
  }, [role]);
  const here = currentQuery();
  return html`<nav class="queues" data-queues>
    ${list.map(([name, q]) => html`<a href=${'/complaints?' + new URLSearchParams(q)} class=${sameQueue(q, here) ? 'current' : ''} data-queue=${name}>
      ${t(name)}<span class="count">${counts[name] ?? ''}</span></a>`)}
    ${role === 'call_center' ? html`<a href="/follow-ups" data-queue="followUps">${t('qFollowUp')} ↗</a>` : null}
  </nav>`;
}

export function complaintColumns(extra = []) {
  const role = session().role;
  return [
    {
      key: 'number',
      label: t('number'),
      sort: 'number',
      render: (r) => html`<a href=${'/complaints/' + encodeURIComponent(r.number)}>${r.number}</a>
        ${r.severity === 'major' ? html`<span class="tag red">${t('major')}</span>` : null}
        ${r.overdue ? html`<span class="tag red">${t('overdue')}</span>` : null}
        ${r.escalated ? html`<span class="tag amber">${t('escalated')}</span>` : null}`,
    },
    { key: 'status', label: t('status'), sort: 'status', render: (r) => label('status', r.status) },
    { key: 'category', label: t('category'), sort: 'category', render: (r) => html`${label('kind', r.kind)} · ${label('category', r.category)}` },
    // Waiting for dispatch, the dealer the customer named (SPEC §3.2): shown, not yet charged.
    ...(role === 'dealer' ? [] : [{ key: 'dealerCode', label: t('dealer'), sort: 'dealerCode', render: (r) => r.dealerCode ?? (r.namedDealerCode ? html`<span class="hint" data-named-dealer>${t('named')} ${r.namedDealerCode}</span>` : '—') }]),
    ...(role === 'dealer' || role === 'regional_manager' ? [] : [{ key: 'region', label: t('region'), sort: 'region', render: (r) => r.region ?? '—' }]),
    { key: 'channel', label: t('channel'), render: (r) => label('channel', r.channel) },
    { key: 'receivedAt', label: t('received'), sort: 'receivedAt', render: (r) => when(r.receivedAt) },
    { key: 'replyDue', label: t('replyDue'), sort: 'replyDue', render: (r) => html`<span class=${r.overdue ? 'clock late' : 'clock'}>${AWAITING_REPLY.includes(r.status) ? when(r.replyDue) : '—'}</span>` },
    { key: 'closureDeadline', label: t('closureDeadline'), sort: 'closureDeadline', render: (r) => when(r.closureDeadline) },
    ...extra,
  ];
}

export function complaintFilters() {
  const role = session().role;
  const L = LABELS[lang()];
  const statuses = [['open', t('open')], ['closed', t('closed')], ...Object.entries(L.status)];
  return [
    { name: 'status', label: t('status'), type: 'select', options: statuses },
    { name: 'overdue', label: t('overdue'), type: 'boolean' },
    { name: 'severity', label: t('severity'), type: 'select', options: Object.entries(L.severity) },
    { name: 'escalated', label: t('escalated'), type: 'boolean' },
    { name: 'kind', label: t('kind'), type: 'select', options: Object.entries(L.kind) },
    { name: 'category', label: t('category'), type: 'select', options: Object.entries(L.category) },
    ...(role === 'dealer' ? [] : [{ name: 'dealerCode', label: t('dealer'), type: 'text', placeholder: 'SH001' }]),
    ...(role === 'dealer' || role === 'regional_manager' ? [] : [{ name: 'region', label: t('region'), type: 'text', placeholder: 'east' }]),
    { name: 'channel', label: t('channel'), type: 'select', options: Object.entries(L.channel) },
    { name: 'receivedFrom', label: t('receivedFrom'), type: 'date' },
    { name: 'receivedTo', label: t('receivedTo'), type: 'date' },
  ];
}

export default function Complaints() {
  const s = session();
  const title = s.role === 'dealer' ? t('dealerTitle') : t('title');
  const canRecord = ['coordinator', 'call_center'].includes(s.role);
  return html`<${Page} title=${title} actions=${canRecord ? html`<a class="button" href="/complaints/new">${t('newComplaint')}</a>` : null}>
    <${Queues} role=${s.role} />
    <${DataTable}
      name="complaints"
      columns=${complaintColumns()}
      filters=${complaintFilters()}
      initial=${INITIAL}
      rowClass=${(r) => (r.overdue ? 'overdue' : '')}
      load=${(q) => api('/api/complaints' + queryString(q))}
    />
  <//>`;
}
