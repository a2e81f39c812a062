import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AnyBulkWriteOperation, Collection, Db, Document } from 'mongodb';
import {
  analysisContribution,
  CLOSED_STATUSES,
  complaintContribution,
  CONTRIBUTION_RULES,
  isDealerLoop,
  type AnalysedComplaint,
  emptyVector,
  NO_KPI_FACTS,
  REPAIR_CASES,
  monthEnd,
  monthStart,
  type ScoredComplaint,
} from '@complaints/shared';
import { isDuplicateKeyError, type Models } from './models';

// SPEC §6 at network scale: per dealer-month sums of the complaints' contributions
// (shared/src/contribution.ts), kept up to date by the projection that records each event, so that
// a scorecard reads one small document per dealer instead of the month's complaints.
//
// FerretDB applies every update as read, change, write of the whole document: two concurrent
// increments of one document lose one (docs/ferretdb.md). So a dealer-month is changed only under
// a lock claimed by inserting a unique `_id`, and each change is made safe to repeat and to crash in:
// - `scorecard_agg_entries` keeps, per aggregate document, each complaint's last contribution with
//   the event count it was computed at: a retried or older projection changes nothing, a newer one
//   adds (new − old);
// - the entries are written first, with the change they make (`pending`, and a revision); the sums
//   after. A crash in between leaves the sums one revision behind, and the next change rolls them
//   forward before its own;
// - `scorecard_agg_keys` lists every aggregate document a complaint has ever been added to, written
//   before adding, so that a complaint whose dealer or carried months change is taken out of the
//   documents it left;
// - `scorecard_agg_applied` holds, per complaint, a signature of the contribution last applied to
//   every one of its documents: an event that leaves it unchanged reads none of them. Kept apart
//   from the keys, so that its write never races theirs (FerretDB rewrites the whole document).
// Collections: `scorecard_agg_<YYYY_MM>` (a month's dealers, `_id` the dealer code: the month reads
// as one small collection, never scanning other months) and `scorecard_agg_open` (each dealer's
// internet complaints still open, by month of receipt: carried into every later month).

const ENTRIES = 'scorecard_agg_entries';
const LOCKS = 'scorecard_agg_locks';
const KEYS = 'scorecard_agg_keys';
/** Per complaint, the signature of the contribution last applied in full (`signatureOf`). */
const APPLIED = 'scorecard_agg_applied';
const MONTHS = 'scorecard_agg_months';
const OPEN = 'scorecard_agg_open';
/** A lock older than this was left by a process that stopped while holding it. */
const STALE_LOCK_MS = 30_000;
const LOCK_WAIT_MS = 60_000;

export const monthCollection = (month: string) => `scorecard_agg_${month.replace('-', '_')}`;

type Parts = Record<string, number[]>;
type Sparse = Record<string, number>;
interface EntryDoc {
  _id: string;
  rev: number;
  e: Record<string, { s: number; v: Record<string, Sparse> }>;
  pending?: { rev: number; delta: Parts } | null;
}
interface SumDoc {
  _id: string;
  rev: number;
  v: Parts;
}

const db = (models: Models): Db => models.Complaint.db.db!;
const coll = <T extends Document>(models: Models, name: string) => db(models).collection<T>(name);

const toSparse = (v: readonly number[]): Sparse => Object.fromEntries(v.flatMap((x, i) => (x ? [[String(i), x]] : [])));
const fromSparse = (s: Sparse): number[] => {
  const v: number[] = [];
  for (const [i, x] of Object.entries(s)) v[Number(i)] = x;
  return Array.from(v, (x) => x ?? 0);
};
/** Slot by slot, whatever the vectors' lengths (scorecard and analysis parts differ). */
const add = (a: readonly number[], b: readonly number[], sign: number) => Array.from({ length: Math.max(a.length, b.length) }, (_, i) => (a[i] ?? 0) + sign * (b[i] ?? 0));
const addParts = (a: Parts, b: Parts, sign = 1): Parts => {
  const out: Parts = { ...a };
  for (const [part, v] of Object.entries(b)) out[part] = add(out[part] ?? [], v, sign);
  return out;
};
const sameParts = (a: Record<string, Sparse>, b: Record<string, Sparse>) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** What scoring needs of a complaint document, facts only; null when it counts against nobody (never dispatched). */
export function scoredFromDoc(d: {
  _id: string;
  kind: ScoredComplaint['kind'];
  channel: ScoredComplaint['channel'];
  category: ScoredComplaint['category'];
  dealerCode?: string | null;
  attributedDealerCode?: string | null;
  receivedAt: Date | string;
  status: ScoredComplaint['status'];
  closedAt?: string | null;
  closureDeadline?: Date | string | null;
  deadlines?: { monthFreezesAt?: string } | null;
  kpi?: unknown;
  repairCase?: string | null;
}): ScoredComplaint | null {
  // SPEC §3: a reassigned complaint counts against the first dealer; one never dispatched, against
  // nobody; one marked invalid (spam, a duplicate, not a complaint), against nobody in any KPI or quota.
  const dealerCode = d.attributedDealerCode ?? d.dealerCode;
  if (!dealerCode || d.status === 'invalid') return null;
  const repairCase = d.repairCase;
  return {
    number: d._id,
    kind: d.kind,
    channel: d.channel,
    category: d.category,
    dealerCode,
    receivedAt: d.receivedAt,
    status: d.status,
    closedAt: d.closedAt,
    ...(d.closureDeadline && { closureDeadline: d.closureDeadline }),
    ...(d.deadlines?.monthFreezesAt && { monthFreezesAt: d.deadlines.monthFreezesAt }),
    ...(repairCase && (REPAIR_CASES as readonly string[]).includes(repairCase) && { repairCase: repairCase as ScoredComplaint['repairCase'] }),
    kpi: (d.kpi as ScoredComplaint['kpi'] | undefined) ?? NO_KPI_FACTS,
  };
}

export const SCORED_FIELDS = { kind: 1, channel: 1, category: 1, dealerCode: 1, attributedDealerCode: 1, receivedAt: 1, status: 1, closedAt: 1, closureDeadline: 1, 'deadlines.monthFreezesAt': 1, kpi: 1, repairCase: 1, eventCount: 1, region: 1, escalated: 1 } as const;

/**
 * The complaints a month's scoring reads: those received in it (Beijing time), and the internet
 * complaints of earlier months not closed before it starts, which seed 002 网络抱怨 §6.4 carries
 * into its internet closure rate (one not past its first event yet is open too). One read: FerretDB
 * scans the collection for any filter but _id, and two reads would cost two scans. `closedAt` is an
 * ISO string as the workflow wrote it: compared loosely here (twenty hours either side covers any
 * offset), exactly in isCarriedInto.
 */
export function monthScoringFilter(month: string): Record<string, unknown> {
  const start = monthStart(month);
  return {
    $or: [
      { receivedAt: { $gte: start, $lt: monthEnd(month) } },
      { kind: 'complaint', channel: 'internet', receivedAt: { $lt: start }, $or: [{ status: { $nin: [...CLOSED_STATUSES] } }, { closedAt: { $gte: new Date(start.getTime() - 20 * 3_600_000).toISOString().slice(0, 10) } }] },
    ],
  };
}

/** A month's analysis collection (客户投诉分析报告), `_id` the dealer the complaints are with now ('' for none yet). */
export const analysisCollection = (month: string) => `${monthCollection(month)}_analysis`;

type ComplaintFacts = Parameters<typeof scoredFromDoc>[0] & { region?: string | null; escalated?: boolean | null };

/** A complaint's contribution grouped by aggregate document (`<collection>/<dealer>`), each as its parts. */
function targetsOf(d: ComplaintFacts | null): Map<string, Parts> {
  const targets = new Map<string, Parts>();
  const put = (key: string, name: string, vector: number[]) => {
    const parts = targets.get(key) ?? {};
    parts[name] = add(parts[name] ?? [], vector, 1);
    targets.set(key, parts);
  };
  const c = d && scoredFromDoc(d);
  for (const part of c ? complaintContribution(c) : []) {
    if (part.kind === 'month') put(`${monthCollection(part.month)}/${part.dealerCode}`, 'm', part.vector);
    else put(`${OPEN}/${part.dealerCode}`, part.from, part.vector);
  }
  const kpi = d?.kpi as Pick<AnalysedComplaint, 'ratings' | 'dispatchedOnTime'> | undefined;
  const analysis = d && analysisContribution({ ...d, ratings: kpi?.ratings, dispatchedOnTime: kpi?.dispatchedOnTime }, isDealerLoop(d.kind));
  if (analysis) put(`${analysisCollection(analysis.month)}/${analysis.dealerCode}`, analysis.key, analysis.vector);
  return targets;
}

/**
 * An upsert that lost the race to insert the same `_id` fails on FerretDB with a duplicate key
 * (MongoDB retries it itself): once more, it updates the document the other one inserted.
 */
async function againOnDuplicate<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    return write();
  }
}

async function withLock<T>(models: Models, key: string, fn: () => Promise<T>): Promise<T> {
  const locks = coll<{ _id: string; at: Date }>(models, LOCKS);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const at = new Date();
    try {
      await locks.insertOne({ _id: key, at });
      break;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const held = await locks.findOne({ _id: key });
      if (held && held.at.getTime() < Date.now() - STALE_LOCK_MS) await locks.deleteOne({ _id: key, at: held.at });
      if (Date.now() > deadline) throw new Error(`the scorecard aggregate ${key} stayed locked`);
      await sleep(2 + Math.random() * 8);
    }
  }
  try {
    return await fn();
  } finally {
    await locks.deleteOne({ _id: key });
  }
}

export interface EntryUpdate {
  number: string;
  /** The complaint's event count the contribution was computed at: an older one never replaces a newer. */
  s: number;
  parts: Parts;
  /** Replace whatever is there (a rebuild that read the complaint after every projection of it). */
  force?: boolean;
}

/** Applies complaints' contributions to one aggregate document, under its lock; returns the complaints it holds that were not among `updates`. */
async function applyToTarget(models: Models, target: string, updates: EntryUpdate[]): Promise<string[]> {
  const slash = target.indexOf('/');
  const sums = coll<SumDoc>(models, target.slice(0, slash));
  const dealer = target.slice(slash + 1);
  const entriesColl = coll<EntryDoc>(models, ENTRIES);
  // Most events change nothing a scorecard counts (a reminder, an overdue notice): read first, lock only to change.
  if (updates.length === 1 && !updates[0]!.force) {
    const u = updates[0]!;
    const [current, sum] = await Promise.all([entriesColl.findOne({ _id: target }, { projection: { [`e.${u.number}`]: 1, rev: 1 } }), sums.findOne({ _id: dealer }, { projection: { rev: 1 } })]);
    const old = current?.e?.[u.number];
    const next = Object.fromEntries(Object.entries(u.parts).map(([part, vec]) => [part, toSparse(vec)]));
    const empty = Object.values(next).every((p) => !Object.keys(p).length);
    // Sums behind their entries (a writer stopped between the two writes): this attempt finishes that change.
    const behind = (current?.rev ?? 0) > (sum?.rev ?? 0);
    if (!behind && ((old && (old.s > u.s || sameParts(old.v, next))) || (!old && empty))) return [];
  }
  return withLock(models, target, async () => {
    const [entries, sum] = await Promise.all([entriesColl.findOne({ _id: target }), sums.findOne({ _id: dealer })]);
    let v: Parts = sum?.v ?? {};
    let rev = sum?.rev ?? 0;
    // A change whose entries were written but whose sums were not (the writer stopped in between): finish it first.
    if (entries?.pending && entries.rev > rev) {
      v = addParts(v, entries.pending.delta);
      rev = entries.rev;
    }
    const e = { ...(entries?.e ?? {}) };
    let delta: Parts = {};
    let changed = false;
    for (const u of updates) {
      const old = e[u.number];
      const next = Object.fromEntries(Object.entries(u.parts).map(([part, vec]) => [part, toSparse(vec)]));
      if (old && !u.force && old.s > u.s) continue;
      if (old && sameParts(old.v, next)) {
        if (old.s !== u.s && u.s > old.s) e[u.number] = { s: u.s, v: old.v };
        continue;
      }
      if (!old && Object.values(next).every((p) => !Object.keys(p).length)) continue;
      const before: Parts = Object.fromEntries(Object.entries(old?.v ?? {}).map(([part, sp]) => [part, fromSparse(sp)]));
      delta = addParts(addParts(delta, u.parts), before, -1);
      e[u.number] = { s: Math.max(u.s, old?.s ?? 0), v: next };
      changed = true;
    }
    const seen = new Set(updates.map((u) => u.number));
    const others = Object.entries(e).flatMap(([n, entry]) => (!seen.has(n) && Object.values(entry.v).some((p) => Object.keys(p).length) ? [n] : []));
    if (!changed && rev === (sum?.rev ?? 0)) return others;
    const nextRev = Math.max(rev, entries?.rev ?? 0) + 1;
    await entriesColl.replaceOne({ _id: target }, { rev: nextRev, e, pending: { rev: nextRev, delta } }, { upsert: true });
    await sums.replaceOne({ _id: dealer }, { rev: nextRev, v: addParts(v, delta) }, { upsert: true });
    return others;
  });
}

/** Notes, before adding, every aggregate document a complaint is about to be added to. */
async function noteTargets(models: Models, number: string, known: readonly string[], targets: Iterable<string>): Promise<string[]> {
  const missing = [...targets].filter((t) => !known.includes(t));
  if (missing.length) await againOnDuplicate(() => coll<{ _id: string; keys: string[] }>(models, KEYS).updateOne({ _id: number }, { $addToSet: { keys: { $each: missing } } }, { upsert: true }));
  return [...new Set([...known, ...missing])];
}

/**
 * Brings the aggregates in line with a complaint's read model as it stands: idempotent, safe to
 * retry and to run in any order with others. Reads the complaint again after, and goes once more
 * when an event was recorded in between (a late, older attempt then converges to the newer state).
 */
export async function projectAggregates(models: Models, number: string): Promise<void> {
  const applied = coll<{ _id: string; sig: string }>(models, APPLIED);
  for (let round = 0; round < 5; round++) {
    const [doc, last] = await Promise.all([models.Complaint.findById(number, SCORED_FIELDS).lean(), applied.findOne({ _id: number })]);
    const s = doc?.eventCount ?? Number.MAX_SAFE_INTEGER;
    const targets = targetsOf(doc as ComplaintFacts | null);
    const sig = signatureOf(targets);
    // Most events change nothing a scorecard counts (a reminder, an overdue notice: hundreds at the
    // cutoff): the contribution last applied to every document in full is this one, and none of
    // them is read. A change stopped halfway never wrote its signature, so its retry goes through.
    if (last?.sig !== sig) {
      const keyDoc = await coll<{ _id: string; keys: string[] }>(models, KEYS).findOne({ _id: number });
      const all = await noteTargets(models, number, keyDoc?.keys ?? [], targets.keys());
      for (const target of all) await applyToTarget(models, target, [{ number, s, parts: targets.get(target) ?? {} }]);
      await againOnDuplicate(() => applied.updateOne({ _id: number }, { $set: { sig } }, { upsert: true }));
    }
    const after = await models.Complaint.findById(number, { eventCount: 1 }).lean();
    if ((after?.eventCount ?? Number.MAX_SAFE_INTEGER) === s) return;
  }
}

/**
 * A complaint's whole contribution (every aggregate document it is in, with its parts) in a few
 * characters: the same signature, the same contribution.
 */
function signatureOf(targets: Map<string, Parts>): string {
  const canonical = [...targets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([target, parts]) => [target, Object.entries(parts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url').slice(0, 22);
}

/**
 * `scorecard rebuild`: recomputes a month's aggregates from its complaints (those received in it
 * and the internet complaints carried into it), in one read of the complaints and one locked
 * change per aggregate document; then takes out of the month's documents (and the open internet
 * complaints it reads) any complaint that no longer belongs there, and marks the month built.
 */
export async function rebuildMonthAggregates(models: Models, month: string): Promise<{ complaints: number; dealers: number }> {
  const docs = await models.Complaint.find(
    monthScoringFilter(month),
    SCORED_FIELDS,
  ).lean();
  const byTarget = new Map<string, EntryUpdate[]>();
  const keyOps: AnyBulkWriteOperation<{ _id: string; keys: string[] }>[] = [];
  for (const d of docs) {
    const targets = targetsOf(d as ComplaintFacts);
    if (targets.size) keyOps.push({ updateOne: { filter: { _id: d._id }, update: { $addToSet: { keys: { $each: [...targets.keys()] } } }, upsert: true } });
    for (const [target, parts] of targets) {
      const list = byTarget.get(target) ?? [];
      list.push({ number: d._id, s: d.eventCount ?? 0, parts });
      byTarget.set(target, list);
    }
  }
  const keys = coll<{ _id: string; keys: string[] }>(models, KEYS);
  for (let i = 0; i < keyOps.length; i += 1000) await againOnDuplicate(() => keys.bulkWrite(keyOps.slice(i, i + 1000), { ordered: false }));
  // Every dealer document of the month and every open-complaints document: a complaint that left one is taken out too.
  const monthIds = (await coll<SumDoc>(models, monthCollection(month)).find({}, { projection: { _id: 1 } }).toArray()).map((d) => `${monthCollection(month)}/${d._id}`);
  const openIds = (await coll<SumDoc>(models, OPEN).find({}, { projection: { _id: 1 } }).toArray()).map((d) => `${OPEN}/${d._id}`);
  const analysisIds = (await coll<SumDoc>(models, analysisCollection(month)).find({}, { projection: { _id: 1 } }).toArray()).map((d) => `${analysisCollection(month)}/${d._id}`);
  const strays = new Set<string>();
  const targets = [...new Set([...byTarget.keys(), ...monthIds, ...openIds, ...analysisIds])];
  const queue = [...targets];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let target = queue.shift(); target; target = queue.shift()) {
        const others = await applyToTarget(models, target, byTarget.get(target) ?? []);
        for (const n of others) strays.add(n);
      }
    }),
  );
  for (const number of strays) await projectAggregates(models, number);
  await againOnDuplicate(() => coll<BuiltMonth>(models, MONTHS).updateOne({ _id: month }, { $set: { builtAt: new Date(), rules: CONTRIBUTION_RULES } }, { upsert: true }));
  const dealers = new Set(targets.filter((t) => t.startsWith(`${monthCollection(month)}/`)));
  return { complaints: docs.length, dealers: dealers.size };
}

interface BuiltMonth {
  _id: string;
  builtAt: Date;
  /** The scoring rules' generation the month was built under (CONTRIBUTION_RULES). */
  rules?: number;
}

/**
 * A month built under today's scoring rules. One built before a rule changed what a complaint
 * contributes is built again from its complaints when next read, as a month never built.
 */
async function isBuilt(models: Models, month: string): Promise<boolean> {
  const built = await coll<BuiltMonth>(models, MONTHS).findOne({ _id: month });
  return (built?.rules ?? 1) === CONTRIBUTION_RULES && Boolean(built);
}

const building = new WeakMap<Models, Map<string, Promise<{ complaints: number; dealers: number }>>>();

/**
 * Builds a month never built before, once in this process however many readers find it missing at
 * the same moment: the dashboard asks for a month's cards and its six months' trend together, and
 * two builds of one month at once raced on FerretDB's upserts (a 500 on the trend).
 */
export function buildMonthOnce(models: Models, month: string): Promise<{ complaints: number; dealers: number }> {
  let months = building.get(models);
  if (!months) building.set(models, (months = new Map()));
  const running = months.get(month);
  if (running) return running;
  const build = rebuildMonthAggregates(models, month).finally(() => months.delete(month));
  months.set(month, build);
  return build;
}

/** Each dealer's open internet complaints by month of receipt (carried into every later month). */
export async function readOpenAggregates(models: Models): Promise<Map<string, Record<string, number[]>>> {
  return new Map((await coll<SumDoc>(models, OPEN).find({}).toArray()).map((d) => [d._id, d.v]));
}

/**
 * The month's aggregates as scoring reads them, or null when the month was never built (`scorecard
 * rebuild`). `open` when the caller read the open complaints already (for several months at once).
 */
export async function readMonthAggregates(
  models: Models,
  month: string,
  options: { evenIfNotBuilt?: boolean; open?: Map<string, Record<string, number[]>> } = {},
): Promise<{ months: Map<string, number[]>; open: Map<string, Record<string, number[]>> } | null> {
  const built = options.evenIfNotBuilt || (await isBuilt(models, month));
  if (!built) return null;
  const [sums, open] = await Promise.all([coll<SumDoc>(models, monthCollection(month)).find({}).toArray(), options.open ?? readOpenAggregates(models)]);
  return { months: new Map(sums.map((d) => [d._id, d.v.m ?? emptyVector()])), open };
}

/** The month's analysis groups per dealer the complaints are with (only `dealerCode`'s when given), or null when the month was never built. */
export async function readMonthAnalysis(models: Models, month: string, dealerCode?: string): Promise<{ dealerCode: string; parts: Parts }[] | null> {
  const built = await isBuilt(models, month);
  if (!built) return null;
  const docs = await coll<SumDoc>(models, analysisCollection(month)).find(dealerCode === undefined ? {} : { _id: dealerCode }).toArray();
  return docs.map((d) => ({ dealerCode: d._id, parts: d.v }));
}

export type AggregateCollection = Collection<SumDoc>;
