// The coordinator's machine tokens (integrations, scripts, monitoring jobs): issue one (shown once),
// list what was issued with its expiry and revocation, revoke one with a reason. The API keeps the
// rules: each role's longest lifetime, the services a token is for, the audit of who did what.
import { html, useState, useEffect, lang, Page, DataTable, Form, Banner, api, queryString, strings, roleName, when, errorText } from '../lib.js';

const ROLES = ['hotline', 'call_center', 'coordinator', 'dealer', 'regional_manager', 'hq'];
const MAX_DAYS = { hotline: 366, coordinator: 90, call_center: 90, hq: 90, dealer: 90, regional_manager: 90 };

const t = strings({
  zh: {
    title: '机器令牌',
    issue: '签发令牌',
    issueIntro: '供系统集成、脚本和监测任务调用接口使用。令牌只显示一次，系统只保存其编号和用途。',
    role: '角色',
    subject: '使用方',
    subjectHint: '集成或脚本的名称，如 hotline-400；不填则按角色命名',
    dealer: '服务商',
    region: '片区',
    audience: '可访问的服务',
    intake: '受理（intake）',
    reporting: '报表（reporting）',
    days: '有效天数',
    daysHint: (role) => `最长 ${MAX_DAYS[role] ?? 90} 天`,
    sign: '签发',
    jti: '编号（jti）',
    issuedAt: '签发时间',
    expiresAt: '到期时间',
    issuedBy: '签发人',
    state: '状态',
    valid: '有效',
    expired: '已过期',
    revoked: '已吊销',
    actions: '操作',
    revoke: '吊销',
    revokeTitle: (jti) => `吊销令牌 ${jti}`,
    reason: '原因',
    reasonHint: '如：令牌泄露、合同终止、使用人离职',
    confirmRevoke: '吊销',
    cancel: '取消',
    shownOnce: (jti) => `令牌 ${jti}（只显示这一次，请立即复制并交给使用方保存）：`,
    replayed: '该提交已处理过；令牌只显示一次。如未复制，请吊销并重新签发。',
    revokedNotice: (jti) => `令牌 ${jti} 已吊销，各服务从下一次请求起拒绝它。`,
    scope: '范围',
  },
  en: {
    title: 'Machine tokens',
    issue: 'Issue a token',
    issueIntro: 'For integrations, scripts and monitoring jobs that call the API. The token is shown only once; only its id and purpose are kept.',
    role: 'Role',
    subject: 'Used by',
    subjectHint: 'the integration or script, e.g. hotline-400; empty: named after the role',
    dealer: 'Dealer',
    region: 'Region',
    audience: 'Services',
    intake: 'Intake',
    reporting: 'Reporting',
    days: 'Days valid',
    daysHint: (role) => `at most ${MAX_DAYS[role] ?? 90} days`,
    sign: 'Issue',
    jti: 'Id (jti)',
    issuedAt: 'Issued',
    expiresAt: 'Expires',
    issuedBy: 'Issued by',
    state: 'State',
    valid: 'Valid',
    expired: 'Expired',
    revoked: 'Revoked',
    actions: 'Actions',
    revoke: 'Revoke',
    revokeTitle: (jti) => `Revoke token ${jti}`,
    reason: 'Reason',
    reasonHint: 'e.g. leaked, contract ended, its owner left',
    confirmRevoke: 'Revoke',
    cancel: 'Cancel',
    shownOnce: (jti) => `Token ${jti} (shown only this once: copy it now and hand it to its user):`,
    replayed: 'This submission was already handled; a token is shown only once. If it was not copied, revoke it and issue another.',
    revokedNotice: (jti) => `Token ${jti} revoked; every service refuses it from the next request on.`,
    scope: 'Scope',
  },
});

const ZH_FIELDS = {
  'is required for a dealer token': '服务商令牌须选择服务商',
  'is required for a regional manager token': '片区经理令牌须选择片区',
  'must name at least one service': '至少选择一个服务',
};

export default function TokensPage() {
  const [notice, setNotice] = useState(null);
  const [error, setError] = useState(null);
  const [revoking, setRevoking] = useState(null);
  const [version, setVersion] = useState(0);
  const [dealers, setDealers] = useState([]);
  const [role, setRole] = useState('hotline');
  useEffect(() => {
    api('/api/dealers').then(({ dealers: list }) => setDealers(list), () => undefined);
  }, []);
  const refresh = () => setVersion((n) => n + 1);
  const regions = [...new Set(dealers.map((d) => d.region))].sort();

  const stateOf = (tk) =>
    tk.revoked
      ? html`<span class="tag red" title=${`${tk.revokedBy} · ${when(tk.revokedAt)}`}>${t('revoked')}</span> <span class="hint">${tk.revokedReason}</span>`
      : tk.expired
        ? html`<span class="tag amber">${t('expired')}</span>`
        : t('valid');

  const columns = [
    { key: 'jti', label: t('jti'), render: (tk) => html`<code title=${tk.jti}>${tk.jti.slice(0, 8)}…</code>` },
    { key: 'subject', label: t('subject'), sort: 'subject' },
    { key: 'role', label: t('role'), render: (tk) => roleName(tk.role) },
    { key: 'scope', label: t('scope'), render: (tk) => tk.dealerCode ?? tk.region ?? '—' },
    { key: 'audience', label: t('audience'), render: (tk) => tk.audience.map((a) => t(a)).join('、') },
    { key: 'issuedAt', label: t('issuedAt'), sort: 'issuedAt', render: (tk) => when(tk.issuedAt) },
    { key: 'expiresAt', label: t('expiresAt'), sort: 'expiresAt', render: (tk) => when(tk.expiresAt) },
    { key: 'issuedBy', label: t('issuedBy') },
    { key: 'state', label: t('state'), render: stateOf },
    {
      key: 'actions',
      label: t('actions'),
      render: (tk) => (tk.revoked ? '—' : html`<a href="#" data-revoke=${tk.jti} onClick=${(e) => { e.preventDefault(); setRevoking(tk.jti); scrollTo({ top: 0 }); }}>${t('revoke')}</a>`),
    },
  ];
  const filters = [
    { name: 'role', label: t('role'), type: 'select', options: ROLES.map((r) => [r, roleName(r)]) },
    { name: 'state', label: t('state'), type: 'select', options: [['valid', t('valid')], ['expired', t('expired')], ['revoked', t('revoked')]] },
  ];

  const issueFields = [
    { name: 'role', label: t('role'), type: 'select', options: ROLES.map((r) => [r, roleName(r)]), placeholder: false, value: role },
    { name: 'subject', label: t('subject'), hint: t('subjectHint') },
    ...(role === 'dealer' ? [{ name: 'dealerCode', label: t('dealer'), type: 'select', options: dealers.map((d) => [d.code, `${d.code} ${d.name}`]), required: true }] : []),
    ...(role === 'regional_manager' ? [{ name: 'region', label: t('region'), type: 'select', options: regions.map((r) => [r, r]), required: true }] : []),
    { name: 'intake', label: t('intake'), type: 'checkbox', value: true },
    { name: 'reporting', label: t('reporting'), type: 'checkbox', value: role !== 'hotline' },
    { name: 'days', label: t('days'), type: 'number', min: 1, max: MAX_DAYS[role], value: String(Math.min(30, MAX_DAYS[role])), hint: t('daysHint', role), required: true },
  ];
  const issue = (values, key) => {
    const body = {
      role: values.role,
      audience: [values.intake && 'intake', values.reporting && 'reporting'].filter(Boolean),
      days: Number(values.days),
    };
    if (values.subject) body.subject = values.subject;
    if (values.dealerCode) body.dealerCode = values.dealerCode;
    if (values.region) body.region = values.region;
    return api('/api/tokens', { method: 'POST', body, key });
  };

  const localised = (err) => {
    if (!err || !err.details) return err;
    const zh = (message) => {
      const longest = message.match(/^may be at most (\d+) for a (\w+) token$/);
      return longest ? `${roleName(longest[2])}令牌最长 ${longest[1]} 天` : (ZH_FIELDS[message] ?? message);
    };
    const details = err.details.map((d) => ({ ...d, message: lang() === 'en' ? d.message : zh(d.message) }));
    return Object.assign(Object.create(Object.getPrototypeOf(err)), err, { details });
  };

  return html`<${Page} title=${t('title')}>
    ${notice?.text ? html`<${Banner} ok>${notice.text}<//>` : null}
    ${notice?.token
      ? html`<div class="banner ok" role="status" data-secret>
          <div>${t('shownOnce', notice.jti)}</div>
          <textarea class="secret" readonly rows="4" data-secret-value>${notice.token}</textarea>
        </div>`
      : null}
    <${Banner}>${error ? errorText(localised(error)) : ''}<//>
    ${revoking
      ? html`<section class="card" data-revoking=${revoking}>
          <h2>${t('revokeTitle', revoking)}</h2>
          <${Form} name="revoke-token" submitLabel=${t('confirmRevoke')}
            fields=${[{ name: 'reason', label: t('reason'), type: 'textarea', required: true, hint: t('reasonHint') }]}
            submit=${(values, key) => api('/api/tokens/revoked', { method: 'POST', body: { jti: revoking, reason: values.reason }, key })}
            onDone=${() => {
              setNotice({ text: t('revokedNotice', revoking) });
              setRevoking(null);
              refresh();
            }}>
            <button type="button" class="secondary" onClick=${() => setRevoking(null)}>${t('cancel')}</button>
          <//>
        </section>`
      : null}
    <details class="action" data-action="issue-token">
      <summary>${t('issue')}</summary>
      <div>
        <p class="hint">${t('issueIntro')}</p>
        <div class="field"><label for="token-role">${t('role')}</label>
          <select id="token-role" data-token-role onChange=${(e) => setRole(e.currentTarget.value)}>
            ${ROLES.map((r) => html`<option value=${r} selected=${r === role}>${roleName(r)}</option>`)}
          </select></div>
        <${Form} key=${role} name="issue-token" fields=${issueFields.filter((f) => f.name !== 'role')} submitLabel=${t('sign')}
          submit=${(values, key) => issue({ ...values, role }, key).catch((err) => Promise.reject(localised(err)))}
          onDone=${(answer) => {
            setNotice(answer?.token ? { token: answer.token, jti: answer.jti } : { text: t('replayed') });
            refresh();
          }} />
      </div>
    </details>
    <${DataTable} key=${version} name="tokens" columns=${columns} filters=${filters} rowKey=${(tk) => tk.jti} load=${(query) => api('/api/tokens' + queryString(query))} />
  <//>`;
}
