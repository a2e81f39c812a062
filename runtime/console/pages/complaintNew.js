// The staff intake form: a complaint taken by phone, email, letter or in person, recorded by the
// call center or the coordinator (POST /api/complaints). Field errors are shown beside each field.
import { html, useEffect, useState, api, strings, session, Page, Form, LABELS, lang } from '../lib.js';

const t = strings({
  zh: {
    title: '登记投诉', intro: '记录客户通过电话、邮件、信函或到店提出的投诉。带 * 的为必填项。', submit: '登记',
    channel: '渠道', kind: '类型', category: '类别', severity: '级别', name: '客户姓名', phone: '客户电话', email: '客户邮箱', plate: '车牌号', vin: 'VIN',
    dealer: '服务商', unknownDealer: '不确定（由协调员派工）', description: '问题描述', request: '客户诉求', receivedAt: '受理时间', receivedHint: '北京时间；留空为现在',
    language: '客户语言', zh: '中文', en: '英文',
  },
  en: {
    title: 'Record a complaint', intro: 'A complaint the customer made by phone, email, letter or in person. Fields marked * are required.', submit: 'Record',
    channel: 'Channel', kind: 'Kind', category: 'Category', severity: 'Severity', name: 'Customer name', phone: 'Customer phone', email: 'Customer email', plate: 'Plate', vin: 'VIN',
    dealer: 'Dealer', unknownDealer: 'Not known (the coordinator dispatches it)', description: 'Description', request: 'What the customer asks for', receivedAt: 'Received at', receivedHint: 'Beijing time; empty for now',
    language: 'Customer’s language', zh: 'Chinese', en: 'English',
  },
});

// The channels staff record by (SPEC §2): the web form and the integrations have their own ways in.
const STAFF_CHANNELS = ['hotline', 'email', 'written', 'walk_in'];

export default function ComplaintNew() {
  const L = LABELS[lang()];
  const [dealers, setDealers] = useState(null);
  useEffect(() => {
    api('/api/dealers').then((r) => setDealers(r.dealers.filter((d) => d.active !== false)), () => setDealers([]));
  }, []);
  const fields = [
    { name: 'channel', label: t('channel'), type: 'select', options: STAFF_CHANNELS.map((c) => [c, L.channel[c]]), placeholder: false },
    { name: 'kind', label: t('kind'), type: 'select', options: Object.entries(L.kind), placeholder: false },
    { name: 'category', label: t('category'), type: 'select', options: Object.entries(L.category), required: true },
    { name: 'severity', label: t('severity'), type: 'select', options: Object.entries(L.severity), placeholder: false },
    { name: 'customer.name', label: t('name'), required: true, maxlength: 100 },
    { name: 'customer.phone', label: t('phone'), type: 'tel', required: true, maxlength: 20 },
    { name: 'customer.email', label: t('email'), type: 'email' },
    { name: 'vehicle.plate', label: t('plate'), maxlength: 16 },
    { name: 'vehicle.vin', label: t('vin'), maxlength: 17 },
    { name: 'dealerCode', label: t('dealer'), type: 'select', options: (dealers ?? []).map((d) => [d.code, `${d.name}（${d.code}）`]), placeholder: t('unknownDealer') },
    { name: 'description', label: t('description'), type: 'textarea', rows: 5, required: true },
    { name: 'request', label: t('request'), type: 'textarea', rows: 2 },
    { name: 'receivedAt', label: t('receivedAt'), type: 'datetime-local', hint: t('receivedHint') },
    { name: 'language', label: t('language'), type: 'select', options: [['zh', t('zh')], ['en', t('en')]], placeholder: false },
  ];
  const submit = (v, key) => {
    const body = {};
    for (const [name, value] of Object.entries(v)) {
      if (value === '' || value === undefined) continue;
      const [head, tail] = name.split('.');
      if (tail) (body[head] ??= {})[tail] = value;
      else body[head] = value;
    }
    // The time the customer called or wrote, in Beijing time.
    if (body.receivedAt) body.receivedAt = body.receivedAt + ':00+08:00';
    return api('/api/complaints', { method: 'POST', body, key });
  };
  return html`<${Page} title=${t('title')}>
    <section class="card narrow">
      ${dealers === null
        ? html`<p class="hint">…</p>`
        : html`<${Form} name="new-complaint" intro=${t('intro')} fields=${fields} submitLabel=${t('submit')} submit=${submit} resetOnDone=${false}
            onDone=${(created) => location.assign('/complaints/' + encodeURIComponent(created.number))} />`}
    </section>
  <//>`;
}
void session;
