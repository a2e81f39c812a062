import express, { type Request, type Response, type Router } from 'express';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { ANALYSIS_SLOTS, beijingMonth, CATEGORIES, parseAnalysisKey, CHANNELS, isDealerLoop, LABELS, monthEnd, monthSchema, monthStart, RATING_KEYS, STAFF_ROLES, type Category, type Channel, type RatingAverage, type RatingKey } from '@complaints/shared';
import { readMonthAnalysis, buildMonthOnce, type Models } from '@complaints/activities';
import { type Auth, invalidFields, scopeFilter } from '@complaints/runtime';
import { formatSchema, sendCsv } from './csv';

// SPEC §6: the monthly analysis by category, channel, region and month (客户投诉分析报告), of the
// complaints and repair requests the caller may see; and the follow-up ratings of SPEC §3.7
// averaged by month, region and dealer. JSON, or CSV for Excel.

/** The longest analysis one request may ask for: a year of months, read in one pass. */
const MAX_ANALYSIS_MONTHS = 12;
const zh = LABELS.zh;

export interface AnalysisRow {
  month: string;
  region: string;
  channel: Channel;
  category: Category;
  complaints: number;
  closedByMonthEnd: number;
  satisfied: number;
  forced: number;
  unreachable: number;
  escalated: number;
  /** SPEC §4 派工: complaints that waited for the coordinator's dispatch, and those dispatched by the dispatch clock. */
  dispatchMeasured: number;
  dispatchedOnTime: number;
}

/** The ratings' averages of a group's complaints; `complaints` counts them all, rated or not. */
export type RatingRow = { month: string; region?: string; dealerCode?: string; complaints: number } & Record<RatingKey, RatingAverage>;

export interface Analysis {
  rows: AnalysisRow[];
  ratings: { byMonth: RatingRow[]; byRegion: RatingRow[]; byDealer: RatingRow[] };
}

type Ratings = Partial<Record<RatingKey, number>> | null | undefined;

const NO_COUNTS = { complaints: 0, closedByMonthEnd: 0, satisfied: 0, forced: 0, unreachable: 0, escalated: 0, dispatchMeasured: 0, dispatchedOnTime: 0 };

function ratingGroups(entries: { key: Omit<RatingRow, 'complaints' | RatingKey>; ratings: Ratings }[]): RatingRow[] {
  const groups = new Map<string, RatingRow>();
  for (const { key, ratings } of entries) {
    const id = [key.month, key.region ?? '', key.dealerCode ?? ''].join('|');
    const row = groups.get(id) ?? ({ ...key, complaints: 0, ...Object.fromEntries(RATING_KEYS.map((k) => [k, { count: 0, total: 0, average: null }])) } as RatingRow);
    row.complaints += 1;
    for (const k of RATING_KEYS) {
      const value = ratings?.[k];
      if (typeof value !== 'number') continue;
      const avg = row[k];
      avg.count += 1;
      avg.total += value;
      avg.average = avg.total / avg.count;
    }
    groups.set(id, row);
  }
  return [...groups.values()].sort((a, b) => a.month.localeCompare(b.month) || (a.region ?? '').localeCompare(b.region ?? '') || (a.dealerCode ?? '').localeCompare(b.dealerCode ?? ''));
}

/** 客户投诉分析报告 of the months `from`–`to` over the complaints `filter` lets through: one read. */
export async function readAnalysis(models: Models, filter: Record<string, unknown>, from: string, to: string): Promise<Analysis> {
  const docs = await models.Complaint.find(
    { ...filter, receivedAt: { $gte: monthStart(from), $lt: monthEnd(to) } },
    { kind: 1, category: 1, channel: 1, region: 1, dealerCode: 1, attributedDealerCode: 1, receivedAt: 1, status: 1, closedAt: 1, escalated: 1, kpi: 1 },
  ).lean();
  const groups = new Map<string, AnalysisRow>();
  const rated: { month: string; region: string; dealerCode: string; ratings: Ratings }[] = [];
  for (const d of docs) {
    // Invalid complaints (spam, duplicates) count in no report but their own list (SPEC §3.2).
    if (!isDealerLoop(d.kind) || d.status === 'invalid') continue;
    const month = beijingMonth(d.receivedAt);
    const key = [month, d.region ?? '', d.channel, d.category].join('|');
    const g = groups.get(key) ?? { month, region: d.region ?? '', channel: d.channel, category: d.category, ...NO_COUNTS };
    g.complaints += 1;
    if ((d.status === 'closed' || d.status === 'force_closed') && d.closedAt && new Date(d.closedAt) < monthEnd(month)) g.closedByMonthEnd += 1;
    if (d.status === 'closed') g.satisfied += 1;
    if (d.status === 'force_closed') g.forced += 1;
    if (d.status === 'closed_unreachable') g.unreachable += 1;
    if (d.escalated) g.escalated += 1;
    const dispatchedOnTime = (d.kpi as { dispatchedOnTime?: boolean | null } | undefined)?.dispatchedOnTime;
    if (typeof dispatchedOnTime === 'boolean') {
      g.dispatchMeasured += 1;
      if (dispatchedOnTime) g.dispatchedOnTime += 1;
    }
    groups.set(key, g);
    // Ratings of complaints, as on the scorecard (repair requests are scored apart).
    if (d.kind === 'complaint') rated.push({ month, region: d.region ?? '', dealerCode: d.attributedDealerCode ?? d.dealerCode ?? '', ratings: (d.kpi as { ratings?: Ratings } | undefined)?.ratings });
  }
  const rows = [...groups.values()].sort((a, b) => a.month.localeCompare(b.month) || a.region.localeCompare(b.region) || CHANNELS.indexOf(a.channel) - CHANNELS.indexOf(b.channel) || CATEGORIES.indexOf(a.category) - CATEGORIES.indexOf(b.category));
  return {
    rows,
    ratings: {
      byMonth: ratingGroups(rated.map((r) => ({ key: { month: r.month }, ratings: r.ratings }))),
      byRegion: ratingGroups(rated.map((r) => ({ key: { month: r.month, region: r.region }, ratings: r.ratings }))),
      byDealer: ratingGroups(rated.map((r) => ({ key: { month: r.month, region: r.region, dealerCode: r.dealerCode }, ratings: r.ratings }))),
    },
  };
}

/** The months `from` … `to`, in order. */
function monthRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let m = DateTime.fromFormat(from, 'yyyy-MM', { zone: 'utc' }); m.toFormat('yyyy-MM') <= to; m = m.plus({ months: 1 })) out.push(m.toFormat('yyyy-MM'));
  return out;
}

/**
 * The same report from the months' aggregates (kept by the projection as events arrive): one
 * small read per dealer-month instead of the months' complaints. A month never built is built
 * from its complaints first. `scope` is what the caller may see (SPEC §7), as for readAnalysis.
 */
export async function readAnalysisFromAggregates(models: Models, scope: Record<string, unknown>, from: string, to: string): Promise<Analysis> {
  if ('_id' in scope) return { rows: [], ratings: { byMonth: [], byRegion: [], byDealer: [] } }; // sees no complaint
  const dealerCode = typeof scope.dealerCode === 'string' ? scope.dealerCode : undefined;
  const region = typeof scope.region === 'string' ? scope.region : undefined;
  const groups = new Map<string, AnalysisRow>();
  const rated = { byMonth: new Map<string, RatingRow>(), byRegion: new Map<string, RatingRow>(), byDealer: new Map<string, RatingRow>() };
  const rate = (level: keyof typeof rated, key: Omit<RatingRow, 'complaints' | RatingKey>, v: readonly number[]) => {
    const id = [key.month, key.region ?? '', key.dealerCode ?? ''].join('|');
    const row = rated[level].get(id) ?? ({ ...key, complaints: 0, ...Object.fromEntries(RATING_KEYS.map((k) => [k, { count: 0, total: 0, average: null }])) } as RatingRow);
    row.complaints += slot(v, 'rated');
    for (const k of RATING_KEYS) {
      row[k].count += slot(v, `${k}.count`);
      row[k].total += slot(v, `${k}.total`);
      row[k].average = row[k].count ? row[k].total / row[k].count : null;
    }
    rated[level].set(id, row);
  };
  for (const month of monthRange(from, to)) {
    let docs = await readMonthAnalysis(models, month, dealerCode);
    if (!docs) {
      await buildMonthOnce(models, month);
      docs = (await readMonthAnalysis(models, month, dealerCode)) ?? [];
    }
    for (const doc of docs) {
      for (const [key, v] of Object.entries(doc.parts)) {
        if (!slot(v, 'complaints')) continue;
        const k = parseAnalysisKey(key);
        if (region !== undefined && k.region !== region) continue;
        const id = [month, k.region, k.channel, k.category].join('|');
        const g = groups.get(id) ?? { month, region: k.region, channel: k.channel as Channel, category: k.category as Category, ...NO_COUNTS };
        for (const name of Object.keys(NO_COUNTS) as (keyof typeof NO_COUNTS)[]) g[name] += slot(v, name);
        groups.set(id, g);
        if (!slot(v, 'rated')) continue;
        rate('byMonth', { month }, v);
        rate('byRegion', { month, region: k.region }, v);
        rate('byDealer', { month, region: k.region, dealerCode: k.ratedDealer }, v);
      }
    }
  }
  const rows = [...groups.values()].sort((a, b) => a.month.localeCompare(b.month) || a.region.localeCompare(b.region) || CHANNELS.indexOf(a.channel) - CHANNELS.indexOf(b.channel) || CATEGORIES.indexOf(a.category) - CATEGORIES.indexOf(b.category));
  const level = (rows: Map<string, RatingRow>) => [...rows.values()].sort((a, b) => a.month.localeCompare(b.month) || (a.region ?? '').localeCompare(b.region ?? '') || (a.dealerCode ?? '').localeCompare(b.dealerCode ?? ''));
  return {
    rows,
    ratings: {
      byMonth: level(rated.byMonth),
      byRegion: level(rated.byRegion),
      byDealer: level(rated.byDealer),
    },
  };
}

const slot = (v: readonly number[], name: string) => v[ANALYSIS_SLOTS.indexOf(name)] ?? 0;

const RATING_WORDS: Record<RatingKey, string> = { serviceQuality: '服务质量 service quality', attitude: '服务态度 attitude', priceCheck: '价格核实 price check', overall: '总体满意度 overall' };
const average = (a: RatingAverage) => (a.average === null ? '无数据' : a.average.toFixed(2));

export function analysisRoutes(deps: { auth: Auth; models: Models }): Router {
  const { models } = deps;
  const router = express.Router();
  const staff = deps.auth.requireRole(STAFF_ROLES);

  // 客户投诉分析报告: counts by month, region, channel and category, and the ratings' averages, from one read of the months.
  router.get('/api/reports/analysis', staff, async (req: Request, res: Response) => {
    const query = z.object({ from: monthSchema, to: monthSchema, format: formatSchema, table: z.enum(['counts', 'ratings']).default('counts') }).strict().parse(req.query);
    if (query.from > query.to) throw invalidFields([{ path: 'to', message: 'must not be before from' }]);
    const latest = DateTime.fromFormat(query.from, 'yyyy-MM').plus({ months: MAX_ANALYSIS_MONTHS - 1 }).toFormat('yyyy-MM');
    if (query.to > latest) throw invalidFields([{ path: 'to', message: `must be within ${MAX_ANALYSIS_MONTHS} months of from (${latest} at the latest)` }]);
    const { rows, ratings } = await readAnalysisFromAggregates(models, scopeFilter(req.principal!), query.from, query.to);
    if (query.format === 'csv' && query.table === 'ratings') {
      const levels = [['month', ratings.byMonth], ['region', ratings.byRegion], ['dealer', ratings.byDealer]] as const;
      return sendCsv(res, `ratings-${query.from}-${query.to}`, [
        ['层级 level', '月份 month', '大区 region', '服务商 dealer', '抱怨数 complaints', ...RATING_KEYS.flatMap((k) => [`${RATING_WORDS[k]} n`, `${RATING_WORDS[k]} avg`])],
        ...levels.flatMap(([level, list]) => list.map((r) => [level, r.month, r.region ?? '', r.dealerCode ?? '', r.complaints, ...RATING_KEYS.flatMap((k) => [r[k].count, average(r[k])])])),
      ]);
    }
    if (query.format === 'csv') {
      return sendCsv(res, `analysis-${query.from}-${query.to}`, [
        ['月份 month', '大区 region', '渠道 channel', '分类 category', '抱怨数 complaints', '月内闭环 closed by month end', '满意 satisfied', '强制闭环 forced', '联系不上 unreachable', '立项 escalated', '待派工 waited for dispatch', '按时派工 dispatched on time'],
        ...rows.map((r) => [r.month, r.region, zh.channel[r.channel], zh.category[r.category], r.complaints, r.closedByMonthEnd, r.satisfied, r.forced, r.unreachable, r.escalated, r.dispatchMeasured, r.dispatchedOnTime]),
      ]);
    }
    res.json({ from: query.from, to: query.to, rows, ratings });
  });
  return router;
}
