// The coordinator's staff accounts: list, add (a one-time password shown once), change role, dealer,
// region, language or name, deactivate, reset a password. The API (/api/users) keeps every rule:
// who may do it, the scope each role needs, the sessions a change ends.
import { html, useState, useEffect, Page, DataTable, Form, Banner, api, queryString, strings, roleName, when, errorText } from '../lib.js';

const ROLES = ['coordinator', 'call_center', 'dealer', 'regional_manager', 'hq'];

const t = strings({
  zh: {
    title: '用户',
    add: '新增用户',
    username: '用户名',
    usernameHint: '小写字母、数字、点、连字符或下划线，2–64 个字符',
    displayName: '姓名',
    role: '角色',
    dealer: '服务商',
    dealerHint: '服务商角色必填',
    region: '片区',
    regionHint: '片区经理角色必填',
    language: '语言',
    signIn: '登录方式',
    password: '密码（一次性密码，首次登录时修改）',
    oidc: '公司单点登录（无密码）',
    active: '启用',
    status: '状态',
    activeYes: '启用',
    activeNo: '已停用',
    mustChange: '待改密码',
    updated: '更新时间',
    actions: '操作',
    edit: '修改',
    deactivate: '停用',
    activate: '启用',
    reset: '重置密码',
    save: '保存',
    create: '新增',
    search: '用户名或姓名',
    editing: (u) => `修改用户 ${u}`,
    editHint: '改变角色、服务商、片区或停用会立即结束该用户的所有会话。',
    closeEdit: '关闭',
    oneTime: (u) => `${u} 的一次性密码（只显示这一次，请当面或电话告知本人；首次登录时须修改）：`,
    added: (u) => `已新增用户 ${u}。`,
    addedOidc: (u) => `已新增用户 ${u}，通过公司单点登录，无需密码。`,
    replayed: '该提交已处理过；一次性密码只显示一次。如未记下，请重置密码。',
    deactivated: (u) => `已停用 ${u}，其会话已结束。`,
    activated: (u) => `已启用 ${u}。`,
    saved: (u) => `已保存 ${u}。`,
    zh: '中文',
    en: 'English',
  },
  en: {
    title: 'Users',
    add: 'Add a user',
    username: 'Username',
    usernameHint: 'lower-case letters, digits, dots, hyphens or underscores, 2–64 characters',
    displayName: 'Name',
    role: 'Role',
    dealer: 'Dealer',
    dealerHint: 'required for a dealer',
    region: 'Region',
    regionHint: 'required for a regional manager',
    language: 'Language',
    signIn: 'Sign-in',
    password: 'Password (one-time, changed at the first sign-in)',
    oidc: 'Company single sign-on (no password)',
    active: 'Active',
    status: 'Status',
    activeYes: 'Active',
    activeNo: 'Deactivated',
    mustChange: 'must change password',
    updated: 'Updated',
    actions: 'Actions',
    edit: 'Change',
    deactivate: 'Deactivate',
    activate: 'Activate',
    reset: 'Reset password',
    save: 'Save',
    create: 'Add',
    search: 'Username or name',
    editing: (u) => `Change user ${u}`,
    editHint: 'A new role, dealer or region, or a deactivation, ends all of the user’s sessions at once.',
    closeEdit: 'Close',
    oneTime: (u) => `One-time password of ${u} (shown only this once; give it to the person directly; it is changed at the first sign-in):`,
    added: (u) => `User ${u} added.`,
    addedOidc: (u) => `User ${u} added; signs in by company single sign-on, no password.`,
    replayed: 'This submission was already handled; a one-time password is shown only once. If it was not noted, reset the password.',
    deactivated: (u) => `${u} deactivated; its sessions ended.`,
    activated: (u) => `${u} activated.`,
    saved: (u) => `${u} saved.`,
    zh: '中文',
    en: 'English',
  },
});

/** A secret shown once: the one-time password, selectable for copying, gone when the page changes. */
function Secret({ intro, value }) {
  return html`<div class="banner ok" role="status" data-secret>
    <div>${intro}</div>
    <code class="secret" data-secret-value>${value}</code>
  </div>`;
}

/** The dealers and regions of the directory, for the pickers. */
function useScopes() {
  const [scopes, setScopes] = useState({ dealers: [], regions: [] });
  useEffect(() => {
    api('/api/dealers').then(
      ({ dealers }) => setScopes({ dealers, regions: [...new Set(dealers.map((d) => d.region))].sort() }),
      () => undefined,
    );
  }, []);
  return scopes;
}

const nullable = (value) => (value === '' || value === undefined ? null : value);

export default function UsersPage() {
  const scopes = useScopes();
  const [notice, setNotice] = useState(null);
  const [error, setError] = useState(null);
  const [editing, setEditing] = useState(null);
  const [version, setVersion] = useState(0);
  const refresh = () => setVersion((n) => n + 1);

  const dealerOptions = scopes.dealers.map((d) => [d.code, `${d.code} ${d.name}`]);
  const regionOptions = scopes.regions.map((r) => [r, r]);
  const roleOptions = ROLES.map((r) => [r, roleName(r)]);
  const languageOptions = [['zh', t('zh')], ['en', t('en')]];

  const setActive = async (user, active) => {
    setError(null);
    setNotice(null);
    try {
      await api(`/api/users/${encodeURIComponent(user.username)}`, { method: 'PATCH', body: { active } });
      setNotice({ text: active ? t('activated', user.username) : t('deactivated', user.username) });
      refresh();
    } catch (err) {
      setError(err);
    }
  };
  const reset = async (user) => {
    setError(null);
    setNotice(null);
    try {
      const answer = await api(`/api/users/${encodeURIComponent(user.username)}/reset`, { method: 'POST', body: {} });
      setNotice({ secret: answer.oneTimePassword, username: user.username });
      refresh();
    } catch (err) {
      setError(err);
    }
  };

  const columns = [
    { key: 'username', label: t('username'), sort: 'username' },
    { key: 'displayName', label: t('displayName') },
    { key: 'role', label: t('role'), sort: 'role', render: (u) => roleName(u.role) },
    { key: 'scope', label: `${t('dealer')} / ${t('region')}`, render: (u) => u.dealerCode ?? u.region ?? '—' },
    { key: 'language', label: t('language'), render: (u) => t(u.language) },
    { key: 'signIn', label: t('signIn'), render: (u) => (u.signIn === 'oidc' ? 'SSO' : t('password').split(/[（(]/)[0]) },
    {
      key: 'active',
      label: t('status'),
      render: (u) => html`${u.active ? t('activeYes') : html`<span class="tag red">${t('activeNo')}</span>`}${u.mustChangePassword ? html`<span class="tag amber">${t('mustChange')}</span>` : null}`,
    },
    { key: 'updatedAt', label: t('updated'), sort: 'updatedAt', render: (u) => when(u.updatedAt) },
    {
      key: 'actions',
      label: t('actions'),
      render: (u) => {
        const link = (attr, text, action) => html`<a href="#" ...${{ [attr]: u.username }} onClick=${(e) => { e.preventDefault(); action(); }}>${text}</a>`;
        return html`<span class="row-actions">
          ${link('data-edit', t('edit'), () => { setEditing(u); scrollTo({ top: 0 }); })} ·
          ${u.active ? link('data-deactivate', t('deactivate'), () => setActive(u, false)) : link('data-activate', t('activate'), () => setActive(u, true))}
          ${u.signIn !== 'oidc' ? html` · ${link('data-reset', t('reset'), () => reset(u))}` : null}
        </span>`;
      },
    },
  ];

  const filters = [
    { name: 'q', label: t('search'), type: 'text' },
    { name: 'role', label: t('role'), type: 'select', options: roleOptions },
    { name: 'region', label: t('region'), type: 'select', options: regionOptions },
    { name: 'dealerCode', label: t('dealer'), type: 'text', placeholder: 'SH001' },
    { name: 'active', label: t('active'), type: 'boolean' },
  ];

  const addFields = [
    { name: 'username', label: t('username'), required: true, hint: t('usernameHint') },
    { name: 'displayName', label: t('displayName') },
    { name: 'role', label: t('role'), type: 'select', options: roleOptions, required: true },
    { name: 'dealerCode', label: t('dealer'), type: 'select', options: dealerOptions, hint: t('dealerHint') },
    { name: 'region', label: t('region'), type: 'select', options: regionOptions, hint: t('regionHint') },
    { name: 'language', label: t('language'), type: 'select', options: languageOptions, placeholder: false },
    { name: 'signIn', label: t('signIn'), type: 'select', options: [['password', t('password')], ['oidc', t('oidc')]], placeholder: false },
  ];
  const addUser = (values, key) => {
    const body = { username: values.username, role: values.role, language: values.language, signIn: values.signIn };
    if (values.displayName) body.displayName = values.displayName;
    if (values.dealerCode) body.dealerCode = values.dealerCode;
    if (values.region) body.region = values.region;
    return api('/api/users', { method: 'POST', body, key });
  };
  const added = (answer, values) => {
    if (!answer?.user) setNotice({ text: t('replayed') });
    else if (answer.oneTimePassword) setNotice({ secret: answer.oneTimePassword, username: answer.user.username, text: t('added', answer.user.username) });
    else setNotice({ text: t('addedOidc', values.username) });
    setError(null);
    refresh();
  };

  return html`<${Page} title=${t('title')}>
    ${notice?.text ? html`<${Banner} ok>${notice.text}<//>` : null}
    ${notice?.secret ? html`<${Secret} intro=${t('oneTime', notice.username)} value=${notice.secret} />` : null}
    <${Banner}>${error ? errorText(error) : ''}<//>
    <details class="action" data-action="add-user">
      <summary>${t('add')}</summary>
      <${Form} name="add-user" fields=${addFields} submit=${addUser} submitLabel=${t('create')} onDone=${added} />
    </details>
    ${editing
      ? html`<section class="card" data-editing=${editing.username}>
          <div class="title-row"><h2>${t('editing', editing.username)}</h2><button type="button" class="secondary" onClick=${() => setEditing(null)}>${t('closeEdit')}</button></div>
          <p class="hint">${t('editHint')}</p>
          <${Form} key=${editing.username + version} name="edit-user" resetOnDone=${false} submitLabel=${t('save')}
            fields=${[
              { name: 'displayName', label: t('displayName'), value: editing.displayName },
              { name: 'role', label: t('role'), type: 'select', options: roleOptions, value: editing.role, placeholder: false },
              { name: 'dealerCode', label: t('dealer'), type: 'select', options: dealerOptions, value: editing.dealerCode ?? '', hint: t('dealerHint') },
              { name: 'region', label: t('region'), type: 'select', options: regionOptions, value: editing.region ?? '', hint: t('regionHint') },
              { name: 'language', label: t('language'), type: 'select', options: languageOptions, value: editing.language, placeholder: false },
              { name: 'active', label: t('active'), type: 'checkbox', value: editing.active },
            ]}
            submit=${(values, key) =>
              api(`/api/users/${encodeURIComponent(editing.username)}`, {
                method: 'PATCH',
                key,
                // a role without a dealer or region drops the one picked before
                body: { displayName: values.displayName || undefined, role: values.role, dealerCode: values.role === 'dealer' ? nullable(values.dealerCode) : null, region: values.role === 'regional_manager' ? nullable(values.region) : null, language: values.language, active: values.active },
              })}
            onDone=${(user) => {
              setNotice({ text: t('saved', editing.username) });
              if (user?.username) setEditing(user);
              refresh();
            }} />
        </section>`
      : null}
    <${DataTable} key=${version} name="users" columns=${columns} filters=${filters} initial=${{ sort: 'username' }} rowKey=${(u) => u.username}
      load=${(query) => api('/api/users' + queryString(query))} />
  <//>`;
}
