// The dashboard's script (SPEC §6), a file of its own: the page's Content Security Policy runs no
// inline script. The page holds no data: it acts through the session opened at intake's /login (the
// cookie is the host's, whatever the port), else a pasted machine token, and reads /api/reports/scorecard.
// The category labels come with the page, as a JSON block (data, never run).
const CATEGORY = JSON.parse(document.getElementById('category-labels').textContent);
const STORE = 'complaints.token';
let SESSION = null;
const $ = (id) => document.getElementById(id);
const RATE_KEYS = ['acknowledgedOnTime', 'replyOnTime', 'contactWithin24h', 'firstTimeClosure', 'monthlyClosure', 'satisfaction'];
let cards = [];
let policy = null;
let sort = { key: 'dealerCode', dir: 1 };
const charts = {};

async function api(path) {
  const res = await fetch(path, { headers: SESSION ? { 'x-csrf-token': SESSION.csrfToken } : { authorization: 'Bearer ' + sessionStorage.getItem(STORE) } });
  if (res.status === 401) { SESSION = null; sessionStorage.removeItem(STORE); show(); throw new Error('请重新登录 sign in again'); }
  if (!res.ok) { const b = await res.json(); throw new Error(b.message + ' ' + (b.details || []).map((d) => d.path + ': ' + d.message).join('; ')); }
  return res;
}
const pct = (r) => (r.rate === null ? '无数据' : (r.rate * 100).toFixed(1) + '%');
const yuan = (n) => (typeof n === 'number' ? '¥' + n.toLocaleString('en-US') : '—');
const rating = (a) => (!a || a.average === null ? '无数据' : a.average.toFixed(2) + ' (' + a.count + ')');
const value = (card, key) => {
  const set = card[$('scope').value];
  if (RATE_KEYS.includes(key)) return set[key].rate === null ? -1 : set[key].rate;
  if (key === 'complaints' || key === 'falseReplies') return set[key];
  if (key === 'quota') return card.quota.quota ?? -1;
  if (key === 'eligible') return card.incentive.eligible ? 1 : 0;
  if (key === 'amountDue') return card.incentive.amountDue ?? -1;
  if (key === 'carried') return card.internet.carried;
  if (key === 'starLevel') return card.starLevel ?? -1;
  if (key === 'ratingOverall') return card.ratings.overall.average ?? -1;
  return card[key];
};
// Column names that state a clock take its number from the month's policy (SPEC §4), never from the page.
function renderHeader() {
  const th = (key) => document.querySelector('#scorecards th[data-key="' + key + '"]');
  if (!policy) return;
  th('contactWithin24h').textContent = policy.contactHours + '小时联系率';
  th('replyOnTime').textContent = $('scope').value === 'repairRequests' ? '反馈及时率（' + policy.repairFeedbackWorkingDays + '个工作日）' : '回复及时率';
  th('acknowledgedOnTime').title = policy.acknowledgementIsCondition ? '费用支持条件之一 · an incentive condition' : '仅展示，非费用支持条件 · shown, not an incentive condition';
}
function visible() {
  const region = $('region').value;
  const q = $('dealer').value.trim().toLowerCase();
  return cards.filter((c) => (!region || c.region === region) && (!q || c.dealerCode.toLowerCase().includes(q) || c.dealerName.toLowerCase().includes(q)));
}
function renderTable() {
  const rows = visible().sort((a, b) => { const x = value(a, sort.key), y = value(b, sort.key); return (x > y ? 1 : x < y ? -1 : 0) * sort.dir; });
  const body = $('scorecards').querySelector('tbody');
  body.replaceChildren();
  for (const c of rows) {
    const card = c;
    const set = c[$('scope').value];
    const tr = document.createElement('tr');
    tr.dataset.dealer = c.dealerCode;
    const carried = c.internet.carried ? c.internet.carriedClosed + '/' + c.internet.carried : '0';
    const cells = [c.dealerCode, c.dealerName, c.region, c.starLevel ?? '—', set.complaints, ...['acknowledgedOnTime', 'replyOnTime', 'contactWithin24h'].map((k) => set[k]), set.falseReplies, ...['firstTimeClosure', 'monthlyClosure', 'satisfaction'].map((k) => set[k]), carried, rating(c.ratings.overall), c.countedAgainstQuota];
    for (const cell of cells) {
      const td = document.createElement('td');
      if (cell && typeof cell === 'object') {
        td.textContent = cell.rate === null ? '无数据' : pct(cell) + ' (' + cell.numerator + '/' + cell.denominator + ')';
        if (cell.rate !== null && cell.rate < 1) td.className = 'low';
        if (cell.rate === null) td.className = 'muted';
      } else td.textContent = cell;
      tr.append(td);
    }
    const quota = document.createElement('td');
    quota.textContent = card.quota.quota ?? '无数据';
    const eligible = document.createElement('td');
    eligible.textContent = card.incentive.eligible ? '是' : '否';
    eligible.className = card.incentive.eligible ? '' : 'low';
    // Why, condition by condition, and the penalties recorded: on hover.
    eligible.title = card.incentive.conditions.map((x) => (x.pass ? '✓ ' : '✗ ') + x.name + ': ' + x.why).concat(card.penalties.map((p) => '考核 ' + p.kind + (p.amount ? ' ' + p.amount : '') + (p.complaintNumber ? ' (' + p.complaintNumber + ')' : '') + ': ' + p.reason)).join('\n');
    const amount = document.createElement('td');
    amount.textContent = yuan(card.incentive.amountDue);
    amount.title = card.incentive.amountBasis || '';
    tr.append(quota, eligible, amount);
    body.append(tr);
  }
  renderHeader();
  for (const th of document.querySelectorAll('#scorecards th')) {
    th.classList.toggle('sorted', th.dataset.key === sort.key);
    th.dataset.dir = sort.dir > 0 ? ' ▲' : ' ▼';
  }
}
// For finance and the regions: the incentive due, the money penalties and the ratings, per region and in all.
function renderRegions() {
  const empty = (region) => ({ region, dealers: 0, eligible: 0, amountDue: 0, penalties: 0, ratingTotal: 0, ratingCount: 0 });
  const add = (t, c) => {
    t.dealers += 1;
    if (c.incentive.eligible) t.eligible += 1;
    t.amountDue += c.incentive.amountDue ?? 0;
    t.penalties += c.penalties.filter((p) => p.kind === 'amount').reduce((s, p) => s + (p.amount ?? 0), 0);
    t.ratingTotal += c.ratings.overall.total;
    t.ratingCount += c.ratings.overall.count;
  };
  const byRegion = new Map();
  const all = empty('全网 network');
  for (const c of cards) {
    const t = byRegion.get(c.region) ?? empty(c.region);
    add(t, c);
    add(all, c);
    byRegion.set(c.region, t);
  }
  const row = (t, cell) => {
    const tr = document.createElement('tr');
    tr.dataset.region = t.region;
    for (const text of [t.region || '—', t.dealers, t.eligible, yuan(t.amountDue), yuan(t.penalties), rating({ count: t.ratingCount, average: t.ratingCount ? t.ratingTotal / t.ratingCount : null })]) {
      const td = document.createElement(cell);
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  };
  $('regions').querySelector('tbody').replaceChildren(...[...byRegion.values()].sort((a, b) => a.region.localeCompare(b.region)).map((t) => row(t, 'td')));
  $('regions').querySelector('tfoot').replaceChildren(row(all, 'td'));
}
// SPEC §3.10: the month's approved special and travel claims, per dealer, with the region and network totals (for finance).
function renderClaims(report) {
  const row = (cells, data) => {
    const tr = document.createElement('tr');
    Object.assign(tr.dataset, data);
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  };
  $('claims').querySelector('tbody').replaceChildren(...report.dealers.map((d) => row([d.dealerCode, d.region || '—', d.claims, yuan(d.claimed), yuan(d.approved)], { dealer: d.dealerCode })));
  $('claims').querySelector('tfoot').replaceChildren(
    ...report.regions.map((r) => row(['大区合计 ' + (r.region || '—'), r.region || '—', r.claims, yuan(r.claimed), yuan(r.approved)], { region: r.region || '' })),
    row(['全网 network', '', report.network.claims, yuan(report.network.claimed), yuan(report.network.approved)], { network: 'true' }),
  );
}
function chart(id, config) {
  charts[id]?.destroy();
  charts[id] = new Chart($(id), { ...config, options: { animation: false, responsive: true, ...config.options } });
}
function renderCharts(trend) {
  const rows = visible();
  const ranked = [...rows].sort((a, b) => b.all.complaints - a.all.complaints).slice(0, 10);
  chart('ranking', { type: 'bar', data: { labels: ranked.map((c) => c.dealerName || c.dealerCode), datasets: [{ label: '抱怨数 complaints (top 10)', data: ranked.map((c) => c.all.complaints), backgroundColor: '#1d5fa8' }] }, options: { indexAxis: 'y' } });
  const byCategory = Object.keys(CATEGORY).map((k) => rows.reduce((s, c) => s + c.byCategory[k], 0));
  chart('categories', { type: 'doughnut', data: { labels: Object.values(CATEGORY), datasets: [{ data: byCategory, backgroundColor: ['#1d5fa8', '#e0a030', '#c0392b', '#3c9d5d'] }] }, options: { plugins: { title: { display: true, text: '抱怨分类 by category' } } } });
  if (trend) {
    chart('trend', {
      type: 'line',
      data: {
        labels: trend.map((t) => t.month),
        datasets: [
          { label: '抱怨数 complaints', data: trend.map((t) => t.complaints), yAxisID: 'count', borderColor: '#888', backgroundColor: '#888' },
          { label: '月度闭环率 closure %', data: trend.map((t) => t.closure), yAxisID: 'rate', borderColor: '#1d5fa8', backgroundColor: '#1d5fa8' },
          { label: '满意率 satisfaction %', data: trend.map((t) => t.satisfaction), yAxisID: 'rate', borderColor: '#3c9d5d', backgroundColor: '#3c9d5d' },
          { label: '总体评分 overall rating (1-5)', data: trend.map((t) => t.rating), yAxisID: 'score', borderColor: '#e0a030', backgroundColor: '#e0a030' },
        ],
      },
      options: { scales: { rate: { position: 'right', min: 0, max: 100 }, score: { position: 'right', min: 1, max: 5, grid: { drawOnChartArea: false } }, count: { position: 'left', beginAtZero: true } }, plugins: { title: { display: true, text: '近6个月趋势 trend, last 6 months' } } },
    });
  }
}
// The API answers a page of dealers at a time; the table, charts and JSON export need them all:
// the first page says how many, the others are asked for together, from the first page's snapshot.
async function scorecards(month) {
  const page = async (n, snapshot) => (await api('/api/reports/scorecard?month=' + month + '&pageSize=200&page=' + n + (snapshot ? '&snapshot=' + snapshot : ''))).json();
  const first = await page(1);
  const pages = Math.ceil(first.total / 200);
  const rest = await Promise.all(Array.from({ length: Math.max(0, pages - 1) }, (_, i) => page(i + 2, first.snapshot)));
  const dealers = [first, ...rest].flatMap((body) => body.dealers);
  return { month: first.month, frozen: first.frozen, provisional: first.provisional, freezesAt: first.freezesAt, policy: first.policy, totals: first.totals, dealers };
}
// Each load is numbered: a month whose answer comes after the one chosen since (a month whose
// aggregates are still being built answers slowly) never replaces it.
let loading = 0;
async function load() {
  const mine = ++loading;
  const current = () => mine === loading;
  $('error').textContent = '';
  try {
    const month = $('month').value;
    // The six months' trend in one request, summed on the server from each month's aggregates, asked for beside the cards.
    const trendAnswer = api('/api/reports/trend?month=' + month + '&months=6').then((res) => res.json());
    trendAnswer.catch(() => {});
    const loaded = await scorecards(month);
    if (!current()) return;
    cards = loaded.dealers;
    policy = loaded.policy;
    // SPEC §6: scored in the next month; until the freeze day the figures still move as complaints close.
    const when = (iso) => iso.slice(0, 16).replace('T', ' ');
    $('month-status').textContent = loaded.provisional ? '暂定 provisional · ' + when(loaded.freezesAt) + ' 冻结 freezes' : '已冻结 final · v' + loaded.frozen.version;
    $('month-status').className = 'badge ' + (loaded.provisional ? 'provisional' : 'final');
    const regions = [...new Set(cards.map((c) => c.region))].sort();
    const chosen = $('region').value;
    $('region').replaceChildren(new Option('全部 all', ''), ...regions.map((r) => new Option(r, r, false, r === chosen)));
    renderTable();
    renderRegions();
    renderCharts();
    api('/api/reports/claims?month=' + month).then((res) => res.json()).then((report) => { if (current()) renderClaims(report); }, () => {});
    const ratio = (r) => (r.denominator === 0 ? null : Math.round((r.numerator / r.denominator) * 1000) / 10);
    const trend = (await trendAnswer).months.map((t) => ({
      month: t.month, complaints: t.complaints, closure: ratio(t.monthlyClosure), satisfaction: ratio(t.satisfaction),
      rating: t.overallRating.count ? Math.round((t.overallRating.total / t.overallRating.count) * 100) / 100 : null,
    }));
    if (!current()) return;
    renderCharts(trend);
    document.body.dataset.loaded = month;
  } catch (error) {
    if (current()) $('error').textContent = error.message;
  }
}
async function download(format) {
  const month = $('month').value;
  const blob = format === 'csv' ? await (await api('/api/reports/scorecard?month=' + month + '&format=csv')).blob() : new Blob([JSON.stringify(await scorecards(month))], { type: 'application/json' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = 'scorecard-' + $('month').value + '.' + format;
  link.click();
}
$('csv').addEventListener('click', () => download('csv'));
$('claims-csv').addEventListener('click', async (e) => {
  e.preventDefault();
  const res = await api('/api/reports/claims?month=' + $('month').value + '&format=csv');
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await res.blob());
  link.download = 'claims-' + $('month').value + '.csv';
  link.click();
});
$('json').addEventListener('click', () => download('json'));
$('month').addEventListener('change', load);
for (const id of ['region', 'scope']) $(id).addEventListener('change', () => { renderTable(); renderCharts(); });
$('dealer').addEventListener('input', () => { renderTable(); renderCharts(); });
for (const th of document.querySelectorAll('#scorecards th')) th.addEventListener('click', () => { sort = { key: th.dataset.key, dir: sort.key === th.dataset.key ? -sort.dir : 1 }; renderTable(); });
$('signin-form').addEventListener('submit', (e) => { e.preventDefault(); sessionStorage.setItem(STORE, $('token').value.trim()); show(); });
async function show() {
  if (!SESSION && !sessionStorage.getItem(STORE)) {
    const res = await fetch('/api/session').catch(() => null);
    SESSION = res && res.ok ? await res.json() : null;
  }
  const signedIn = Boolean(SESSION || sessionStorage.getItem(STORE));
  $('signin').hidden = signedIn;
  $('app').hidden = !signedIn;
  if (signedIn) load();
}
show();
