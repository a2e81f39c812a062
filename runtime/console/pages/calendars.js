// The working calendars and the policies (SPEC §4), as the coordinator operates them: the versions
// loaded with who loaded them and when; one version viewed; a new one loaded from a file or edited
// here (the year's holidays and make-up days), checked by the server with the same rules as the CLI
// before it is saved, with its difference from the version in force. A refused calendar changes
// nothing and its problems are shown beside the rows at fault.
import { html, useState, useEffect, Page, Banner, api, strings, when, useUrlQuery, submissionKey, errorText, refusalText, pageHref, libText } from '../lib.js';

const t = strings({
  zh: {
    title: '工作日历与政策',
    intro: '工作日历每年一份：周一至周五上班，扣除法定节假日，加上调休上班日。载入新版本后，未闭环抱怨落在该年的期限按新日历重新计算（只顺延，不提前），服务商会收到通知。',
    calendars: '工作日历',
    year: '年份', version: '版本', source: '依据', loadedBy: '载入人', loadedAt: '载入时间', inForce: '现行', view: '查看', correction: '期限重算',
    correction_pending: '待开始', correction_started: '已开始', correction_not_needed: '无需',
    versionsOf: (y) => `${y} 年的版本`,
    holidays: '法定节假日', makeUpWorkdays: '调休上班日', name: '名称', from: '开始', to: '结束', date: '日期',
    editNew: '编辑为新版本', newYear: '载入新一年的日历', upload: '从文件载入（JSON）', addHoliday: '添加假期', addMakeUp: '添加调休日', remove: '删除',
    check: '检查', save: '保存并生效', saving: '保存中…', checking: '检查中…', cancel: '取消',
    valid: '检查通过：与现行版本相比', noCalendar: '（该年尚无日历）', noChange: '与现行版本相同的工作日',
    holidaysAdded: '新增假日', holidaysRemoved: '取消假日', makeUpAdded: '新增调休日', makeUpRemoved: '取消调休日',
    saved: (y, v, o) => `${y} 年日历 ${v} ${o === 'unchanged' ? '未变更（已载入过）' : '已保存并生效'}；未闭环抱怨的期限正在重新计算。`,
    fileUnreadable: '文件不是有效的 JSON',
    policies: '政策',
    effectiveFrom: '生效时间', description: '说明', policyJson: '政策内容（JSON）', newPolicy: '新政策版本',
    policyIntro: '政策的每个数字都可调整；新版本只适用于生效后受理的抱怨，生效时间须晚于现在。',
    policyValid: (v) => `检查通过：与 ${v ?? '—'} 相比的变化`, path: '项目', before: '原值', after: '新值',
    policySaved: (v, o) => `政策 ${v} ${o === 'unchanged' ? '未变更（已载入过）' : '已保存'}。`,
    tryWhatIf: '先用政策模拟试算',
    savePolicy: '保存（到生效时间起适用）',
    none: '无',
  },
  en: {
    title: 'Working calendars and policies',
    intro: 'One working calendar per year: Monday to Friday, minus public holidays, plus the make-up working days. When a new version is loaded, the open complaints’ deadlines in that year are counted again with it (only ever later), and their dealers are told.',
    calendars: 'Working calendars',
    year: 'Year', version: 'Version', source: 'Source', loadedBy: 'Loaded by', loadedAt: 'Loaded at', inForce: 'In force', view: 'View', correction: 'Deadlines corrected',
    correction_pending: 'to start', correction_started: 'started', correction_not_needed: 'not needed',
    versionsOf: (y) => `Versions of ${y}`,
    holidays: 'Public holidays', makeUpWorkdays: 'Make-up working days', name: 'Name', from: 'From', to: 'To', date: 'Date',
    editNew: 'Edit as a new version', newYear: 'Load a calendar for a new year', upload: 'Load from a file (JSON)', addHoliday: 'Add a holiday', addMakeUp: 'Add a make-up day', remove: 'Remove',
    check: 'Check', save: 'Save and put in force', saving: 'Saving…', checking: 'Checking…', cancel: 'Cancel',
    valid: 'Valid. Against the version in force:', noCalendar: '(no calendar for that year yet)', noChange: 'The same working days as the version in force',
    holidaysAdded: 'Holidays added', holidaysRemoved: 'Holidays removed', makeUpAdded: 'Make-up days added', makeUpRemoved: 'Make-up days removed',
    saved: (y, v, o) => `The ${y} calendar ${v} ${o === 'unchanged' ? 'was loaded before: nothing changed' : 'is saved and in force'}; the open complaints’ deadlines are being counted again.`,
    fileUnreadable: 'The file is not valid JSON',
    policies: 'Policies',
    effectiveFrom: 'Effective from', description: 'Description', policyJson: 'Policy (JSON)', newPolicy: 'A new policy version',
    policyIntro: 'Every number of the policy can be changed; a new version applies to complaints received after it takes effect, which must be later than now.',
    policyValid: (v) => `Valid. Changes against ${v ?? '—'}:`, path: 'Setting', before: 'Before', after: 'After',
    policySaved: (v, o) => `Policy ${v} ${o === 'unchanged' ? 'was loaded before: nothing changed' : 'is saved'}.`,
    tryWhatIf: 'Try it first in the what-if',
    savePolicy: 'Save (applies from its effective date)',
    none: 'None',
  },
});

const emptyCalendar = (year) => ({ year, version: `${year}.1`, source: '', holidays: [], makeUpWorkdays: [] });

/** The API's refusal of a field, by its path (`holidays.1.from`). */
const problem = (error, path) => {
  const d = (error?.details ?? []).find((x) => x.path === path);
  return d ? refusalText(d.message) : '';
};

function CalendarView({ calendar }) {
  return html`<div class="calendar-view" data-calendar-view=${calendar.version}>
    <p class="hint">${t('source')}: ${calendar.source || '—'}</p>
    <h4>${t('holidays')}</h4>
    <table><thead><tr><th>${t('name')}</th><th>${t('from')}</th><th>${t('to')}</th></tr></thead>
      <tbody>${calendar.holidays.map((h) => html`<tr><td>${h.name}</td><td>${h.from}</td><td>${h.to}</td></tr>`)}</tbody></table>
    <h4>${t('makeUpWorkdays')}</h4>
    <table><thead><tr><th>${t('name')}</th><th>${t('date')}</th></tr></thead>
      <tbody>${calendar.makeUpWorkdays.map((d) => html`<tr><td>${d.name}</td><td>${d.date}</td></tr>`)}</tbody></table>
  </div>`;
}

function Diff({ diff }) {
  const groups = [
    ['holidaysAdded', diff.holidaysAdded, 'added'],
    ['holidaysRemoved', diff.holidaysRemoved, 'removed'],
    ['makeUpAdded', diff.makeUpWorkdaysAdded, 'added'],
    ['makeUpRemoved', diff.makeUpWorkdaysRemoved, 'removed'],
  ].filter(([, days]) => days.length);
  return html`<div class="diff" data-diff>
    <p><strong>${t('valid')}</strong> ${diff.from ?? t('noCalendar')} → ${diff.to}</p>
    ${groups.length
      ? html`<dl class="facts">${groups.map(([key, days, kind]) => html`<dt>${t(key)}</dt><dd class=${kind}>${days.map((d) => `${d.date} ${d.name}`).join('，')}</dd>`)}</dl>`
      : html`<p>${t('noChange')}</p>`}
  </div>`;
}

/** The editor of a new calendar version: rows of holidays and make-up days, checked and saved by the server. */
function CalendarEditor({ initial, onSaved, onCancel }) {
  const [draft, setDraft] = useState(initial);
  const [error, setError] = useState(null);
  const [diff, setDiff] = useState(null);
  const [busy, setBusy] = useState('');
  const [key] = useState(() => submissionKey());
  const change = (next) => {
    setDraft(next);
    setDiff(null);
  };
  const setField = (field, value) => change({ ...draft, [field]: field === 'year' ? Number(value) : value });
  const setRow = (list, i, field, value) => change({ ...draft, [list]: draft[list].map((row, j) => (j === i ? { ...row, [field]: value } : row)) });
  const addRow = (list, row) => change({ ...draft, [list]: [...draft[list], row] });
  const removeRow = (list, i) => change({ ...draft, [list]: draft[list].filter((_, j) => j !== i) });
  const body = () => ({ ...draft, ...(draft.source ? {} : { source: undefined }) });

  const upload = async (e) => {
    const file = e.currentTarget.files?.[0];
    if (!file) return;
    try {
      const loaded = JSON.parse(await file.text());
      change({ ...emptyCalendar(draft.year), ...loaded });
      setError(null);
    } catch {
      setError({ message: t('fileUnreadable'), details: [] });
    }
  };
  const run = async (what, call) => {
    setBusy(what);
    setError(null);
    try {
      await call();
    } catch (err) {
      setError(err);
      setDiff(null);
    } finally {
      setBusy('');
    }
  };
  const check = () => run('check', async () => setDiff((await api('/api/calendars/check', { method: 'POST', body: body() })).diff));
  const save = () =>
    run('save', async () => {
      try {
        const answer = await api(`/api/calendars/${encodeURIComponent(String(initial.year))}`, { method: 'PUT', body: body(), key: key.get() });
        key.settle();
        onSaved(answer);
      } catch (err) {
        key.settle(err);
        throw err;
      }
    });

  const cell = (list, i, field, type = 'text') => {
    const message = problem(error, `${list}.${i}.${field}`);
    return html`<td class=${message ? 'invalid' : ''} data-cell=${`${list}.${i}.${field}`}>
      <input type=${type} value=${draft[list][i][field]} onInput=${(e) => setRow(list, i, field, e.currentTarget.value)} />
      ${message ? html`<span class="error">${message}</span>` : null}
    </td>`;
  };
  const field = (name, label, type = 'text') => {
    const message = problem(error, name);
    return html`<div class=${'field' + (message ? ' invalid' : '')} data-field=${name}>
      <label>${label}</label>
      <input type=${type} name=${name} value=${draft[name] ?? ''} onInput=${(e) => setField(name, e.currentTarget.value)} />
      ${message ? html`<span class="error" data-error=${name}>${message}</span>` : null}
    </div>`;
  };
  const placed = new Set((error?.details ?? []).map((d) => d.path).filter((p) => /^(year|version|source|holidays\.\d+\.\w+|makeUpWorkdays\.\d+\.\w+)$/.test(p)));
  const unplaced = (error?.details ?? []).filter((d) => !placed.has(d.path));
  return html`<section class="console-form calendar-editor" data-calendar-editor>
    <div class="row">${field('year', t('year'), 'number')}${field('version', t('version'))}${field('source', t('source'))}</div>
    <label class="inline">${t('upload')} <input type="file" accept="application/json,.json" data-upload onChange=${upload} /></label>
    <h4>${t('holidays')}</h4>
    <table class="rows" data-rows="holidays">
      <thead><tr><th>${t('name')}</th><th>${t('from')}</th><th>${t('to')}</th><th></th></tr></thead>
      <tbody>${draft.holidays.map((_, i) => html`<tr>${cell('holidays', i, 'name')}${cell('holidays', i, 'from', 'date')}${cell('holidays', i, 'to', 'date')}<td><button type="button" class="secondary" onClick=${() => removeRow('holidays', i)}>${t('remove')}</button></td></tr>`)}</tbody>
    </table>
    <button type="button" class="secondary" data-add="holidays" onClick=${() => addRow('holidays', { name: '', from: '', to: '' })}>${t('addHoliday')}</button>
    <h4>${t('makeUpWorkdays')}</h4>
    <table class="rows" data-rows="makeUpWorkdays">
      <thead><tr><th>${t('name')}</th><th>${t('date')}</th><th></th></tr></thead>
      <tbody>${draft.makeUpWorkdays.map((_, i) => html`<tr>${cell('makeUpWorkdays', i, 'name')}${cell('makeUpWorkdays', i, 'date', 'date')}<td><button type="button" class="secondary" onClick=${() => removeRow('makeUpWorkdays', i)}>${t('remove')}</button></td></tr>`)}</tbody>
    </table>
    <button type="button" class="secondary" data-add="makeUpWorkdays" onClick=${() => addRow('makeUpWorkdays', { name: '', date: '' })}>${t('addMakeUp')}</button>
    ${diff ? html`<${Diff} diff=${diff} /><a data-try-what-if href=${pageHref('/what-if', 'reporting') + '#calendar=' + encodeURIComponent(JSON.stringify(body()))}>${t('tryWhatIf')} →</a>` : null}
    <div class="form-actions">
      <button type="button" data-check onClick=${check} disabled=${!!busy}>${busy === 'check' ? t('checking') : t('check')}</button>
      <button type="button" data-save onClick=${save} disabled=${!!busy}>${busy === 'save' ? t('saving') : t('save')}</button>
      <button type="button" class="secondary" onClick=${onCancel}>${t('cancel')}</button>
      ${error ? html`<span class="refusal" role="alert" data-refusal>${[error.status === 400 ? libText('fixFields') : errorText(error), ...unplaced.map((d) => `${d.path}: ${refusalText(d.message)}`)].filter(Boolean).join(' — ')}</span>` : null}
    </div>
  </section>`;
}

function Calendars({ query, go }) {
  const [list, setList] = useState(null);
  const [versions, setVersions] = useState(null);
  const [error, setError] = useState(null);
  const [message, setMessage] = useState('');
  const [reload, setReload] = useState(0);
  const year = query.year ? Number(query.year) : undefined;
  useEffect(() => {
    api('/api/calendars').then(setList, setError);
  }, [reload]);
  useEffect(() => {
    setVersions(null);
    if (year) api(`/api/calendars/${year}`).then(setVersions, (err) => setVersions(err.status === 404 ? { year, versions: [] } : null));
  }, [year, reload]);
  const shown = versions?.versions.find((v) => v.version === query.version) ?? versions?.versions.find((v) => v.inForce);
  const editing = query.edit !== undefined;
  const startFrom = query.edit === 'new' || !shown ? emptyCalendar(year ?? new Date().getFullYear() + 1) : { ...shown.calendar, version: '' };

  return html`<section class="card" data-section="calendars">
    <h2>${t('calendars')}</h2>
    <${Banner} ok>${message}<//>
    <${Banner}>${error ? errorText(error) : ''}<//>
    <table data-calendars>
      <thead><tr><th>${t('year')}</th><th>${t('version')}</th><th>${t('loadedBy')}</th><th>${t('loadedAt')}</th><th></th></tr></thead>
      <tbody>${(list?.years ?? []).map((y) => html`<tr data-row=${y.year} class=${y.year === year ? 'current' : ''}><td>${y.year}</td><td>${y.version}</td><td>${y.loadedBy}</td><td>${when(y.loadedAt)}</td><td><a href=${'?year=' + y.year} onClick=${(e) => { e.preventDefault(); go({ year: y.year }); }}>${t('view')}</a></td></tr>`)}</tbody>
    </table>
    <p><button type="button" class="secondary" data-new-year onClick=${() => go({ year: (list?.years.at(-1)?.year ?? new Date().getFullYear()) + 1, edit: 'new' })}>${t('newYear')}</button></p>
    ${year && versions && !editing
      ? html`<h3>${t('versionsOf', year)}</h3>
          <table data-versions>
            <thead><tr><th>${t('version')}</th><th>${t('inForce')}</th><th>${t('loadedBy')}</th><th>${t('loadedAt')}</th><th>${t('correction')}</th><th></th></tr></thead>
            <tbody>${versions.versions.map((v) => html`<tr data-row=${v.version}><td>${v.version}</td><td>${v.inForce ? '✓' : ''}</td><td>${v.loadedBy}</td><td>${when(v.loadedAt)}</td><td>${t('correction_' + v.correction)}</td><td><a href="#" onClick=${(e) => { e.preventDefault(); go({ year, version: v.version }); }}>${t('view')}</a></td></tr>`)}</tbody>
          </table>
          ${shown ? html`<h3>${year} · ${shown.version}</h3><${CalendarView} calendar=${shown.calendar} />` : null}
          <p><button type="button" data-edit onClick=${() => go({ year, edit: shown ? 'copy' : 'new' })}>${t('editNew')}</button></p>`
      : null}
    ${year && editing && (versions || query.edit === 'new')
      ? html`<${CalendarEditor}
          key=${String(year) + query.edit}
          initial=${startFrom}
          onCancel=${() => go({ year })}
          onSaved=${(answer) => {
            setMessage(t('saved', answer.year, answer.version, answer.outcome));
            dispatchEvent(new Event('calendars-changed'));
            go({ year: answer.year });
            setReload((n) => n + 1);
          }}
        />`
      : null}
  </section>`;
}

function Policies() {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [viewed, setViewed] = useState(null);
  const [text, setText] = useState('');
  const [result, setResult] = useState(null);
  const [problemOf, setProblem] = useState(null);
  const [message, setMessage] = useState('');
  const [key] = useState(() => submissionKey());
  const [reload, setReload] = useState(0);
  useEffect(() => {
    api('/api/policies').then(setData, setError);
  }, [reload]);
  const parsed = () => {
    try {
      return JSON.parse(text);
    } catch {
      throw { message: t('fileUnreadable'), details: [] };
    }
  };
  const run = async (call) => {
    setProblem(null);
    setResult(null);
    try {
      await call();
    } catch (err) {
      setProblem(err);
    }
  };
  const upload = async (e) => {
    const file = e.currentTarget.files?.[0];
    if (file) setText(await file.text());
  };
  const startFrom = (policy) => setText(JSON.stringify({ ...policy, version: '', effectiveFrom: '' }, null, 2));
  return html`<section class="card" data-section="policies">
    <h2>${t('policies')}</h2>
    <p class="hint">${t('policyIntro')}</p>
    <${Banner}>${error ? errorText(error) : ''}<//>
    <${Banner} ok>${message}<//>
    <table data-policies>
      <thead><tr><th>${t('version')}</th><th>${t('effectiveFrom')}</th><th>${t('inForce')}</th><th>${t('loadedBy')}</th><th>${t('loadedAt')}</th><th></th></tr></thead>
      <tbody>${(data?.versions ?? []).map((v) => html`<tr data-row=${v.policy.version}><td>${v.policy.version}</td><td>${when(v.policy.effectiveFrom)}</td><td>${v.inForce ? '✓' : ''}</td><td>${v.loadedBy}</td><td>${when(v.loadedAt)}</td>
        <td><a href="#" onClick=${(e) => { e.preventDefault(); setViewed(v.policy); }}>${t('view')}</a> · <a href="#" onClick=${(e) => { e.preventDefault(); startFrom(v.policy); }}>${t('editNew')}</a></td></tr>`)}</tbody>
    </table>
    ${viewed ? html`<h3>${viewed.version}</h3><p class="hint">${viewed.description ?? ''}</p><pre class="json" data-policy-view>${JSON.stringify(viewed, null, 2)}</pre>` : null}
    <div class="console-form" data-policy-editor>
      <h3>${t('newPolicy')}</h3>
      <label class="inline">${t('upload')} <input type="file" accept="application/json,.json" onChange=${upload} /></label>
      <div class="field"><label for="policy-json">${t('policyJson')}</label><textarea id="policy-json" rows="14" value=${text} onInput=${(e) => { setText(e.currentTarget.value); setResult(null); }}></textarea></div>
      ${result
        ? html`<div class="diff" data-policy-diff><p><strong>${t('policyValid', result.against)}</strong></p>
            <table><thead><tr><th>${t('path')}</th><th>${t('before')}</th><th>${t('after')}</th></tr></thead>
            <tbody>${result.diff.map((c) => html`<tr><td>${c.path}</td><td class="removed">${JSON.stringify(c.from) ?? '—'}</td><td class="added">${JSON.stringify(c.to) ?? '—'}</td></tr>`)}</tbody></table>
            <a data-try-what-if href=${pageHref('/what-if', 'reporting') + '#policy=' + encodeURIComponent(text)}>${t('tryWhatIf')} →</a></div>`
        : null}
      <div class="form-actions">
        <button type="button" data-policy-check onClick=${() => run(async () => setResult(await api('/api/policies/check', { method: 'POST', body: parsed() })))}>${t('check')}</button>
        <button type="button" data-policy-save onClick=${() => run(async () => {
          try {
            const answer = await api('/api/policies', { method: 'POST', body: parsed(), key: key.get() });
            key.settle();
            setMessage(t('policySaved', answer.version, answer.outcome));
            setReload((n) => n + 1);
          } catch (err) {
            key.settle(err);
            throw err;
          }
        })}>${t('savePolicy')}</button>
        ${problemOf ? html`<span class="refusal" role="alert" data-refusal>${[refusalText(problemOf.message), ...(problemOf.details ?? []).map((d) => `${d.path}: ${refusalText(d.message)}`)].join(' — ')}</span>` : null}
      </div>
    </div>
  </section>`;
}

export default function CalendarsPage() {
  const [query, setQuery] = useUrlQuery();
  const go = (next) => setQuery(Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined && v !== '')));
  return html`<${Page} title=${t('title')}>
    <p class="hint">${t('intro')}</p>
    <${Calendars} query=${query} go=${go} />
    <${Policies} />
  <//>`;
}
