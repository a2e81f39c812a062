// Penalties (考核, seed 002 重大抱怨 §5.1) the coordinator records against a dealer for a complaint:
// an amount within the policy's range, a star downgrade or cancellation, delisting (撤站), or the
// negative media exposure that costs the month's incentive. The API checks each and says why it
// refuses (an amount out of range, a complaint not that dealer's); the page shows it beside the form.
import { html, useState, Page, DataTable, Form, Banner, api, queryString, strings, refusalLocaliser, when, pageHref, session } from '../lib.js';

const KINDS = ['amount', 'star_downgrade', 'star_cancellation', 'delisting', 'media_exposure'];

const t = strings({
  zh: {
    title: '处罚',
    record: '登记处罚',
    intro: (r) => (r ? `罚款金额须在 ${r.min}–${r.max} 元之间（政策 ${r.policyVersion}）。降星、取消星级、撤站自次月起生效。` : '降星、取消星级、撤站自次月起生效。'),
    dealer: '服务商代码',
    month: '考核月份',
    kind: '处罚类型',
    amount: '金额（元）',
    amountHint: '仅“罚款”填写',
    reason: '原因',
    complaint: '投诉编号',
    by: '登记人',
    recordedAt: '登记时间',
    effect: '效果',
    submit: '登记',
    recorded: (p) => `已登记处罚：${p.dealerCode} ${p.month} ${t('kinds')[p.kind] ?? p.kind}${p.amount ? ` ¥${p.amount.toLocaleString()}` : ''}。`,
    kinds: { amount: '罚款', star_downgrade: '降星', star_cancellation: '取消星级', delisting: '撤站', media_exposure: '负面媒体曝光' },
    delistedFrom: (m) => `自 ${m} 撤站`,
    starFrom: (level, m) => `自 ${m} 星级 ${level ?? '无'}`,
  },
  en: {
    title: 'Penalties',
    record: 'Record a penalty',
    intro: (r) => (r ? `An amount is between ¥${r.min} and ¥${r.max} (policy ${r.policyVersion}). Star changes and delisting apply from the next month.` : 'Star changes and delisting apply from the next month.'),
    dealer: 'Dealer code',
    month: 'Month',
    kind: 'Kind',
    amount: 'Amount (¥)',
    amountHint: 'only for a fine',
    reason: 'Reason',
    complaint: 'Complaint number',
    by: 'Recorded by',
    recordedAt: 'Recorded',
    effect: 'Effect',
    submit: 'Record',
    recorded: (p) => `Penalty recorded: ${p.dealerCode} ${p.month} ${t('kinds')[p.kind] ?? p.kind}${p.amount ? ` ¥${p.amount.toLocaleString()}` : ''}.`,
    kinds: { amount: 'Fine', star_downgrade: 'Star downgrade', star_cancellation: 'Star cancellation', delisting: 'Delisting', media_exposure: 'Negative media exposure' },
    delistedFrom: (m) => `delisted from ${m}`,
    starFrom: (level, m) => `stars ${level ?? 'none'} from ${m}`,
  },
});

const ZH = [
  [/^must be between (\d+) and (\d+) yuan/, (m) => `金额须在 ${m[1]}–${m[2]} 元之间`],
  [/^is required for an amount penalty$/, () => '罚款须填写金额'],
  [/^only an amount penalty has an amount$/, () => '只有罚款填写金额'],
  [/^is not a known complaint$/, () => '没有这个投诉'],
  [/^is not a complaint of dealer (\S+)$/, (m) => `不是服务商 ${m[1]} 的投诉`],
  [/^complaintNumber is not a known complaint$/, () => '没有这个投诉'],
  [/^complaintNumber is not a complaint of dealer (\S+)$/, (m) => `该投诉不属于服务商 ${m[1]}`],
  [/^dealer (\S+) has no star level to lower or cancel$/, (m) => `服务商 ${m[1]} 没有可降低或取消的星级`],
  [/^kind dealer (\S+) has no star level to lower or cancel$/, (m) => `服务商 ${m[1]} 没有可降低或取消的星级`],
  [/^must be a month, YYYY-MM$/, () => '月份格式应为 YYYY-MM'],
  [/^must be a complaint number$/, () => '请填写投诉编号'],
];
/** The API's refusal with its messages in the page's language, for the form to show beside each field and the button. */
const localised = refusalLocaliser(ZH);

const thisMonth = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7);

export default function PenaltiesPage() {
  const [notice, setNotice] = useState('');
  const [range, setRange] = useState(null);
  const [version, setVersion] = useState(0);
  const kindOptions = KINDS.map((k) => [k, t('kinds')[k]]);

  const columns = [
    { key: 'recordedAt', label: t('recordedAt'), sort: 'recordedAt', render: (p) => when(p.recordedAt) },
    { key: 'dealerCode', label: t('dealer'), sort: 'dealerCode' },
    { key: 'month', label: t('month'), sort: 'month' },
    { key: 'kind', label: t('kind'), render: (p) => t('kinds')[p.kind] ?? p.kind },
    { key: 'amount', label: t('amount'), sort: 'amount', render: (p) => (p.amount !== undefined ? `¥${p.amount.toLocaleString()}` : '—') },
    { key: 'complaintNumber', label: t('complaint'), render: (p) => (p.complaintNumber ? html`<a href=${pageHref('/complaints/' + p.complaintNumber, 'intake')}>${p.complaintNumber}</a>` : '—') },
    { key: 'reason', label: t('reason') },
    { key: 'by', label: t('by') },
  ];
  const filters = [
    { name: 'dealerCode', label: t('dealer'), type: 'text', placeholder: 'SH001' },
    { name: 'month', label: t('month'), type: 'text', placeholder: 'YYYY-MM' },
    { name: 'kind', label: t('kind'), type: 'select', options: kindOptions },
  ];
  const fields = [
    { name: 'dealerCode', label: t('dealer'), required: true, placeholder: 'SH001' },
    { name: 'month', label: t('month'), required: true, value: thisMonth() },
    { name: 'kind', label: t('kind'), type: 'select', options: kindOptions, required: true, placeholder: false },
    { name: 'amount', label: t('amount'), type: 'number', min: range?.min, max: range?.max, hint: t('amountHint') },
    { name: 'complaintNumber', label: t('complaint'), required: true },
    { name: 'reason', label: t('reason'), type: 'textarea', required: true },
  ];
  const submit = async (values, key) => {
    const body = { dealerCode: values.dealerCode.toUpperCase(), month: values.month, kind: values.kind, reason: values.reason, complaintNumber: values.complaintNumber };
    if (values.amount !== '' && values.amount !== undefined) body.amount = Number(values.amount);
    try {
      return await api('/api/reports/penalties', { method: 'POST', body, key });
    } catch (err) {
      throw localised(err);
    }
  };
  const effectText = (answer) =>
    answer?.effect?.delistedFrom ? t('delistedFrom', answer.effect.delistedFrom) : answer?.effect?.from ? t('starFrom', answer.effect.starLevel, answer.effect.from) : '';

  return html`<${Page} title=${t('title')}>
    <${Banner} ok>${notice}<//>
    <div class="grid">
      <div>
        <${DataTable} key=${version} name="penalties" columns=${columns} filters=${filters} rowKey=${(p) => p.id}
          load=${async (query) => {
            const answer = await api('/api/reports/penalties' + queryString(query));
            setRange(answer.amountRange);
            return answer;
          }} />
      </div>
      ${session()?.role === 'coordinator' ? html`<section class="card">
        <h2>${t('record')}</h2>
        <p class="hint">${t('intro', range)}</p>
        <${Form} name="penalty" fields=${fields} submit=${submit} submitLabel=${t('submit')}
          onDone=${(answer) => {
            setNotice([answer?.dealerCode ? t('recorded', answer) : '', effectText(answer)].filter(Boolean).join(' '));
            setVersion((n) => n + 1);
          }} />
      </section>` : null}
    </div>
  <//>`;
}
