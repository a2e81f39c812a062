// The directory (SPEC §5): dealers with their region, contacts, service status and star level; the
// regions and their managers; the roles' mailboxes; a language per mailbox. The coordinator edits it
// here and saves it whole (PUT /api/directory): the API checks it as a whole and changes nothing when
// it refuses, naming the entry at fault, which is shown beside it.
import { html, useState, useEffect, useMemo, Page, Banner, api, strings, lang, refusalText, errorText, useUrlQuery, submissionKey } from '../lib.js';

const STATUSES = ['active', 'transitional', 'suspended'];
const ROLE_MAILBOXES = ['coordinator', 'coordinator_head', 'call_center', 'hq'];
const PAGE_SIZE = 20;

const t = strings({
  zh: {
    title: '服务网络',
    intro: '服务商、片区及其邮箱。修改后点“保存”，整个目录一次校验：有错误时不做任何修改，并在出错处标明原因。',
    dealers: '服务商',
    regions: '片区',
    roles: '角色邮箱',
    code: '代码',
    name: '名称',
    region: '片区',
    contacts: '联系人邮箱',
    managers: '片区经理邮箱',
    status: '服务状态',
    star: '星级',
    active: '正常服务',
    transitional: '过渡期',
    suspended: '暂停服务',
    mailboxHint: '每行一个：邮箱 语言(zh/en) 姓名，如 wang@dealer.cn zh 王经理',
    addDealer: '新增服务商',
    addRegion: '新增片区',
    save: '保存目录',
    saving: '保存中…',
    saved: (r, d) => `已保存：${r} 个片区，${d} 个服务商。`,
    unsaved: '有未保存的修改',
    search: '代码或名称',
    any: '全部',
    total: (n) => `共 ${n} 个服务商`,
    pageOf: (p, n) => `第 ${p} / ${n} 页`,
    previous: '上一页',
    next: '下一页',
    coordinator: '协调员',
    coordinator_head: '协调员主管',
    call_center: '呼叫中心',
    hq: '总部',
    loading: '加载中…',
    notSaved: '目录未保存',
  },
  en: {
    title: 'Directory',
    intro: 'Dealers, regions and their mailboxes. After changing, press Save: the whole directory is checked at once; when refused nothing changes and each problem is shown where it is.',
    dealers: 'Dealers',
    regions: 'Regions',
    roles: 'Role mailboxes',
    code: 'Code',
    name: 'Name',
    region: 'Region',
    contacts: 'Contact mailboxes',
    managers: 'Manager mailboxes',
    status: 'Service status',
    star: 'Stars',
    active: 'Active',
    transitional: 'Transitional',
    suspended: 'Suspended',
    mailboxHint: 'One per line: email language(zh/en) name, e.g. wang@dealer.cn en Mr Wang',
    addDealer: 'Add a dealer',
    addRegion: 'Add a region',
    save: 'Save directory',
    saving: 'Saving…',
    saved: (r, d) => `Saved: ${r} regions, ${d} dealers.`,
    unsaved: 'Unsaved changes',
    search: 'Code or name',
    any: 'Any',
    total: (n) => `${n} dealers in all`,
    pageOf: (p, n) => `page ${p} of ${n}`,
    previous: 'Previous',
    next: 'Next',
    coordinator: 'Coordinator',
    coordinator_head: 'Coordinator’s head',
    call_center: 'Call center',
    hq: 'Headquarters',
    loading: 'Loading…',
    notSaved: 'The directory was not saved',
  },
});

/** Mailboxes as the textarea shows them: one per line, `email language name`. */
const mailboxText = (list = []) => list.map((m) => [m.email, m.language ?? 'zh', m.name ?? ''].join(' ').trim()).join('\n');
function parseMailboxes(text) {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [email, second, ...rest] = line.split(/\s+/);
      const language = second === 'zh' || second === 'en' ? second : 'zh';
      const name = (second === 'zh' || second === 'en' ? rest : [second, ...rest]).filter(Boolean).join(' ');
      return { email, language, ...(name && { name }) };
    });
}

/** The editable form of the directory: mailboxes as text, every dealer with its place in the saved list. */
function draftOf(directory) {
  return {
    regions: directory.regions.map((r) => ({ code: r.code, name: r.name, managers: mailboxText(r.managers) })),
    dealers: directory.dealers.map((d, index) => ({ ...d, contacts: mailboxText(d.contacts), index, existing: true })),
    roles: Object.fromEntries(ROLE_MAILBOXES.map((role) => [role, mailboxText(directory.roles[role])])),
  };
}
function directoryOf(draft) {
  return {
    regions: draft.regions.map((r) => ({ code: r.code.trim(), name: r.name.trim(), managers: parseMailboxes(r.managers) })),
    dealers: draft.dealers.map((d) => ({
      code: d.code.trim(),
      name: d.name.trim(),
      region: d.region,
      contacts: parseMailboxes(d.contacts),
      serviceStatus: d.serviceStatus,
      ...(d.starLevel !== undefined && d.starLevel !== '' && d.starLevel !== null && { starLevel: Number(d.starLevel) }),
    })),
    roles: Object.fromEntries(ROLE_MAILBOXES.map((role) => [role, parseMailboxes(draft.roles[role] ?? '')])),
  };
}

const ZH = [
  [/^Invalid email address$/, () => '邮箱地址不正确'],
  [/^region (\S+) is not in regions$/, (m) => `片区 ${m[1]} 不在片区列表中`],
  [/^dealer (\S+) is listed twice$/, (m) => `服务商 ${m[1]} 重复`],
  [/^Too small: expected array to have >=1 items?$/, () => '至少填写一个邮箱'],
  [/^Too small: expected string to have >=1 characters?$/, () => '必填'],
];
/** A message of the API in the page's language. */
function say(message) {
  if (lang() !== 'zh') return message;
  for (const [pattern, text] of ZH) {
    const m = message.match(pattern);
    if (m) return text(m);
  }
  return refusalText(message);
}

/** Where a problem is, in words: `dealers.2.contacts.0.email` → 服务商 SH002 · 联系人邮箱 */
function describe(path, draft) {
  const [section, at, field] = path.split('.');
  const fieldName = field ? ` · ${t(field === 'serviceStatus' ? 'status' : field === 'starLevel' ? 'star' : field)}` : '';
  if (section === 'dealers') return `${t('dealers')} ${draft.dealers[Number(at)]?.code || '#' + (Number(at) + 1)}${fieldName}`;
  if (section === 'regions') return `${t('regions')} ${draft.regions[Number(at)]?.code || '#' + (Number(at) + 1)}${fieldName}`;
  if (section === 'roles') return t(at);
  return path;
}

/** The API's problems under `prefix` (e.g. `dealers.3`), as a field → message map. */
function problemsAt(error, prefix) {
  const found = {};
  for (const d of error?.details ?? []) {
    if (d.path === prefix || d.path.startsWith(prefix + '.')) {
      const field = d.path.slice(prefix.length + 1).split('.')[0] || 'row';
      found[field] = [found[field], say(d.message)].filter(Boolean).join('; ');
    }
  }
  return found;
}

function ErrorText({ text, field }) {
  return text ? html`<span class="error" data-error=${field}>${text}</span>` : null;
}

export default function DirectoryPage() {
  const [draft, setDraft] = useState(null);
  const [loadError, setLoadError] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const [dirty, setDirty] = useState(false);
  const [key] = useState(() => submissionKey());
  const [query, setQuery] = useUrlQuery();

  useEffect(() => {
    api('/api/directory').then((d) => setDraft(draftOf(d)), setLoadError);
  }, []);

  const touch = () => {
    setDraft((d) => ({ ...d }));
    setDirty(true);
    setNotice('');
  };
  const setDealer = (dealer, field, value) => {
    dealer[field] = value;
    touch();
  };

  const q = (query.q ?? '').trim().toLowerCase();
  const sort = query.sort ?? 'code';
  const visible = useMemo(() => {
    if (!draft) return [];
    const list = draft.dealers.filter(
      (d) => (!q || d.code.toLowerCase().includes(q) || d.name.toLowerCase().includes(q)) && (!query.region || d.region === query.region) && (!query.serviceStatus || d.serviceStatus === query.serviceStatus),
    );
    const field = sort.replace(/^-/, '');
    const direction = sort.startsWith('-') ? -1 : 1;
    // new dealers stay at the top while they are being filled in
    return list.sort((a, b) => (a.existing === b.existing ? direction * String(a[field] ?? '').localeCompare(String(b[field] ?? '')) : a.existing ? 1 : -1));
  }, [draft, q, sort, query.region, query.serviceStatus]);
  const page = Math.max(1, Number(query.page ?? 1) || 1);
  const pages = Math.max(1, Math.ceil(visible.length / PAGE_SIZE));
  const shown = visible.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const go = (changes) => {
    const next = { ...query, ...changes };
    for (const [k, v] of Object.entries(next)) if (v === '' || v === undefined || (k === 'page' && Number(v) === 1)) delete next[k];
    setQuery(next);
  };
  const sortBy = (field) => go({ sort: sort === field ? '-' + field : field, page: 1 });
  const arrow = (field) => (sort === field ? ' ▲' : sort === '-' + field ? ' ▼' : '');

  const save = async () => {
    setBusy(true);
    setError(null);
    setNotice('');
    try {
      const answer = await api('/api/directory', { method: 'PUT', body: directoryOf(draft), key: key.get() });
      key.settle();
      setNotice(t('saved', answer.regions, answer.dealers));
      setDirty(false);
      setDraft(draftOf(await api('/api/directory')));
    } catch (err) {
      key.settle(err);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (loadError) return html`<${Page} title=${t('title')}><${Banner}>${errorText(loadError)}<//><//>`;
  if (!draft) return html`<${Page} title=${t('title')}><p class="hint">${t('loading')}</p><//>`;

  const regionCodes = draft.regions.map((r) => r.code).filter(Boolean);
  const saveBar = html`<div class="form-actions save-bar">
    <button type="button" data-save-directory disabled=${busy} onClick=${save}>${busy ? t('saving') : t('save')}</button>
    ${dirty ? html`<span class="hint inline-hint">${t('unsaved')}</span>` : null}
    ${error
      ? html`<span class="refusal" role="alert" data-refusal>${t('notSaved')}${error.details?.length
          ? html`: ${error.details.map((d) => `${describe(d.path, draft)}：${say(d.message)}`).join('；')}`
          : html`: ${errorText(error)}`}</span>`
      : null}
    ${notice ? html`<span class="ok" role="status">${notice}</span>` : null}
  </div>`;

  return html`<${Page} title=${t('title')}>
    <p class="hint">${t('intro')}</p>
    ${saveBar}
    <section class="card" data-section="dealers">
      <div class="title-row">
        <h2>${t('dealers')}</h2>
        <button type="button" class="secondary" data-add-dealer onClick=${() => {
          draft.dealers.push({ code: '', name: '', region: regionCodes[0] ?? '', contacts: '', serviceStatus: 'active', index: draft.dealers.length, existing: false });
          go({ page: 1 });
          touch();
        }}>${t('addDealer')}</button>
      </div>
      <form class="filters" onSubmit=${(e) => e.preventDefault()}>
        <label class="filter"><span>${t('search')}</span><input name="q" value=${query.q ?? ''} onChange=${(e) => go({ q: e.currentTarget.value, page: 1 })} /></label>
        <label class="filter"><span>${t('region')}</span>
          <select name="region" onChange=${(e) => go({ region: e.currentTarget.value, page: 1 })}>
            <option value="">${t('any')}</option>
            ${regionCodes.map((r) => html`<option value=${r} selected=${query.region === r}>${r}</option>`)}
          </select></label>
        <label class="filter"><span>${t('status')}</span>
          <select name="serviceStatus" onChange=${(e) => go({ serviceStatus: e.currentTarget.value, page: 1 })}>
            <option value="">${t('any')}</option>
            ${STATUSES.map((s) => html`<option value=${s} selected=${query.serviceStatus === s}>${t(s)}</option>`)}
          </select></label>
      </form>
      <div class="counts"><span data-total=${visible.length}>${t('total', visible.length)}</span> · ${t('pageOf', Math.min(page, pages), pages)}</div>
      <table class="edit-table">
        <thead><tr>
          ${[['code', t('code')], ['name', t('name')], ['region', t('region')]].map(([f, text]) => html`<th><a href="#" data-sort=${f} onClick=${(e) => { e.preventDefault(); sortBy(f); }}>${text}${arrow(f)}</a></th>`)}
          <th>${t('contacts')}</th>
          <th><a href="#" data-sort="serviceStatus" onClick=${(e) => { e.preventDefault(); sortBy('serviceStatus'); }}>${t('status')}${arrow('serviceStatus')}</a></th>
          <th>${t('star')}</th>
        </tr></thead>
        <tbody>
          ${shown.map((d) => {
            const p = problemsAt(error, `dealers.${d.index}`);
            return html`<tr key=${d.index} data-row=${d.code || 'new-' + d.index} class=${Object.keys(p).length ? 'invalid-row' : ''}>
              <td class=${p.code ? 'invalid' : ''}>${d.existing ? html`<strong>${d.code}</strong>` : html`<input name="code" value=${d.code} onInput=${(e) => setDealer(d, 'code', e.currentTarget.value)} placeholder="SH009" />`}<${ErrorText} text=${p.code ?? p.row} field="code" /></td>
              <td class=${p.name ? 'invalid' : ''}><input name="name" value=${d.name} onInput=${(e) => setDealer(d, 'name', e.currentTarget.value)} /><${ErrorText} text=${p.name} field="name" /></td>
              <td class=${p.region ? 'invalid' : ''}><select name="region" onChange=${(e) => setDealer(d, 'region', e.currentTarget.value)}>
                ${[...new Set([...regionCodes, d.region])].filter(Boolean).map((r) => html`<option value=${r} selected=${r === d.region}>${r}</option>`)}
              </select><${ErrorText} text=${p.region} field="region" /></td>
              <td class=${p.contacts ? 'invalid' : ''}><textarea name="contacts" rows=${Math.max(1, d.contacts.split('\n').length)} title=${t('mailboxHint')} onInput=${(e) => setDealer(d, 'contacts', e.currentTarget.value)}>${d.contacts}</textarea><${ErrorText} text=${p.contacts} field="contacts" /></td>
              <td class=${p.serviceStatus ? 'invalid' : ''}><select name="serviceStatus" onChange=${(e) => setDealer(d, 'serviceStatus', e.currentTarget.value)}>
                ${STATUSES.map((s) => html`<option value=${s} selected=${s === d.serviceStatus}>${t(s)}</option>`)}
              </select></td>
              <td class=${p.starLevel ? 'invalid' : ''}><select name="starLevel" onChange=${(e) => setDealer(d, 'starLevel', e.currentTarget.value)}>
                <option value="">—</option>
                ${[1, 2, 3, 4, 5].map((n) => html`<option value=${String(n)} selected=${Number(d.starLevel) === n}>${'★'.repeat(n)}</option>`)}
              </select><${ErrorText} text=${p.starLevel} field="starLevel" /></td>
            </tr>`;
          })}
        </tbody>
      </table>
      <p class="hint">${t('mailboxHint')}</p>
      <div class="pager">
        <button type="button" class="secondary" disabled=${page <= 1} onClick=${() => go({ page: page - 1 })}>${t('previous')}</button>
        <span>${t('pageOf', Math.min(page, pages), pages)}</span>
        <button type="button" class="secondary" disabled=${page >= pages} onClick=${() => go({ page: page + 1 })}>${t('next')}</button>
      </div>
    </section>
    <section class="card" data-section="regions">
      <div class="title-row">
        <h2>${t('regions')}</h2>
        <button type="button" class="secondary" onClick=${() => { draft.regions.push({ code: '', name: '', managers: '' }); touch(); }}>${t('addRegion')}</button>
      </div>
      <table class="edit-table">
        <thead><tr><th>${t('code')}</th><th>${t('name')}</th><th>${t('managers')}</th></tr></thead>
        <tbody>
          ${draft.regions.map((r, i) => {
            const p = problemsAt(error, `regions.${i}`);
            return html`<tr key=${'region-' + i} data-region=${r.code}>
              <td class=${p.code ? 'invalid' : ''}><input name="code" value=${r.code} onInput=${(e) => { r.code = e.currentTarget.value; touch(); }} /><${ErrorText} text=${p.code ?? p.row} field="code" /></td>
              <td class=${p.name ? 'invalid' : ''}><input name="name" value=${r.name} onInput=${(e) => { r.name = e.currentTarget.value; touch(); }} /><${ErrorText} text=${p.name} field="name" /></td>
              <td class=${p.managers ? 'invalid' : ''}><textarea name="managers" rows=${Math.max(1, r.managers.split('\n').length)} onInput=${(e) => { r.managers = e.currentTarget.value; touch(); }}>${r.managers}</textarea><${ErrorText} text=${p.managers} field="managers" /></td>
            </tr>`;
          })}
        </tbody>
      </table>
    </section>
    <section class="card" data-section="roles">
      <h2>${t('roles')}</h2>
      ${ROLE_MAILBOXES.map((role) => {
        const p = problemsAt(error, `roles.${role}`);
        return html`<div class=${'field' + (Object.keys(p).length ? ' invalid' : '')} data-field=${'roles.' + role}>
          <label for=${'role-' + role}>${t(role)}</label>
          <textarea id=${'role-' + role} rows="2" onInput=${(e) => { draft.roles[role] = e.currentTarget.value; touch(); }}>${draft.roles[role]}</textarea>
          <${ErrorText} text=${Object.values(p).join('; ')} field=${'roles.' + role} />
        </div>`;
      })}
    </section>
    ${saveBar}
  <//>`;
}
