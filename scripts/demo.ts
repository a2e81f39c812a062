// `npm run demo`: seeds a running stack (`npm start`, or `DEMO_CLOCKS=1 npm start` to watch the
// clocks run) with a realistic month through the real API: a directory of 50 dealers in 5 regions,
// service visits for the quota, and a few hundred complaints in every channel and state: new,
// dispatched, confirmed, replied, awaiting follow-up, closed, unsatisfied, false replies,
// unreachable, force-closed, major, reassigned. Prints what it made (a hand count to check the
// scorecards against). Safe to run twice: a second run adds another month's worth under new keys.
import { createHmac, randomUUID } from 'node:crypto';
import { SingleBar, Presets } from 'cli-progress';
import mongoose from 'mongoose';
import { beijingMonth, policyInForce, REPAIR_CASES } from '@complaints/shared';
import { createModels, loadPolicies, savePolicy } from '@complaints/activities';
import { addUser, createAccountModels, signToken, type NewUser, type Principal } from '@complaints/runtime';
import { savedSecrets } from './lib/stack';

const INTAKE = process.env.INTAKE_URL ?? 'http://127.0.0.1:3000';
const REPORTING = process.env.REPORTING_URL ?? 'http://127.0.0.1:3002';
const COMPLAINTS = Number(process.env.DEMO_COMPLAINTS ?? 300);
const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/complaints';
const DAYS_BACK = 40;

/**
 * Staff may record a receipt at most the policy's window back (a week by default). The demo loads
 * 40 days of history, as an operator taking over a backlog would: it puts in force a copy of the
 * policy with a window wide enough for the backlog, and afterwards a copy with the window as it was.
 * Both versions stay in the policy history, so the backfill is on record. Clocks are not affected:
 * a complaint's clocks follow the policy in force at its receipt.
 */
async function withBackfillWindow<T>(days: number, seed: () => Promise<T>): Promise<T> {
  const mongo = await mongoose.createConnection(MONGO_URL, { serverSelectionTimeoutMS: 10_000 }).asPromise();
  const models = createModels(mongo);
  const put = async (windowDays: number, label: string) => {
    const now = new Date();
    const current = policyInForce(await loadPolicies(models), now);
    // From now on the demo network pays its incentive by star level (支持额度), as many operators do;
    // the months before keep the flat amount of the policy then in force.
    const incentive = { ...current.incentive, byStarLevel: { '5': 3000, '4': 2500, '3': 2000, ...current.incentive.byStarLevel } };
    await savePolicy(models, { ...current, version: `${current.version.replace(/\+(backfill|restored)-.*$/, '')}+${label}-${now.toISOString()}`, effectiveFrom: now.toISOString(), intake: { receivedAtWindowDays: windowDays }, incentive });
  };
  const usual = policyInForce(await loadPolicies(models), new Date()).intake.receivedAtWindowDays;
  try {
    await put(Math.max(days, usual), 'backfill');
    return await seed();
  } finally {
    await put(usual, 'restored').catch(() => undefined);
    await mongo.close();
  }
}

const REGIONS = [
  { code: 'east', name: '华东大区', cities: ['上海', '杭州', '南京', '苏州', '宁波', '合肥', '无锡', '温州', '常州', '嘉兴'] },
  { code: 'north', name: '华北大区', cities: ['北京', '天津', '石家庄', '太原', '济南', '青岛', '唐山', '保定', '烟台', '大连'] },
  { code: 'south', name: '华南大区', cities: ['广州', '深圳', '东莞', '佛山', '厦门', '福州', '南宁', '海口', '珠海', '泉州'] },
  { code: 'west', name: '西南大区', cities: ['成都', '重庆', '昆明', '贵阳', '绵阳', '宜宾', '遵义', '南充', '曲靖', '拉萨'] },
  { code: 'central', name: '华中大区', cities: ['武汉', '长沙', '郑州', '南昌', '洛阳', '襄阳', '株洲', '宜昌', '九江', '岳阳'] },
];
const CATEGORIES = ['product_quality', 'technical_capability', 'service_process', 'parts_supply'] as const;
const DESCRIPTIONS = ['发动机异响，维修两次未解决', '保养后车内有油污', '备件等待超过两周', '空调不制冷，诊断错误', '接待人员态度差', '变速箱顿挫', '索赔被拒，客户不认可', '车机系统频繁死机'];

/** Deterministic choices, so that two demo runs look alike. */
function random(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

function secrets(): { AUTH_SECRET: string; HOTLINE_SECRET: string } {
  const { file, secrets: { AUTH_SECRET, HOTLINE_SECRET } } = savedSecrets();
  if (!AUTH_SECRET || !HOTLINE_SECRET) throw new Error(`no secrets: start the stack first (npm start writes ${file}), or set AUTH_SECRET and HOTLINE_SECRET`);
  return { AUTH_SECRET, HOTLINE_SECRET };
}

async function call(method: string, url: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method, headers: { ...(body !== undefined && { 'content-type': typeof body === 'string' ? 'text/csv' : 'application/json' }), ...(token && { authorization: `Bearer ${token}` }), ...headers }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (res.status >= 400) throw new Error(`${method} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return { status: res.status, body: parsed };
}

interface Totals {
  complaints: number;
  satisfied: number;
  unreachable: number;
}

/** Network-wide totals of a month's scorecards (all channels, complaints only). */
async function scorecardTotals(month: string, token: string): Promise<Totals> {
  type Card = { all: { complaints: number; unreachable: number; satisfaction: { numerator: number } } };
  const cards: Card[] = [];
  for (let page = 1; ; page++) {
    const { body } = await call('GET', `${REPORTING}/api/reports/scorecard?month=${month}&pageSize=200&page=${page}`, token);
    cards.push(...(body.dealers as Card[]));
    if (cards.length >= (body.total as number) || !(body.dealers as Card[]).length) break;
  }
  return cards.reduce((t, c) => ({ complaints: t.complaints + c.all.complaints, satisfied: t.satisfied + c.all.satisfaction.numerator, unreachable: t.unreachable + c.all.unreachable }), { complaints: 0, satisfied: 0, unreachable: 0 });
}

async function main() {
  const { AUTH_SECRET, HOTLINE_SECRET } = secrets();
  const token = (claims: Principal) => signToken(AUTH_SECRET, claims, '1d');
  const coordinator = await token({ sub: 'demo-coordinator', role: 'coordinator' });
  const callCenter = await token({ sub: 'demo-call-center', role: 'call_center' });
  const rnd = random(20261123);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;

  // 1. The directory: 50 dealers, 10 per region, as the coordinator loads it.
  const mailbox = (local: string, language: 'zh' | 'en' = 'zh') => [{ email: `${local}@dealers.local`, language }];
  const dealers = REGIONS.flatMap((region, r) =>
    region.cities.map((city, i) => ({ code: `${region.code.slice(0, 2).toUpperCase()}${String(i + 1).padStart(3, '0')}`, name: `${city}${i % 3 === 0 ? '4S' : '3S'}店`, region: region.code, contacts: mailbox(`service.${region.code}${i + 1}`, (r + i) % 7 === 0 ? 'en' : 'zh'), serviceStatus: i === 9 ? 'transitional' : 'active', starLevel: i % 3 === 0 ? 5 : 3 + (i % 2) })),
  );
  const { body: current } = await call('GET', `${INTAKE}/api/directory`, coordinator);
  await call('PUT', `${INTAKE}/api/directory`, coordinator, {
    regions: REGIONS.map((r) => ({ code: r.code, name: r.name, managers: [{ email: `rm.${r.code}@aftersales.local`, language: 'zh' }] })),
    dealers,
    roles: current.roles,
  });
  const dealerTokens = new Map(await Promise.all(dealers.map(async (d) => [d.code, await token({ sub: `demo-${d.code}`, role: 'dealer', dealerCode: d.code })] as const)));
  const managerTokens = new Map(await Promise.all(REGIONS.map(async (r) => [r.code, await token({ sub: `demo-rm-${r.code}`, role: 'regional_manager', region: r.code })] as const)));

  // 2. Service visits of the previous quarter for every dealer, for the quota.
  const now = new Date();
  const thisMonth = now.toISOString().slice(0, 7);
  const monthOf = (back: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1)).toISOString().slice(0, 7);
  const lines = ['dealerCode,month,visits'];
  for (const d of dealers) for (let back = 1; back <= 6; back++) lines.push(`${d.code},${monthOf(back)},${200 + Math.floor(rnd() * 400)}`);
  await call('PUT', `${REPORTING}/api/reports/service-visits`, coordinator, lines.join('\n'));

  // 3. Complaints over last month and this month, each driven to a state of its own, counted by
  // hand (by month of receipt in Beijing time) to check the scorecards against afterwards.
  const months = [monthOf(1), thisMonth];
  const before = new Map(await Promise.all(months.map(async (m) => [m, await scorecardTotals(m, coordinator)] as const)));
  const counted = new Map(months.map((m) => [m, { complaints: 0, satisfied: 0, unreachable: 0 }]));
  const outcomes = ['new', 'undispatched', 'confirmed', 'progress', 'replied', 'follow_up', 'closed', 'closed', 'closed', 'unsatisfied', 'false_reply', 'forced', 'unreachable', 'major', 'reassigned', 'invalid', 'reclassified'] as const;
  const made: Record<string, number> = {};
  let claimsMade = 0;
  await withBackfillWindow(DAYS_BACK + 1, () => seedComplaints());
  async function seedComplaints() {
    const bar = new SingleBar({ format: 'demo complaints [{bar}] {value}/{total} {duration}s', hideCursor: true }, Presets.shades_classic);
    bar.start(COMPLAINTS, 0);
    const runId = randomUUID().slice(0, 8);
    for (let i = 0; i < COMPLAINTS; i++) {
      const dealer = pick(dealers);
      const outcome = outcomes[i % outcomes.length]!;
      const category = pick(CATEGORIES);
      const daysBack = Math.floor(rnd() * DAYS_BACK);
      const receivedAt = new Date(now.getTime() - daysBack * 86_400_000 - Math.floor(rnd() * 8) * 3_600_000).toISOString();
      const kind = i % 23 === 0 ? 'repair_request' : 'complaint';
      const base = {
        kind,
        category,
        customer: { name: pick(['张先生', '李女士', '王先生', '赵女士', '陈先生']), phone: `139${String(10_000_000 + i).slice(-8)}` },
        vehicle: { plate: `${pick(['沪', '京', '粤', '川', '鄂'])}A${String(10000 + i).slice(-5)}` },
        // A repair request waits for the call center, which dispatches it with its repair case (seed 002 400抱怨 §6.2).
        ...(outcome !== 'undispatched' && outcome !== 'invalid' && kind === 'complaint' && { dealerCode: dealer.code }),
        description: pick(DESCRIPTIONS),
        request: pick(['尽快修复', '更换零件', '道歉并补偿', '退换车辆']),
        receivedAt,
      };
      // Channels: hotline calls through the signed webhook, internet posts, and the rest by staff.
      let number: string;
      if (i % 5 === 0 || i % 5 === 1) {
        const raw = JSON.stringify({ ...base, callId: `demo-${runId}-${i}` });
        const sig = `sha256=${createHmac('sha256', HOTLINE_SECRET).update(raw).digest('hex')}`;
        const res = await fetch(`${INTAKE}/api/hotline/calls`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': sig }, body: raw });
        number = ((await res.json()) as { number: string }).number;
      } else if (i % 5 === 2) {
        number = (await call('POST', `${INTAKE}/api/internet-complaints`, coordinator, { ...base, customer: { name: '网友' }, url: `https://weibo.example.com/demo/${runId}/${i}`, source: pick(['微博', '汽车之家', '抖音']) })).body.number as string;
      } else {
        const channel = pick(['web_form', 'email', 'walk_in', 'written']);
        number = (await call('POST', `${INTAKE}/api/complaints`, coordinator, { ...base, channel })).body.number as string;
        // A web-form complaint waits for the coordinator (SPEC §3.2), who dispatches it to the dealer named.
        if (channel === 'web_form' && 'dealerCode' in base && outcome !== 'invalid') await drive(number, 'triaged', dealer.code, base.kind);
      }
      await drive(number, outcome, dealer.code, base.kind, base.category);
      const tally = counted.get(beijingMonth(receivedAt));
      if (tally && base.kind === 'complaint' && outcome !== 'undispatched' && outcome !== 'invalid') {
        tally.complaints += 1;
        if (outcome === 'closed') tally.satisfied += 1;
        if (outcome === 'unreachable') tally.unreachable += 1;
      }
      made[`${outcome}`] = (made[outcome] ?? 0) + 1;
      bar.update(i + 1);
    }
    bar.stop();
  }

  /** The dealer files a travel claim with its receipts; the coordinator approves part of it or rejects it. */
  async function travelClaim(number: string, dealer: string, approve: boolean) {
    let filed: { id: string } | undefined;
    for (let attempt = 0; !filed; attempt++) {
      const form = new FormData();
      form.append('type', 'travel');
      form.append('amount', '860.50');
      form.append('description', '按售后服务部要求赴现场：往返交通与一晚住宿');
      form.append('documentKinds', 'receipts');
      form.append('documents', new Blob(['%PDF-1.4\n% 交通住宿票据\n'], { type: 'application/pdf' }), 'receipts.pdf');
      const res = await fetch(`${INTAKE}/api/complaints/${number}/claims`, { method: 'POST', headers: { authorization: `Bearer ${dealer}` }, body: form });
      if (res.status === 201) filed = (await res.json()) as { id: string };
      // The read model may not show the upgrade yet: a moment later.
      else if (attempt >= 20 || ![404, 409].includes(res.status)) throw new Error(`claim on ${number} answered ${res.status}: ${await res.text()}`);
      else await new Promise((resolve) => setTimeout(resolve, 150));
    }
    if (approve) await call('POST', `${INTAKE}/api/claims/${filed.id}/approve`, coordinator, { amount: 800 });
    else await call('POST', `${INTAKE}/api/claims/${filed.id}/reject`, coordinator, { reason: '住宿超出外出服务标准，请按标准重新申请' });
    made[approve ? 'claim approved' : 'claim rejected'] = (made[approve ? 'claim approved' : 'claim rejected'] ?? 0) + 1;
  }

  async function drive(number: string, outcome: (typeof outcomes)[number] | 'triaged', dealerCode: string, kind: string, category?: string) {
    const act = async (action: string, who: string, body: object = {}) => {
      // The workflow may still be taking its first steps: retry a refusal briefly.
      for (let attempt = 0; ; attempt++) {
        try {
          return await call('POST', `${INTAKE}/api/complaints/${number}/${action}`, who, body);
        } catch (error) {
          // A backdated complaint unresolved past the upgrade days is major already: the outcome the demo wanted.
          if (action === 'upgrade' && /already major/.test((error as Error).message)) return { status: 409, body: {} };
          if (attempt >= 20 || !/answered (404|409)/.test((error as Error).message)) throw error;
          await new Promise((resolve) => setTimeout(resolve, 150));
        }
      }
    };
    const dealer = dealerTokens.get(dealerCode)!;
    const reply = (final: boolean) => ({ text: final ? '已处理完毕，客户认可' : '已联系客户，等待备件', final, cause: '零件磨损', qualityDefect: false, partsReplaced: final ? ['刹车片'] : [] });
    if (outcome === 'undispatched') return;
    if (outcome === 'triaged') return void (await act('dispatch', coordinator, { dealerCode }));
    // Spam, a duplicate, not a complaint: it counts nowhere but the invalid list (SPEC §3.2).
    if (outcome === 'invalid') return void (await act('invalidate', coordinator, { reason: pick(['垃圾信息', '重复抱怨', '非抱怨：咨询']) }));
    if (kind === 'repair_request') await act('dispatch', callCenter, { dealerCode, repairCase: pick(REPAIR_CASES) });
    if (outcome === 'new') return;
    if (outcome === 'major') {
      await act('upgrade', coordinator, { reason: '客户多次投诉，媒体关注' });
      // SPEC §3.10: the dealer's travel claim on its major complaint, approved or rejected in turn.
      if (kind === 'complaint') await travelClaim(number, dealer, (claimsMade++ % 2 === 0));
      return;
    }
    // The coordinator corrects the category the customer picked: its closure deadline follows (SPEC §3.2).
    if (outcome === 'reclassified') return void (await act('classify', coordinator, { category: category === 'service_process' ? 'parts_supply' : 'service_process', reason: '核实后更正客户选择的分类' }));
    if (outcome === 'reassigned') return void (await act('reassign', coordinator, { dealerCode: dealers.find((d) => d.code !== dealerCode)!.code, reason: '客户转至其他服务商' }));
    await act('acknowledge', dealer);
    if (outcome === 'confirmed') return;
    await act('contact', dealer, { note: '已电话联系客户' });
    if (outcome === 'forced') return void (await act('force-close', coordinator, { reason: '客户期望无法满足' }));
    await act('reply', dealer, reply(outcome !== 'progress'));
    if (outcome === 'progress' || outcome === 'replied' || kind === 'repair_request') return;
    const { body: requested } = await act('request-closure', coordinator);
    if (outcome === 'follow_up') return;
    // Seed 003: the call center calls back on a minor complaint; a major one (upgraded after 10 days
    // unresolved, as backdated complaints are) is followed up by its regional manager's visit.
    const major = requested.severity === 'major';
    const region = dealers.find((d) => d.code === dealerCode)!.region;
    const followUp = (body: object) => act('follow-up', major ? managerTokens.get(region)! : callCenter, { ...body, method: major ? 'visit' : 'phone' });
    if (outcome === 'closed') return void (await followUp({ outcome: 'satisfied', ratings: { serviceQuality: 4 + Math.floor(rnd() * 2), attitude: 4 + Math.floor(rnd() * 2), priceCheck: 3 + Math.floor(rnd() * 3), overall: 5 } }));
    if (outcome === 'unsatisfied') return void (await followUp({ outcome: 'unsatisfied', note: '客户仍不满意', ratings: { overall: 2 } }));
    if (outcome === 'false_reply') return void (await followUp({ outcome: 'false_reply', note: '客户称未修复', ratings: { overall: 1 } }));
    if (outcome === 'unreachable') for (let k = 0; k < 3; k++) await act('follow-up', callCenter, { outcome: 'unreachable' });
  }

  console.log(`\nMade ${COMPLAINTS} complaints (last 40 days) for ${dealers.length} dealers in ${REGIONS.length} regions:`);
  console.table(made);

  // 4. The hand count against the scorecards (what this run added), once the read model caught up.
  const rows: Record<string, string>[] = [];
  let agree = false;
  for (let attempt = 0; attempt < 30 && !agree; attempt++) {
    rows.length = 0;
    agree = true;
    for (const month of months) {
      const now = await scorecardTotals(month, coordinator);
      const was = before.get(month)!;
      const want = counted.get(month)!;
      const got = { complaints: now.complaints - was.complaints, satisfied: now.satisfied - was.satisfied, unreachable: now.unreachable - was.unreachable };
      agree &&= got.complaints === want.complaints && got.satisfied === want.satisfied && got.unreachable === want.unreachable;
      rows.push({ month, 'complaints (hand / scorecards)': `${want.complaints} / ${got.complaints}`, satisfied: `${want.satisfied} / ${got.satisfied}`, unreachable: `${want.unreachable} / ${got.unreachable}` });
    }
    if (!agree) await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  console.log('\nHand count against the scorecards (this run only; a frozen month does not move):');
  console.table(rows);
  console.log(agree ? 'The scorecards agree with the hand count.' : 'The scorecards DISAGREE with the hand count (is a month frozen?).');
  console.log(`Service visits imported for ${monthOf(6)} … ${monthOf(1)}.`);
  console.log(`Dashboard: ${REPORTING}/dashboard (month ${thisMonth} and ${monthOf(1)}); work orders: ${INTAKE}/complaints`);

  // 5. People to sign in as, one per role, so that each role's daily work can be tried at /login.
  const users = await demoUsers();
  console.log(`\nSign in at ${INTAKE}/login as (demo passwords; made once, kept on later runs):`);
  console.table(users);
}

/** The demo's staff, one per role; an account that exists already is left as it is. */
async function demoUsers(): Promise<{ username: string; role: string; scope: string; password: string }[]> {
  const mongo = await mongoose.createConnection(MONGO_URL, { serverSelectionTimeoutMS: 10_000 }).asPromise();
  try {
    const accounts = createAccountModels(mongo);
    const people: NewUser[] = [
      { username: 'demo.coordinator', displayName: '王协调', role: 'coordinator', password: 'harbour-lantern-2026' },
      { username: 'demo.callcenter', displayName: '李客服', role: 'call_center', password: 'meadow-compass-2026' },
      { username: 'demo.sh001', displayName: '上海浦东 4S 店', role: 'dealer', dealerCode: 'SH001', password: 'granite-orchid-2026' },
      { username: 'demo.east', displayName: '华东大区经理', role: 'regional_manager', region: 'east', password: 'saffron-beacon-2026' },
      { username: 'demo.hq', displayName: '总部', role: 'hq', password: 'willow-quartz-2026' },
    ];
    for (const person of people) if (!(await accounts.User.exists({ _id: person.username }))) await addUser(accounts, person);
    return people.map(({ username, role, dealerCode, region, password }) => ({ username, role, scope: dealerCode ?? region ?? '', password }));
  } finally {
    await mongo.close();
  }
}

main().catch((error: Error) => {
  console.error(`npm run demo failed: ${error.message}`);
  process.exit(1);
});
