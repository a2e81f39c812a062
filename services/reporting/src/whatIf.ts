import express, { type RequestHandler, type Router } from 'express';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  WorkingCalendar,
  beijingMonth,
  calendarYearSchema,
  monthFreezesAt,
  policyInForce,
  proposePolicy,
  isIdentity,
  whatIfRequestSchema,
  type WhatIfRequest,
  rederiveComplaint,
  monthStart,
  type CalendarYear,
  type FactChange,
  type FieldProblem,
  type Policy,
  type PolicyFact,
  type RecordedComplaint,
  type ScoredComplaint,
  monthsFrom,
} from '@complaints/shared';
import { loadCalendars, loadPolicies, monthScoringFilter, scoredFromDoc, SCORED_FIELDS, type Models } from '@complaints/activities';
import { type Auth, HttpError, invalidFields, jsonBody, shippedCalendars, shippedPolicies } from '@complaints/runtime';
import { computeScorecards, moneyTotals, normalizeCard, type MoneyTotal, type Scorecard } from './scorecards';
import { csvWithBom } from './csv';

// Policy what-if (SPEC §4, §6): before a rule changes, what it would have done to every dealer's
// scorecard and incentive. Each complaint's facts are decided again from its recorded event times
// under the proposal (shared/src/whatIf.ts), then the months are scored by the real scorecard code.
// Nothing is written but the run itself: no scorecard, policy or workflow changes.

export type { WhatIfRequest };

const MAX_MONTHS = 12;

/** The scorecard figures a what-if compares, by name: the rates of all complaints, then quota and money. */
const COMPARED = ['replyOnTime', 'contactWithin24h', 'acknowledgedOnTime', 'firstTimeClosure', 'monthlyClosure', 'satisfaction'] as const;

export interface Difference {
  kpi: string;
  actual: number | boolean | null;
  proposed: number | boolean | null;
}

export interface DealerComparison {
  dealerCode: string;
  month: string;
  region: string;
  frozen: boolean;
  actual: Scorecard;
  proposed: Scorecard;
  differences: Difference[];
  eligibilityFlips: boolean;
  amountChange: number;
}

export interface RegionComparison {
  month: string;
  region: string;
  actual: MoneyTotal;
  proposed: MoneyTotal;
  amountChange: number;
}

export interface WhatIfResult {
  from: string;
  to: string;
  months: string[];
  asOf: string;
  summary: {
    complaints: number;
    complaintsChanged: number;
    factsChanged: Partial<Record<PolicyFact, number>>;
    dealerMonths: number;
    eligibilityFlips: number;
    actualAmount: number;
    proposedAmount: number;
    amountChange: number;
    /** Facts whose due time moved but whose recorded value the history does not explain: kept as recorded. */
    unexplained: number;
  };
  dealers: DealerComparison[];
  regions: RegionComparison[];
  network: RegionComparison[];
  complaints: (FactChange & { month: string; dealerCode: string })[];
}

const monthsBetween = (from: string, to: string) => monthsFrom(from, to, MAX_MONTHS + 1);

/** Proposed calendars, each checked as a calendar load checks it; the years not proposed stay as loaded. */
function proposedCalendars(input: Record<string, unknown> | unknown[]): { years: CalendarYear[]; problems: FieldProblem[] } {
  const entries: [string, unknown][] = Array.isArray(input) ? input.map((c, i) => [String(i), c]) : Object.entries(input);
  const years: CalendarYear[] = [];
  const problems: FieldProblem[] = [];
  for (const [key, value] of entries) {
    const parsed = calendarYearSchema.safeParse(value);
    if (parsed.success) {
      if (!Array.isArray(input) && key !== String(parsed.data.year)) problems.push({ path: `calendars.${key}.year`, message: `is ${parsed.data.year}, not ${key}` });
      years.push(parsed.data);
    } else for (const issue of parsed.error.issues) problems.push({ path: ['calendars', key, ...issue.path].join('.'), message: issue.message });
  }
  return { years, problems };
}

/**
 * A calendar that answers each date once: a quarter's complaints ask about the same few hundred
 * days again and again. (Which versions were used is not needed here: nothing is recorded.)
 */
function rememberingCalendar(calendar: WorkingCalendar): WorkingCalendar {
  const known = new Map<string, boolean>();
  return {
    knownYears: calendar.knownYears,
    isWorkingDay(date: string, usage) {
      let answer = known.get(date);
      if (answer === undefined) known.set(date, (answer = calendar.isWorkingDay(date, usage)));
      return answer;
    },
  } as WorkingCalendar;
}

const RECORDED_FIELDS = { ...SCORED_FIELDS, policyVersion: 1, 'history.type': 1, 'history.at': 1 } as const;

export interface WhatIfOptions {
  now?: Date;
  /** Called as each month is done (the dashboard's and the CLI's progress). */
  onProgress?: (done: number, total: number, month: string) => void;
}

/**
 * The what-if: for each month in range, the actual cards (frozen as frozen, else live) and the cards
 * the proposal would have given, compared per dealer, region and network, with the complaints whose
 * facts change and why. Throws a 400 naming the fields at fault for a proposal a load would refuse.
 */
export async function runWhatIf(models: Models, request: WhatIfRequest, options: WhatIfOptions = {}): Promise<WhatIfResult> {
  const parsed = whatIfRequestSchema.safeParse(request);
  if (!parsed.success) throw invalidFields(parsed.error.issues.map((i) => ({ path: i.path.join('.') || 'body', message: i.message })));
  const { from, to, policy: changes, calendars } = parsed.data;
  if (from > to) throw invalidFields([{ path: 'to', message: `must not be before from (${from})` }]);
  const months = monthsBetween(from, to);
  if (months.length > MAX_MONTHS) throw invalidFields([{ path: 'to', message: `at most ${MAX_MONTHS} months from ${from}` }]);

  const [loadedPolicies, loadedCalendars] = await Promise.all([loadPolicies(models), loadCalendars(models)]);
  const policies = loadedPolicies.length ? loadedPolicies : shippedPolicies();
  // Before the first policy took effect nothing was scored, so there is nothing to compare.
  const first = policies.map((p) => p.effectiveFrom).sort()[0]!;
  if (monthStart(from).getTime() < new Date(first).getTime()) throw invalidFields([{ path: 'from', message: `no policy was in force before ${first}: choose months from then on` }]);
  const years = loadedCalendars.length ? loadedCalendars : shippedCalendars();
  const proposedYears = proposedCalendars(calendars);
  // Every policy a complaint in range may have been received under gets the proposal: each must take it.
  const proposals = new Map<string, Policy>();
  const problems: FieldProblem[] = [...proposedYears.problems];
  for (const p of policies) {
    const result = proposePolicy(p, changes);
    if ('policy' in result) proposals.set(p.version, result.policy);
    else for (const problem of result.problems) if (!problems.some((q) => q.path === problem.path)) problems.push(problem);
  }
  if (problems.length) throw invalidFields(problems, 'The proposal is not a valid policy or calendar');
  const recordedCalendar = rememberingCalendar(new WorkingCalendar(years));
  const proposedCalendar = proposedYears.years.length ? rememberingCalendar(new WorkingCalendar([...years.filter((y) => !proposedYears.years.some((p) => p.year === y.year)), ...proposedYears.years])) : recordedCalendar;
  const identical = new Map(policies.map((p) => [p.version, isIdentity(p, proposals.get(p.version)!)]));
  const byVersion = new Map(policies.map((p) => [p.version, p]));
  const asOf = options.now ?? new Date();

  const dealers: DealerComparison[] = [];
  const regions: RegionComparison[] = [];
  const network: RegionComparison[] = [];
  const complaintChanges: WhatIfResult['complaints'] = [];
  const changedNumbers = new Set<string>();
  const factsChanged: Partial<Record<PolicyFact, number>> = {};
  let complaintCount = 0;
  let unexplained = 0;
  const rederived = new Map<string, ScoredComplaint>();

  for (const [index, month] of months.entries()) {
    const docs = await models.Complaint.find(monthScoringFilter(month), RECORDED_FIELDS).lean();
    const complaints: ScoredComplaint[] = [];
    const recordedComplaints: ScoredComplaint[] = [];
    for (const doc of docs) {
      const d = doc as typeof doc & { history?: RecordedComplaint['history'] };
      const scored = scoredFromDoc(d as Parameters<typeof scoredFromDoc>[0]);
      if (!scored) continue;
      recordedComplaints.push(scored);
      const known = rederived.get(scored.number);
      if (known) {
        complaints.push(known);
        continue;
      }
      const recordedPolicy = byVersion.get(d.policyVersion ?? '') ?? policyInForce(policies, new Date(d.receivedAt));
      if (!proposedYears.years.length && identical.get(recordedPolicy.version)) {
        // Nothing the proposal changes reaches this complaint: its facts stand as recorded.
        rederived.set(scored.number, scored);
        complaints.push(scored);
        if (beijingMonth(scored.receivedAt) === month) complaintCount += 1;
        continue;
      }
      const result = rederiveComplaint({ ...scored, kpi: scored.kpi as RecordedComplaint['kpi'], history: d.history ?? [], policyVersion: d.policyVersion }, { policy: recordedPolicy, calendar: recordedCalendar }, { policy: proposals.get(recordedPolicy.version)!, calendar: proposedCalendar }, asOf);
      rederived.set(scored.number, result.complaint);
      complaints.push(result.complaint);
      if (beijingMonth(scored.receivedAt) === month) {
        complaintCount += 1;
        unexplained += result.unexplained.length;
        for (const change of result.changes) {
          complaintChanges.push({ ...change, month, dealerCode: scored.dealerCode });
          changedNumbers.add(change.number);
          factsChanged[change.fact] = (factsChanged[change.fact] ?? 0) + 1;
        }
      }
    }
    const frozen = await models.FrozenScorecard.findById(month, { cards: 1 }).lean();
    // A live month's actual cards: the real scoring of the complaints just read (what a freeze computes),
    // one read for both sides; a frozen month's are its frozen figures.
    const actualCards: Scorecard[] = frozen ? (frozen.cards as Scorecard[]).map(normalizeCard) : await computeScorecards(models, month, 'complaints', { complaints: recordedComplaints, policy: policyInForce(policies, monthStart(month)) });
    const monthRules = policyInForce(policies, monthStart(month));
    const monthPolicy = proposals.get(monthRules.version)!;
    // A proposed freeze day moves the month's freeze (SPEC §6): a complaint closed after the deadline month's end counts until then.
    const freezesAt = monthFreezesAt(month, monthPolicy.scoring.freezeDay).toISOString();
    const proposedComplaints = monthPolicy.scoring.freezeDay === monthRules.scoring.freezeDay ? complaints : complaints.map((c) => (beijingMonth(c.receivedAt) === month ? { ...c, monthFreezesAt: freezesAt } : c));
    const proposedCards = await computeScorecards(models, month, 'complaints', { complaints: proposedComplaints, policy: monthPolicy });
    const proposedBy = new Map(proposedCards.map((c) => [c.dealerCode, c]));
    const actualBy = new Map(actualCards.map((c) => [c.dealerCode, c]));
    for (const code of [...new Set([...actualBy.keys(), ...proposedBy.keys()])].sort()) {
      const actual = actualBy.get(code) ?? proposedBy.get(code)!;
      const proposed = proposedBy.get(code) ?? actual;
      dealers.push(compare(month, Boolean(frozen), actual, proposed));
    }
    const a = moneyTotals(actualCards);
    const p = moneyTotals([...proposedBy.values()].map((c) => ({ ...c, region: c.region || actualBy.get(c.dealerCode)?.region || '' })));
    for (const region of [...new Set([...a.regions, ...p.regions].map((t) => t.region))].sort()) {
      const empty = { region, dealers: 0, eligible: 0, amountDue: 0, penaltyAmount: 0 };
      const actual = a.regions.find((t) => t.region === region) ?? empty;
      const proposed = p.regions.find((t) => t.region === region) ?? empty;
      regions.push({ month, region, actual, proposed, amountChange: proposed.amountDue - actual.amountDue });
    }
    network.push({ month, region: '', actual: a.network, proposed: p.network, amountChange: p.network.amountDue - a.network.amountDue });
    options.onProgress?.(index + 1, months.length, month);
  }

  const actualAmount = network.reduce((s, n) => s + n.actual.amountDue, 0);
  const proposedAmount = network.reduce((s, n) => s + n.proposed.amountDue, 0);
  // The dealers whose eligibility flips first: that is what the director asks about.
  dealers.sort((x, y) => Number(y.eligibilityFlips) - Number(x.eligibilityFlips) || Math.abs(y.amountChange) - Math.abs(x.amountChange) || x.month.localeCompare(y.month) || x.dealerCode.localeCompare(y.dealerCode));
  return {
    from,
    to,
    months,
    asOf: asOf.toISOString(),
    summary: {
      complaints: complaintCount,
      complaintsChanged: changedNumbers.size,
      factsChanged,
      dealerMonths: dealers.length,
      eligibilityFlips: dealers.filter((d) => d.eligibilityFlips).length,
      actualAmount,
      proposedAmount,
      amountChange: proposedAmount - actualAmount,
      unexplained,
    },
    dealers,
    regions,
    network,
    complaints: complaintChanges,
  };
}

function compare(month: string, frozen: boolean, actual: Scorecard, proposed: Scorecard): DealerComparison {
  const differences: Difference[] = [];
  for (const kpi of COMPARED) {
    const a = actual.all[kpi]?.rate ?? null;
    const p = proposed.all[kpi]?.rate ?? null;
    if (a !== p) differences.push({ kpi, actual: a, proposed: p });
  }
  const money: [string, number | boolean | null, number | boolean | null][] = [
    ['quota', actual.quota?.quota ?? null, proposed.quota?.quota ?? null],
    ['eligible', actual.incentive.eligible, proposed.incentive.eligible],
    ['amountDue', actual.incentive.amountDue ?? null, proposed.incentive.amountDue ?? null],
  ];
  for (const [kpi, a, p] of money) if (a !== p) differences.push({ kpi, actual: a, proposed: p });
  return {
    dealerCode: actual.dealerCode,
    month,
    region: actual.region || proposed.region,
    frozen,
    actual,
    proposed,
    differences,
    eligibilityFlips: actual.incentive.eligible !== proposed.incentive.eligible,
    amountChange: (proposed.incentive.amountDue ?? 0) - (actual.incentive.amountDue ?? 0),
  };
}

const pct = (v: number | boolean | null) => (typeof v === 'number' && v <= 1 && v >= 0 ? `${(v * 100).toFixed(1)}%` : v === null ? '无数据' : String(v));

/** CSV for Excel (UTF-8 with BOM, as the scorecard CSV): one row per dealer-month, then regions and the network. */
export function whatIfCsv(result: WhatIfResult): string {
  const header = ['月份 month', '服务商代码 dealer', '大区 region', '冻结 frozen', ...COMPARED.flatMap((k) => [`${k} actual`, `${k} proposed`]), '限值 quota actual', '限值 quota proposed', '费用支持 eligible actual', '费用支持 eligible proposed', '支持额度 amount actual', '支持额度 amount proposed', '变化 change'];
  const rows: (string | number | null)[][] = result.dealers.map((d) => [
    d.month,
    d.dealerCode,
    d.region,
    d.frozen ? '是 yes' : '否 no',
    ...COMPARED.flatMap((k) => [pct(d.actual.all[k]?.rate ?? null), pct(d.proposed.all[k]?.rate ?? null)]),
    d.actual.quota?.quota ?? '无数据',
    d.proposed.quota?.quota ?? '无数据',
    d.actual.incentive.eligible ? '是 yes' : '否 no',
    d.proposed.incentive.eligible ? '是 yes' : '否 no',
    d.actual.incentive.amountDue ?? '',
    d.proposed.incentive.amountDue ?? '',
    d.amountChange,
  ]);
  const blank = COMPARED.flatMap(() => ['', '']);
  for (const r of [...result.regions, ...result.network]) {
    rows.push([r.month, '合计 total', r.region || '全网 network', '', ...blank, '', '', `${r.actual.eligible}/${r.actual.dealers}`, `${r.proposed.eligible}/${r.proposed.dealers}`, r.actual.amountDue, r.proposed.amountDue, r.amountChange]);
  }
  rows.push([]);
  rows.push(['月份 month', '投诉编号 complaint', '服务商代码 dealer', '指标 fact', 'actual', 'proposed', '原因 why']);
  for (const c of result.complaints) rows.push([c.month, c.number, c.dealerCode, c.fact, String(c.actual), String(c.proposed), c.why]);
  return csvWithBom([header, ...rows]);
}

/** A stored document stays well under the database's 16 MB: a year of 500 dealers' full cards does not fit. */
const MAX_STORED_BYTES = 12 * 1024 * 1024;

/**
 * The result as saved: whole when it fits; else the dealer-months that change (every flip among them)
 * and as many complaint reasons as fit, saying so (`stored`), so that showing it again never fails.
 */
export function forStorage(result: WhatIfResult): WhatIfResult & { stored?: { dealers: number; complaints: number; of: { dealers: number; complaints: number } } } {
  if (Buffer.byteLength(JSON.stringify(result)) <= MAX_STORED_BYTES) return result;
  const dealers = result.dealers.filter((d) => d.differences.length);
  const budget = MAX_STORED_BYTES - Buffer.byteLength(JSON.stringify({ ...result, dealers, complaints: [] }));
  const complaints: WhatIfResult['complaints'] = [];
  let used = 0;
  for (const c of result.complaints) {
    used += Buffer.byteLength(JSON.stringify(c)) + 1;
    if (used > budget) break;
    complaints.push(c);
  }
  return { ...result, dealers, complaints, stored: { dealers: dealers.length, complaints: complaints.length, of: { dealers: result.dealers.length, complaints: result.complaints.length } } };
}

interface RunDoc {
  _id: string;
  by: string;
  at: Date;
  proposal: { from: string; to: string; policy: unknown; calendars: unknown };
  summary: WhatIfResult['summary'];
  result: WhatIfResult;
}

/** Saved runs: who asked, when, the proposal, the summary and the result, to show again or compare. */
export const whatIfRuns = (models: Models) => models.Complaint.db.collection<RunDoc>('what_if_runs');

export function whatIfRoutes(deps: { auth: Auth; models: Models; idempotent: RequestHandler; now?: () => Date }): Router {
  const router = express.Router();
  const allowed = deps.auth.requireRole(['coordinator', 'hq']);

  router.post('/api/reports/what-if', allowed, jsonBody('2mb'), deps.idempotent, async (req, res) => {
    const body = req.body as WhatIfRequest;
    const result = await runWhatIf(deps.models, body, { now: deps.now?.() ?? new Date() });
    const id = randomUUID();
    const parsed = whatIfRequestSchema.parse(body);
    await whatIfRuns(deps.models).insertOne({ _id: id, by: req.principal!.sub, at: new Date(), proposal: { from: parsed.from, to: parsed.to, policy: parsed.policy, calendars: parsed.calendars }, summary: result.summary, result: forStorage(result) });
    res.status(201).json({ id, by: req.principal!.sub, ...result });
  });

  router.get('/api/reports/what-if/:id', allowed, async (req, res) => {
    const id = z.string().uuid().safeParse(req.params.id);
    const run = id.success ? await whatIfRuns(deps.models).findOne({ _id: id.data }) : null;
    if (!run) throw new HttpError(404, 'not_found', 'No such what-if run');
    if (req.query.format === 'csv') {
      res.type('text/csv; charset=utf-8').set('content-disposition', `attachment; filename="what-if-${run.proposal.from}-${run.proposal.to}.csv"`).send(whatIfCsv(run.result));
      return;
    }
    res.json({ id: run._id, by: run.by, at: run.at.toISOString(), proposal: run.proposal, ...run.result });
  });
  return router;
}
