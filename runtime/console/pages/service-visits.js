// Service visits (进站台次) per dealer and month, the base of each dealer's complaint quota (SPEC §6):
// the coordinator uploads the CSV as Excel saves it, or pastes it. Every row is checked first; a bad
// row refuses the whole file, and each problem is listed beside the upload by line and field.
import { html, useState, Page, DataTable, Banner, api, queryString, strings, lang, session, refusalText, errorText, ApiError, submissionKey } from '../lib.js';

const t = strings({
  zh: {
    title: '进站记录',
    intro: '上传或粘贴 CSV：表头为 dealerCode,month,visits（服务商代码、月份 YYYY-MM、进站台次）。任一行有误则整个文件不导入；同一文件再次导入不会重复计算。',
    file: 'CSV 文件',
    paste: '或粘贴 CSV 内容',
    import: '导入',
    importing: '导入中…',
    imported: (n) => `已导入 ${n} 行。`,
    refused: '未导入：文件中有错误的行',
    problems: '问题',
    where: '位置',
    line: (n) => `第 ${n} 行`,
    nothing: '请选择文件或粘贴内容',
    month: '月份',
    dealer: '服务商',
    visits: '进站台次',
    counts: (n, sum) => `该月已导入 ${n} 个服务商，共 ${sum} 台次（本页）`,
    list: '已导入的进站台次',
    fields: { dealerCode: '服务商代码', month: '月份', visits: '进站台次', row: '整行', file: '文件' },
  },
  en: {
    title: 'Service visits',
    intro: 'Upload or paste a CSV with the header dealerCode,month,visits (dealer code, month YYYY-MM, visits). One bad row refuses the whole file; importing the same file again changes nothing.',
    file: 'CSV file',
    paste: 'or paste the CSV',
    import: 'Import',
    importing: 'Importing…',
    imported: (n) => `${n} rows imported.`,
    refused: 'Nothing was imported: the file has invalid rows',
    problems: 'Problem',
    where: 'Where',
    line: (n) => `line ${n}`,
    nothing: 'Choose a file or paste its contents',
    month: 'Month',
    dealer: 'Dealer',
    visits: 'Visits',
    counts: (n, sum) => `${n} dealers imported for the month, ${sum} visits (this page)`,
    list: 'Visits imported',
    fields: { dealerCode: 'dealer code', month: 'month', visits: 'visits', row: 'row', file: 'file' },
  },
});

const ZH = [
  [/^dealer (\S+) is not in the directory$/, (m) => `服务商 ${m[1]} 不在目录中`],
  [/^(\S+) (\d{4}-\d{2}) is also on line (\d+)$/, (m) => `${m[1]} ${m[2]} 与第 ${m[3]} 行重复`],
  [/^must be a month, YYYY-MM$/, () => '月份格式应为 YYYY-MM'],
  [/^must be a whole number$/, () => '应为整数'],
  [/^must not be negative$/, () => '不能为负数'],
  [/^has no rows$/, () => '没有数据行'],
];
const say = (message) => {
  if (lang() !== 'zh') return message;
  for (const [pattern, text] of ZH) {
    const m = message.match(pattern);
    if (m) return text(m);
  }
  return refusalText(message);
};

/** `line 3.month` → 第 3 行 · 月份 */
function where(path) {
  const m = path.match(/^line (\d+)\.(\w+)$/);
  if (!m) return t('fields')[path] ?? path;
  return `${t('line', m[1])} · ${t('fields')[m[2]] ?? m[2]}`;
}

/** The import is CSV as the file has it (lib's api sends JSON): the session's CSRF token, the submission's key. */
async function importCsv(csv, key) {
  const res = await fetch('/api/reports/service-visits', {
    method: 'PUT',
    credentials: 'same-origin',
    headers: { 'content-type': 'text/csv', accept: 'application/json', 'x-csrf-token': session()?.csrfToken ?? '', 'idempotency-key': key },
    body: csv,
  }).catch(() => null);
  if (!res) throw new ApiError(0, 'network', lang() === 'zh' ? '网络不通，请稍后再试' : 'The network did not answer: try again');
  const body = (res.headers.get('content-type') ?? '').includes('json') ? await res.json().catch(() => ({})) : {};
  if (!res.ok) throw new ApiError(res.status, body.error ?? 'error', body.message ?? res.statusText, body.details ?? []);
  return body;
}

const lastMonth = () => {
  const now = new Date(Date.now() + 8 * 3600_000);
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
};

export default function ServiceVisitsPage() {
  const [text, setText] = useState('');
  const [file, setFile] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const [version, setVersion] = useState(0);
  const [key] = useState(() => submissionKey());
  const [shown, setShown] = useState({ total: 0, sum: 0 });

  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    setNotice('');
    const csv = file ? await file.text() : text;
    if (!csv.trim()) return setError(new ApiError(400, 'empty', t('nothing')));
    setBusy(true);
    try {
      const answer = await importCsv(csv, key.get());
      key.settle();
      setNotice(t('imported', answer.imported ?? 0));
      setVersion((n) => n + 1);
    } catch (err) {
      key.settle(err);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const problems = error?.details ?? [];
  return html`<${Page} title=${t('title')}>
    <div class="grid">
      <section class="card">
        <p class="hint">${t('intro')}</p>
        <form data-form="service-visits" onSubmit=${submit} novalidate>
          <div class="field"><label for="visits-file">${t('file')}</label>
            <input id="visits-file" type="file" name="file" accept=".csv,text/csv" onChange=${(e) => setFile(e.currentTarget.files[0] ?? null)} /></div>
          <div class="field"><label for="visits-text">${t('paste')}</label>
            <textarea id="visits-text" name="csv" rows="8" placeholder="dealerCode,month,visits&#10;SH001,2026-10,150" onInput=${(e) => setText(e.currentTarget.value)}>${text}</textarea></div>
          <div class="form-actions">
            <button type="submit" disabled=${busy}>${busy ? t('importing') : t('import')}</button>
            ${error && !problems.length ? html`<span class="refusal" role="alert" data-refusal>${say(errorText(error))}</span>` : null}
            ${notice ? html`<span class="ok" role="status">${notice}</span>` : null}
          </div>
        </form>
      </section>
      ${problems.length ? html`<section class="card" data-problems>
        <h2>${t('refused')}</h2>
        <table>
          <thead><tr><th>${t('where')}</th><th>${t('problems')}</th></tr></thead>
          <tbody>
            ${problems.map((d) => html`<tr data-problem=${d.path}><td class="error">${where(d.path)}</td><td>${say(d.message)}</td></tr>`)}
          </tbody>
        </table>
      </section>` : null}
    </div>
    <h2>${t('list')}</h2>
    <${Banner} ok>${shown.total ? t('counts', shown.total, shown.sum) : ''}<//>
    <${DataTable} key=${version} name="service-visits" initial=${{ month: lastMonth() }} rowKey=${(v) => v.dealerCode + v.month}
      filters=${[{ name: 'month', label: t('month'), type: 'text', placeholder: 'YYYY-MM' }]}
      columns=${[
        { key: 'dealerCode', label: t('dealer') },
        { key: 'month', label: t('month') },
        { key: 'visits', label: t('visits') },
      ]}
      load=${async (query) => {
        const answer = await api('/api/reports/service-visits' + queryString({ month: query.month, page: query.page, pageSize: query.pageSize }));
        setShown({ total: answer.total, sum: answer.visits.reduce((s, v) => s + v.visits, 0) });
        return { items: answer.visits, total: answer.total };
      }} />
  <//>`;
}
