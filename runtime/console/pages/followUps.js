// The call center's follow-up queue: complaints whose closure was requested, with when each call
// is due, the unreachable attempts so far and the customer to call (the API shows these to the
// call center only).
import { html, api, queryString, strings, when, session, Page, DataTable, Banner } from '../lib.js';
import { complaintColumns } from './complaints.js';

const t = strings({
  zh: { title: '待回访', due: '回访时限', attempts: '联系不上次数', customer: '客户', callCenterOnly: '回访名单（含客户联系方式）仅供呼叫中心使用。' },
  en: { title: 'Follow-ups', due: 'Call due', attempts: 'Not reached', customer: 'Customer', callCenterOnly: 'The follow-up list (with the customers’ contact details) is the call center’s.' },
});

export default function FollowUps() {
  const role = session().role;
  if (role !== 'call_center') return html`<${Page} title=${t('title')}><${Banner}>${t('callCenterOnly')}<//><//>`;
  const late = (r) => r.followUp?.due && new Date(r.followUp.due) < new Date();
  const columns = [
    ...complaintColumns().filter((c) => !['replyDue', 'channel'].includes(c.key)),
    { key: 'due', label: t('due'), render: (r) => html`<span class=${late(r) ? 'clock late' : 'clock'}>${when(r.followUp?.due)}</span>` },
    { key: 'attempts', label: t('attempts'), render: (r) => String(r.followUp?.attempts ?? 0) },
    { key: 'customer', label: t('customer'), render: (r) => (r.customer ? html`${r.customer.name}<br /><span data-phone>${r.customer.phone ?? ''}</span>${r.customer.email ? html`<br />${r.customer.email}` : null}` : '—') },
  ];
  return html`<${Page} title=${t('title')}>
    <${DataTable}
      name="follow-ups"
      columns=${columns}
      initial=${{ sort: 'receivedAt' }}
      load=${(q) => api('/api/complaints' + queryString({ ...q, status: 'awaiting_follow_up', followUp: 'true' }))}
    />
  <//>`;
}
