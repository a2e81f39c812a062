import { calendarWarnings, calendarYearSchema, policySchema, sameWorkingDays, type CalendarWarning, type CalendarYear, type LoadedCalendar, type Policy } from '@complaints/shared';
import { shippedCalendars, shippedPolicies } from '@complaints/runtime/src/rules';
import { isDuplicateKeyError, type Models } from './models';

/** Who loaded a rule, and when: kept with it (SPEC §4, the console's list of versions). */
export interface Loader {
  by: string;
  at: Date;
}

const SHIPPED = 'shipped';

/** Puts the shipped calendars and default policy into the database where it has none of that key. */
export async function seedRules(models: Models): Promise<void> {
  // A calendar shipped with a new release for a year the database lacked corrects the complaints
  // already open (SPEC §4); a new database has none to correct.
  const hasComplaints = Boolean(await models.Complaint.exists({}));
  for (const calendar of shippedCalendars()) {
    const at = new Date();
    const { upsertedCount } = await models.Calendar.updateOne({ _id: calendar.year }, { $setOnInsert: { ...calendar, loadedBy: SHIPPED, loadedAt: at } }, { upsert: true });
    if (upsertedCount) await keepVersion(models, calendar, { by: SHIPPED, at }, hasComplaints ? 'pending' : 'not_needed');
  }
  for (const policy of shippedPolicies()) {
    await models.Policy.updateOne({ _id: policy.version }, { $setOnInsert: { ...policy, loadedBy: SHIPPED } }, { upsert: true });
  }
  // A database from before versions were kept: the calendar in force is its year's first version.
  const [inForce, kept] = await Promise.all([models.Calendar.find({}).lean(), models.CalendarVersion.find({}, { _id: 1 }).lean()]);
  const keptIds = new Set(kept.map((k) => k._id));
  for (const doc of inForce.filter((d) => !keptIds.has(`${d.year}:${d.version}`))) {
    const loader = { by: doc.loadedBy ?? SHIPPED, at: new Date(doc.loadedAt ?? doc.createdAt ?? 0) };
    await keepVersion(models, calendarYearSchema.parse(strip(doc)), loader, 'not_needed');
  }
}

const strip = <T extends { _id?: unknown; createdAt?: unknown; updatedAt?: unknown; loadedBy?: unknown; loadedAt?: unknown; correction?: unknown }>({
  _id,
  createdAt: _c,
  updatedAt: _u,
  loadedBy: _b,
  loadedAt: _a,
  correction: _r,
  ...rest
}: T) => rest;

export async function loadCalendars(models: Models): Promise<CalendarYear[]> {
  const docs = await models.Calendar.find({}).lean();
  return docs.map((doc) => calendarYearSchema.parse(strip(doc)));
}

/** The calendar in force for each loaded year, with who loaded it and when. */
export async function listCalendars(models: Models): Promise<LoadedCalendar[]> {
  const docs = await models.Calendar.find({}).sort({ _id: 1 }).lean();
  return docs.map((d) => ({ year: d.year, version: d.version, loadedBy: d.loadedBy ?? SHIPPED, loadedAt: new Date(d.loadedAt ?? d.createdAt ?? 0).toISOString() }));
}

export interface CalendarVersionRecord extends LoadedCalendar {
  calendar: CalendarYear;
  inForce: boolean;
  correction: 'pending' | 'started' | 'not_needed';
}

/** Every version of a year ever loaded, newest first. */
export async function calendarVersions(models: Models, year: number): Promise<CalendarVersionRecord[]> {
  const [docs, inForce] = await Promise.all([models.CalendarVersion.find({ year }).sort({ loadedAt: -1 }).lean(), models.Calendar.findById(year, { version: 1 }).lean()]);
  return docs.map((d) => ({
    year: d.year,
    version: d.version,
    loadedBy: d.loadedBy,
    loadedAt: new Date(d.loadedAt).toISOString(),
    calendar: calendarYearSchema.parse(strip(d)),
    inForce: inForce?.version === d.version,
    correction: d.correction,
  }));
}

export async function calendarInForce(models: Models, year: number): Promise<CalendarYear | undefined> {
  const doc = await models.Calendar.findById(year).lean();
  return doc ? calendarYearSchema.parse(strip(doc)) : undefined;
}

async function keepVersion(models: Models, calendar: CalendarYear, loader: Loader, correction: 'pending' | 'not_needed'): Promise<void> {
  try {
    await models.CalendarVersion.create({ _id: `${calendar.year}:${calendar.version}`, ...calendar, loadedBy: loader.by, loadedAt: loader.at, correction });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
}

/** A rule's version loaded before with other content: a changed rule is a new version (complaints record the version they used). */
export class RuleVersionConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuleVersionConflict';
  }
}

export interface CalendarSaved {
  outcome: 'created' | 'replaced' | 'unchanged';
  /** The version in force before, if any. */
  previous?: string;
}

/**
 * Loads a year's calendar as a new version in force (one document each: never half-loaded). A
 * version is loaded once: the same version again is the same load (a retry, a double click) and
 * changes nothing; the same version with other days is refused (a correction is a new version).
 * Each new version is kept with who loaded it, and marked for the correction of the open
 * complaints' deadlines (SPEC §4), which intake's reconciler starts if the loader could not.
 */
export async function saveCalendar(models: Models, calendar: CalendarYear, loader: Loader = { by: 'cli', at: new Date() }): Promise<CalendarSaved> {
  const valid = calendarYearSchema.parse(calendar);
  const id = `${valid.year}:${valid.version}`;
  const before = await models.Calendar.findById(valid.year).lean();
  const previous = before?.version;
  let kept = await models.CalendarVersion.findById(id).lean();
  if (kept) {
    const same = calendarYearSchema.parse(strip(kept));
    if (!sameWorkingDays(same, valid)) throw new RuleVersionConflict(`calendar ${valid.year} version ${valid.version} was loaded before with other days; give the corrected calendar a new version`);
  } else {
    await keepVersion(models, valid, loader, 'pending');
    kept = await models.CalendarVersion.findById(id).lean();
  }
  const loadedAt = new Date(kept!.loadedAt);
  // In force unless a later version already is: a retry after a crash between the two writes
  // finishes the load; a late retry of an older version does not undo a newer one.
  if (before && before.version !== valid.version && new Date(before.loadedAt ?? 0) > loadedAt) return { outcome: 'unchanged', previous };
  if (before?.version === valid.version) return { outcome: 'unchanged', previous };
  let replaced;
  try {
    // What it replaced, read in the same write: of ten copies at once, one creates and the others find it done.
    replaced = await models.Calendar.findOneAndReplace({ _id: valid.year }, { _id: valid.year, ...strip(kept!), loadedBy: kept!.loadedBy, loadedAt }, { upsert: true, returnDocument: 'before' }).lean();
  } catch (error) {
    // Two copies of a first load at once: the other inserted the year; this one decides again against it.
    if (!isDuplicateKeyError(error)) throw error;
    return saveCalendar(models, valid, loader);
  }
  if (!replaced) return { outcome: 'created' };
  return { outcome: replaced.version === valid.version ? 'unchanged' : 'replaced', previous: replaced.version };
}

export async function loadPolicies(models: Models): Promise<Policy[]> {
  const docs = await models.Policy.find({}).lean();
  return docs.map((doc) => policySchema.parse(strip(doc)));
}

export interface PolicyRecord {
  policy: Policy;
  loadedBy: string;
  loadedAt: string;
}

/** Every policy version, latest effective date first, with who loaded it and when. */
export async function policyVersions(models: Models): Promise<PolicyRecord[]> {
  const docs = await models.Policy.find({}).lean();
  return docs
    .map((doc) => ({ policy: policySchema.parse(strip(doc)), loadedBy: typeof (doc as { loadedBy?: unknown }).loadedBy === 'string' ? String((doc as { loadedBy?: unknown }).loadedBy) : SHIPPED, loadedAt: new Date((doc.createdAt as Date | undefined) ?? 0).toISOString() }))
    .sort((a, b) => Date.parse(b.policy.effectiveFrom) - Date.parse(a.policy.effectiveFrom));
}

/**
 * Adds a policy version. Versions are immutable: complaints record the version they used, so a
 * changed rule is a new version with a later effectiveFrom.
 */
export async function savePolicy(models: Models, policy: Policy, loader?: Loader): Promise<'created' | 'unchanged'> {
  const valid = policySchema.parse(policy);
  const existing = await models.Policy.findById(valid.version).lean();
  if (existing) {
    if (JSON.stringify(policySchema.parse(strip(existing))) === JSON.stringify(valid)) return 'unchanged';
    throw new RuleVersionConflict(`policy version ${valid.version} exists with other values; give the changed policy a new version`);
  }
  try {
    await models.Policy.create({ _id: valid.version, ...valid, loadedBy: loader?.by ?? 'cli' } as { _id: string });
  } catch (error) {
    // Two copies of the same load at once: the other one stored it.
    if (!isDuplicateKeyError(error)) throw error;
    return savePolicy(models, valid, loader);
  }
  return 'created';
}

/** The calendars loaded and what the coordinator is told of them (SPEC §4, §8 `GET /api/calendars`). */
export async function calendarStatus(models: Models, now: Date): Promise<{ years: LoadedCalendar[]; warnings: CalendarWarning[] }> {
  const years = await listCalendars(models);
  return { years, warnings: calendarWarnings(years.map((y) => y.year), now) };
}
