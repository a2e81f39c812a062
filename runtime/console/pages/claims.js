// Special claims (特殊索赔, SPEC §3.10): the coordinator's queue, where each claim is approved (an
// amount up to the one claimed, only with every listed document) or rejected with a reason; a
// dealer's own claims. The complaint page shows a complaint's claims with the same rows, and there
// the dealer files one. The API decides and says why it refuses; the page shows it beside the button.
import { html, useEffect, useState, Page, Banner, Form, api, strings, label, when, session, errorText, pageHref, refusalLocaliser } from '../lib.js';

const t = strings({
  zh: {
    title: '特殊索赔', pending: '待审核', all: '全部', none: '没有索赔单。', claim: '索赔单', complaint: '投诉', dealer: '服务商', type: '类型', amount: '申请金额', approvedAmount: '批准金额',
    status: '状态', filed: '提交时间', documents: '材料', missing: '尚缺', complete: '材料齐全', decided: '审核', approve: '批准', reject: '驳回', reason: '驳回原因', description: '说明',
    approveIntro: '批准金额不得超过申请金额；材料不全时不能批准。', file: '提交特殊索赔', fileIntro: (days) => `重大抱怨处理期间或关闭后 ${days ?? 30} 天内可提交；材料按《重大抱怨处理管理办法》4.3 提供，可稍后补充。`,
    addDocs: '补充材料', docKind: '材料类型', docFile: '文件', filesHint: 'JPEG、PNG、WebP 照片或 PDF，每个不超过 5 MB', amountYuan: '金额（元）',
  },
  en: {
    title: 'Special claims', pending: 'To decide', all: 'All', none: 'No claims.', claim: 'Claim', complaint: 'Complaint', dealer: 'Dealer', type: 'Type', amount: 'Claimed', approvedAmount: 'Approved',
    status: 'Status', filed: 'Filed', documents: 'Documents', missing: 'Missing', complete: 'Every listed document is in', decided: 'Decision', approve: 'Approve', reject: 'Reject', reason: 'Why rejected', description: 'Description',
    approveIntro: 'The approved amount is at most the one claimed; a claim missing a listed document cannot be approved.', file: 'File a special claim', fileIntro: (days) => `While the major complaint is open or within ${days ?? 30} days of its closure; the documents of 重大抱怨 §4.3, which may follow later.`,
    addDocs: 'Add documents', docKind: 'Document', docFile: 'File', filesHint: 'JPEG, PNG, WebP photos or PDF, 5 MB each at most', amountYuan: 'Amount (¥)',
  },
});

// The API's refusals, in the page's language (the API speaks English to machines).
const documents = (list) => list.split(', ').map((k) => label('claimDocument', k)).join('、');
const ZH = [
  [/^the claim lacks (.+): it cannot be approved/, (m) => `材料不全，不能批准：尚缺${documents(m[1])}。请服务商补充后再审核。`],
  [/^must not be more than the ([\d.]+) yuan claimed$/, (m) => `批准金额不得超过申请的 ${m[1]} 元`],
  [/^claim (\S+) is already (approved|rejected) by (\S+)$/, (m) => `索赔单 ${m[1]} 已由 ${m[3]} ${label('claimStatus', m[2])}`],
  [/^must be at most (\d+) yuan for a (\w+) claim/, (m) => `金额不得超过 ${m[1]} 元（${label('claimType', m[2])}上限）`],
  [/^claims are filed while the complaint is open or within (\d+) days/, (m) => `只能在抱怨处理期间或关闭后 ${m[1]} 天内提交索赔`],
  [/^special and travel claims are for major complaints/, () => '只有重大抱怨可以提交特殊索赔'],
  [/^this claim is already filed as (\S+)/, (m) => `该索赔已提交（索赔单 ${m[1]}），请勿重复提交`],
  [/^must be more than 0$/, () => '金额须大于 0'],
  [/^must be an amount in yuan$/, () => '请填写金额（元）'],
  [/^must have at most two decimals$/, () => '金额最多两位小数'],
  [/^is required$/, () => '必填'],
];
const localise = refusalLocaliser(ZH);
const localised = (promise) =>
  promise.catch((err) => {
    throw localise(err);
  });

const KINDS = ['vehicle_licence', 'owner_id', 'purchase_invoice', 'agreement', 'receipts', 'other'];
const yuan = (n) => (typeof n === 'number' ? `¥${n.toLocaleString('en-US', { maximumFractionDigits: 2 })}` : '—');

/** The files of a claim form, one input per document kind, as the API takes them (`documentKinds` in order). */
function documentsBody(values, body = new FormData()) {
  const kinds = [];
  for (const kind of KINDS) {
    for (const file of values['doc:' + kind] ?? []) {
      body.append('documents', file);
      kinds.push(kind);
    }
  }
  if (kinds.length) body.append('documentKinds', kinds.join(','));
  return body;
}
const documentFields = (kinds = KINDS) => kinds.map((kind) => ({ name: 'doc:' + kind, label: label('claimDocument', kind), type: 'file', accept: 'image/jpeg,image/png,image/webp,application/pdf' }));

/** A claim's documents, each a download for those who may see them (the coordinator and the owning dealer). */
function Documents({ claim }) {
  const open = async (doc, e) => {
    e.preventDefault();
    const res = await fetch(`/api/claims/${claim.id}/documents/${doc.id}`, { credentials: 'same-origin' });
    if (!res.ok) return;
    const link = document.createElement('a');
    link.href = URL.createObjectURL(await res.blob());
    link.download = doc.filename;
    link.click();
  };
  return html`<ul class="plain">
    ${claim.documents.map((d) => html`<li><a href="#" onClick=${(e) => open(d, e)}>${label('claimDocument', d.kind)}: ${d.filename}</a></li>`)}
    <li class=${claim.missingDocuments.length ? 'low' : 'muted'} data-missing=${claim.missingDocuments.join(',')}>
      ${claim.missingDocuments.length ? `${t('missing')}: ${claim.missingDocuments.map((k) => label('claimDocument', k)).join('、')}` : t('complete')}
    </li>
  </ul>`;
}

/** One claim: what was claimed, its documents, and the decision (or, for the coordinator, the forms to take it). */
export function ClaimRow({ claim, onChanged, showComplaint = true }) {
  const role = session()?.role;
  const decide = role === 'coordinator' && claim.status === 'pending';
  return html`<tr data-claim=${claim.id} data-status=${claim.status}>
    <td>${claim.id}<br /><span class="muted">${when(claim.filedAt)}</span></td>
    ${showComplaint ? html`<td><a href=${pageHref('/complaints/' + claim.number)}>${claim.number}</a><br />${claim.dealerCode}</td>` : null}
    <td>${label('claimType', claim.type)}<br /><span class="muted">${claim.description ?? ''}</span></td>
    <td>${yuan(claim.amount)}</td>
    <td><${Documents} claim=${claim} /></td>
    <td>
      <strong>${label('claimStatus', claim.status)}</strong>
      ${claim.status === 'approved' ? html`<div>${t('approvedAmount')} ${yuan(claim.approvedAmount)}</div>` : null}
      ${claim.status === 'rejected' ? html`<div>${claim.rejectReason}</div>` : null}
      ${claim.decidedBy ? html`<div class="muted">${claim.decidedBy} · ${when(claim.decidedAt)}</div>` : null}
      ${decide
        ? html`<details class="action" data-action="approve-claim"><summary>${t('approve')}</summary>
            <${Form} name=${'approve-' + claim.id} intro=${t('approveIntro')} submitLabel=${t('approve')}
              fields=${[{ name: 'amount', label: t('amountYuan'), type: 'number', required: true, value: String(claim.amount), min: 0, max: claim.amount }]}
              submit=${(v, key) => localised(api(`/api/claims/${claim.id}/approve`, { method: 'POST', body: { amount: Number(v.amount) }, key }))}
              onDone=${onChanged} /></details>
          <details class="action" data-action="reject-claim"><summary>${t('reject')}</summary>
            <${Form} name=${'reject-' + claim.id} submitLabel=${t('reject')} fields=${[{ name: 'reason', label: t('reason'), type: 'textarea', required: true }]}
              submit=${(v, key) => localised(api(`/api/claims/${claim.id}/reject`, { method: 'POST', body: { reason: v.reason }, key }))}
              onDone=${onChanged} /></details>`
        : null}
      ${role === 'dealer' && claim.status === 'pending' && claim.missingDocuments.length
        ? html`<details class="action" data-action="claim-documents"><summary>${t('addDocs')}</summary>
            <${Form} name=${'documents-' + claim.id} submitLabel=${t('addDocs')} intro=${t('filesHint')} fields=${documentFields(claim.missingDocuments)}
              submit=${(v, key) => localised(api(`/api/claims/${claim.id}/documents`, { method: 'POST', body: documentsBody(v), key }))}
              onDone=${onChanged} /></details>`
        : null}
    </td>
  </tr>`;
}

export function ClaimsTable({ claims, onChanged, showComplaint = true }) {
  if (!claims.length) return html`<p class="muted">${t('none')}</p>`;
  return html`<table class="claims" data-claims>
    <thead><tr><th>${t('claim')}</th>${showComplaint ? html`<th>${t('complaint')}</th>` : null}<th>${t('type')}</th><th>${t('amount')}</th><th>${t('documents')}</th><th>${t('decided')}</th></tr></thead>
    <tbody>${claims.map((c) => html`<${ClaimRow} key=${c.id} claim=${c} onChanged=${onChanged} showComplaint=${showComplaint} />`)}</tbody>
  </table>`;
}

/** The dealer's claim form on a major complaint's page. */
export function ClaimForm({ complaint, onDone, windowDays }) {
  return html`<details class="action" data-action="file-claim"><summary>${t('file')}</summary>
    <${Form} name="file-claim" intro=${t('fileIntro', windowDays)} submitLabel=${t('file')}
      fields=${[
        { name: 'type', label: t('type'), type: 'select', options: [['special', label('claimType', 'special')], ['travel', label('claimType', 'travel')]], required: true },
        { name: 'amount', label: t('amountYuan'), type: 'number', required: true, min: 0 },
        { name: 'description', label: t('description'), type: 'textarea', required: true },
        ...documentFields(),
      ]}
      submit=${(v, key) => {
        const body = new FormData();
        for (const field of ['type', 'amount', 'description']) if (v[field]) body.append(field, v[field]);
        return localised(api(`/api/complaints/${encodeURIComponent(complaint.number)}/claims`, { method: 'POST', body: documentsBody(v, body), key }));
      }}
      onDone=${onDone} />
  </details>`;
}

/** A complaint's claims (the coordinator's and the owning dealer's view), for its page. */
export function useClaims(number, wanted) {
  const [claims, setClaims] = useState([]);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    // An answer that arrives after a newer request's is stale: it is dropped.
    let live = true;
    if (wanted) api(`/api/complaints/${encodeURIComponent(number)}/claims`).then((r) => live && setClaims(r.claims), () => {});
    return () => {
      live = false;
    };
  }, [number, wanted, version]);
  return [claims, () => setVersion((n) => n + 1)];
}

export default function ClaimsPage() {
  const [status, setStatus] = useState(session()?.role === 'coordinator' ? 'pending' : '');
  const [claims, setClaims] = useState(null);
  const [error, setError] = useState(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    // An answer that arrives after a newer request's (another tab, a decision just taken) is stale: dropped.
    let live = true;
    api('/api/claims' + (status ? `?status=${status}` : '')).then((r) => live && setClaims(r.claims), (e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [status, version]);
  return html`<${Page} title=${t('title')}>
    <${Banner}>${error ? errorText(error) : ''}<//>
    <div class="tabs">
      ${[['pending', t('pending')], ['', t('all')]].map(([value, text]) => html`<button type="button" class=${status === value ? 'active' : ''} data-tab=${value || 'all'} onClick=${() => setStatus(value)}>${text}</button>`)}
    </div>
    <section class="card">${claims ? html`<${ClaimsTable} claims=${claims} onChanged=${() => setVersion((n) => n + 1)} />` : null}</section>
  <//>`;
}
