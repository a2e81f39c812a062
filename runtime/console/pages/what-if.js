// Policy what-if (SPEC §4, §6): before a rule changes, what it would have done to every dealer's
// scorecard and incentive money. The coordinator or HQ changes the policy's main numbers (or uploads
// a policy file) and runs it over months already scored; nothing real changes. The API validates the
// proposal as a policy load would and names each field at fault; the form shows it beside the field.
import { html, useState, useEffect, useRef, Page, Form, Banner, api, strings } from '../lib.js';

const t = strings({
  zh: {
    title: '政策模拟（假如）',
    intro: '修改政策的主要数字（或上传政策文件），用已记录的事件时间重新计算各月考核与费用支持。不会改变任何真实考核、政策或流程。空白的项目保持现行政策。',
    from: '起始月份',
    to: '截止月份',
    replyHours: '回复时限（小时）',
    contactHours: '联系客户时限（小时）',
    closureDays: '闭环时限（天，所有类别）',
    counting: '闭环天数计算',
    countings: { '': '不变', calendar_days: '自然日', working_days: '工作日' },
    cutoff: '截止时间（HH:MM）',
    quotaRatio: '抱怨量限值比例',
    incentiveAmount: '费用支持金额（元）',
    file: '或上传政策文件（JSON，字段同政策文件）',
    run: '运行模拟',
    running: '正在计算…',
    summary: (s) => `${s.complaints} 件投诉中 ${s.complaintsChanged} 件的指标改变；${s.dealerMonths} 个服务商月份中 ${s.eligibilityFlips} 个费用支持资格改变；费用支持 ¥${s.actualAmount.toLocaleString()} → ¥${s.proposedAmount.toLocaleString()}（${s.amountChange >= 0 ? '+' : ''}${s.amountChange.toLocaleString()}）`,
    flips: '资格改变的服务商（优先显示）',
    dealers: '各服务商（点击查看投诉原因）',
    chart: '各大区费用支持：实际与模拟',
    actual: '实际',
    proposed: '模拟',
    month: '月份',
    dealer: '服务商',
    region: '大区',
    eligible: '费用支持资格',
    amount: '支持额度',
    change: '变化',
    differences: '指标变化',
    yes: '是',
    no: '否',
    reasons: (d) => `${d.dealerCode} ${d.month} 的投诉：指标变化及原因`,
    noReasons: '没有投诉的指标改变（变化来自限值或金额）。',
    csv: '下载 CSV',
    badFile: '政策文件不是有效的 JSON',
    draft: (v) => `正在试算“日历与政策”页面的政策草稿 ${v}；下面填写的数字会在其上再作修改。`,
    calendarDraft: (y, v) => `正在试算 ${y} 年工作日历草稿 ${v}（代替已载入的 ${y} 年日历）。`,
  },
  en: {
    title: 'Policy what-if',
    intro: 'Change the policy’s main numbers (or upload a policy file) and see how the months already scored would have come out, from the recorded event times. Nothing real changes: no scorecard, policy or workflow. Blank fields keep the policy in force.',
    from: 'From month',
    to: 'To month',
    replyHours: 'Reply clock (hours)',
    contactHours: 'Contact clock (hours)',
    closureDays: 'Closure deadline (days, every category)',
    counting: 'Closure days count',
    countings: { '': 'unchanged', calendar_days: 'calendar days', working_days: 'working days' },
    cutoff: 'Cutoff (HH:MM)',
    quotaRatio: 'Quota ratio',
    incentiveAmount: 'Incentive amount (¥)',
    file: 'or upload a policy file (JSON, the fields of a policy document)',
    run: 'Run the what-if',
    running: 'Computing…',
    summary: (s) => `${s.complaintsChanged} of ${s.complaints} complaints change a fact; ${s.eligibilityFlips} of ${s.dealerMonths} dealer-months change eligibility; incentive ¥${s.actualAmount.toLocaleString()} → ¥${s.proposedAmount.toLocaleString()} (${s.amountChange >= 0 ? '+' : ''}${s.amountChange.toLocaleString()})`,
    flips: 'Dealers whose eligibility flips (first)',
    dealers: 'Dealers (click for the complaints’ reasons)',
    chart: 'Incentive money by region: actual and proposed',
    actual: 'Actual',
    proposed: 'Proposed',
    month: 'Month',
    dealer: 'Dealer',
    region: 'Region',
    eligible: 'Eligible',
    amount: 'Amount due',
    change: 'Change',
    differences: 'Changes',
    yes: 'yes',
    no: 'no',
    reasons: (d) => `${d.dealerCode} ${d.month}: the complaints whose facts change, and why`,
    noReasons: 'No complaint’s facts change (the change comes from the quota or the amounts).',
    csv: 'Download CSV',
    badFile: 'The policy file is not valid JSON',
    draft: (v) => `Trying the policy draft ${v} from the calendars and policies page; the fields below change it further.`,
    calendarDraft: (y, v) => `Trying the ${y} calendar draft ${v} in place of the ${y} calendar loaded.`,
  },
});

const CATEGORIES = ['product_quality', 'technical_capability', 'service_process', 'parts_supply'];
const monthsAgo = (n) => {
  const d = new Date(Date.now() + 8 * 3600_000);
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - n);
  return d.toISOString().slice(0, 7);
};

/** The form's numbers as policy changes: only what was filled in, under the policy document's field names. */
function proposal(values, fromFile) {
  const policy = structuredClone(fromFile ?? {});
  const set = (path, value) => {
    const keys = path.split('.');
    let o = policy;
    for (const k of keys.slice(0, -1)) o = o[k] = typeof o[k] === 'object' && o[k] ? o[k] : {};
    o[keys.at(-1)] = value;
  };
  const number = (v) => (v === '' || v === undefined ? undefined : Number(v));
  if (number(values['reply.hours']) !== undefined) set('reply.hours', number(values['reply.hours']));
  if (number(values['contact.hours']) !== undefined) set('contact.hours', number(values['contact.hours']));
  if (number(values['closure.days']) !== undefined) for (const c of CATEGORIES) set(`closure.days.${c}`, number(values['closure.days']));
  if (values['closure.counting']) set('closure.counting', values['closure.counting']);
  if (values.cutoff) set('cutoff', values.cutoff);
  if (number(values['quota.ratio']) !== undefined) set('quota.ratio', number(values['quota.ratio']));
  if (number(values['incentive.amount']) !== undefined) set('incentive.amount', number(values['incentive.amount']));
  return policy;
}

/** Chart.js, as the dashboard serves it, loaded once when a chart is first drawn. */
let chartJs;
const loadChartJs = () =>
  (chartJs ??= new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = '/assets/chart.umd.js';
    s.onload = () => resolve(window.Chart);
    s.onerror = reject;
    document.head.append(s);
  }));

function RegionChart({ regions }) {
  const canvas = useRef(null);
  useEffect(() => {
    let chart;
    const byRegion = new Map();
    for (const r of regions) {
      const sum = byRegion.get(r.region) ?? { actual: 0, proposed: 0 };
      sum.actual += r.actual.amountDue;
      sum.proposed += r.proposed.amountDue;
      byRegion.set(r.region, sum);
    }
    const labels = [...byRegion.keys()].map((r) => r || '—');
    loadChartJs().then((Chart) => {
      chart = new Chart(canvas.current, {
        type: 'bar',
        data: {
          labels,
          datasets: [
            { label: t('actual'), data: [...byRegion.values()].map((v) => v.actual), backgroundColor: '#8aa4c8' },
            { label: t('proposed'), data: [...byRegion.values()].map((v) => v.proposed), backgroundColor: '#e07b39' },
          ],
        },
        options: { animation: false, responsive: true, plugins: { legend: { position: 'bottom' } } },
      });
    });
    return () => chart?.destroy();
  }, [regions]);
  return html`<section class="card"><h2>${t('chart')}</h2><div style="max-width:640px"><canvas ref=${canvas} data-chart="regions"></canvas></div></section>`;
}

const yesNo = (v) => (v ? t('yes') : t('no'));
const percent = (v) => (typeof v === 'number' && !Number.isInteger(v) ? `${(v * 100).toFixed(1)}%` : typeof v === 'number' && v <= 1 && v >= 0 ? `${v * 100}%` : String(v));

function DealerRows({ dealers, onPick, picked }) {
  return html`<table class="data">
    <thead><tr><th>${t('month')}</th><th>${t('dealer')}</th><th>${t('region')}</th><th>${t('eligible')}</th><th>${t('amount')}</th><th>${t('change')}</th><th>${t('differences')}</th></tr></thead>
    <tbody>${dealers.map(
      (d) => html`<tr key=${d.month + d.dealerCode} data-dealer=${d.dealerCode} class=${(d.eligibilityFlips ? 'flip ' : '') + (picked === d ? 'picked' : '')} style="cursor:pointer" onClick=${() => onPick(d)}>
        <td>${d.month}</td><td>${d.dealerCode}</td><td>${d.region}</td>
        <td>${yesNo(d.actual.incentive.eligible)} → ${yesNo(d.proposed.incentive.eligible)}</td>
        <td>¥${(d.actual.incentive.amountDue ?? 0).toLocaleString()} → ¥${(d.proposed.incentive.amountDue ?? 0).toLocaleString()}</td>
        <td>${d.amountChange > 0 ? '+' : ''}${d.amountChange.toLocaleString()}</td>
        <td>${d.differences.map((x) => `${x.kpi}: ${x.kpi === 'eligible' ? `${yesNo(x.actual)}→${yesNo(x.proposed)}` : x.kpi === 'quota' || x.kpi === 'amountDue' ? `${x.actual}→${x.proposed}` : `${percent(x.actual)}→${percent(x.proposed)}`}`).join('; ')}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}

/**
 * A policy draft sent from the calendars and policies page ("try it first"), in the address's
 * fragment: never sent to a server but this page's own API call.
 */
function draftFromLink(kind) {
  try {
    const m = location.hash.match(new RegExp(`^#${kind}=(.+)$`));
    return m ? JSON.parse(decodeURIComponent(m[1])) : undefined;
  } catch {
    return undefined;
  }
}

export default function WhatIfPage() {
  const [draft] = useState(() => draftFromLink('policy'));
  const [calendarDraft] = useState(() => draftFromLink('calendar'));
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);
  const [picked, setPicked] = useState(null);
  const [fileError, setFileError] = useState('');
  const fields = [
    { name: 'from', label: t('from'), required: true, value: monthsAgo(3), placeholder: 'YYYY-MM' },
    { name: 'to', label: t('to'), required: true, value: monthsAgo(1), placeholder: 'YYYY-MM' },
    { name: 'reply.hours', label: t('replyHours'), type: 'number', placeholder: '24' },
    { name: 'contact.hours', label: t('contactHours'), type: 'number', placeholder: '24' },
    { name: 'closure.days', label: t('closureDays'), type: 'number' },
    { name: 'closure.counting', label: t('counting'), type: 'select', options: Object.entries(t('countings')).filter(([k]) => k), placeholder: t('countings')[''] },
    { name: 'cutoff', label: t('cutoff'), placeholder: '16:30' },
    { name: 'quota.ratio', label: t('quotaRatio'), type: 'number', placeholder: '0.01' },
    { name: 'incentive.amount', label: t('incentiveAmount'), type: 'number', placeholder: '2000' },
    { name: 'file', label: t('file'), type: 'file', multiple: false, accept: 'application/json,.json' },
  ];
  const submit = async (values, key) => {
    setFileError('');
    let fromFile = draft;
    const file = values.file?.[0];
    if (file) {
      try {
        fromFile = JSON.parse(await file.text());
      } catch {
        setFileError(t('badFile'));
        throw new Error(t('badFile'));
      }
    }
    setBusy(true);
    setPicked(null);
    try {
      // Field paths come back as `policy.reply.hours`: the form's fields are named as the policy's.
      return await api('/api/reports/what-if', { method: 'POST', body: { from: values.from, to: values.to, policy: proposal(values, fromFile), ...(calendarDraft && { calendars: { [calendarDraft.year]: calendarDraft } }) }, key });
    } catch (err) {
      if (err?.details) err.details = err.details.map((d) => ({ ...d, path: d.path.replace(/^policy\./, '').replace(/^closure\.days\.\w+$/, 'closure.days') }));
      throw err;
    } finally {
      setBusy(false);
    }
  };
  const flips = result?.dealers.filter((d) => d.eligibilityFlips) ?? [];
  const reasons = picked ? result.complaints.filter((c) => c.dealerCode === picked.dealerCode && c.month === picked.month) : [];
  return html`<${Page} title=${t('title')}>
    <p class="hint">${t('intro')}</p>
    ${draft ? html`<${Banner} ok><span data-draft>${t('draft', draft.version || '—')}</span><//>` : null}
    ${calendarDraft ? html`<${Banner} ok><span data-draft>${t('calendarDraft', calendarDraft.year, calendarDraft.version || '—')}</span><//>` : null}
    <section class="card">
      <${Form} name="what-if" fields=${fields} submit=${submit} submitLabel=${t('run')} resetOnDone=${false} onDone=${(answer) => setResult(answer)}>
        ${busy ? html`<p role="status" data-progress><progress></progress> ${t('running')}</p>` : null}
        ${fileError ? html`<${Banner}>${fileError}<//>` : null}
      <//>
    </section>
    ${result
      ? html`<section class="card" data-result>
          <p data-summary><strong>${t('summary', result.summary)}</strong> · <a href=${`/api/reports/what-if/${result.id}?format=csv`}>${t('csv')}</a></p>
          ${flips.length ? html`<h2>${t('flips')}</h2><${DealerRows} dealers=${flips} onPick=${setPicked} picked=${picked} />` : null}
        </section>
        <${RegionChart} regions=${result.regions} />
        ${picked
          ? html`<section class="card" data-reasons>
              <h2>${t('reasons', picked)}</h2>
              ${reasons.length ? html`<ul>${reasons.map((c) => html`<li key=${c.number + c.fact}><code>${c.number}</code> ${c.fact}: ${String(c.actual)} → ${String(c.proposed)} — ${c.why}</li>`)}</ul>` : html`<p>${t('noReasons')}</p>`}
            </section>`
          : null}
        <section class="card"><h2>${t('dealers')}</h2><${DealerRows} dealers=${result.dealers.filter((d) => d.differences.length)} onPick=${setPicked} picked=${picked} /></section>`
      : null}
  <//>`;
}

