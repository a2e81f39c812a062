import { calendarYearSchema, policySchema, type CalendarYear, type Policy } from '@complaints/shared';
import { shippedCalendars, shippedPolicies } from '@complaints/runtime/src/rules';
import type { Models } from './models';

/** Puts the shipped calendars and default policy into the database where it has none of that key. */
export async function seedRules(models: Models): Promise<void> {
  for (const calendar of shippedCalendars()) {
    await models.Calendar.updateOne({ _id: calendar.year }, { $setOnInsert: calendar }, { upsert: true });
  }
  for (const policy of shippedPolicies()) {
    await models.Policy.updateOne({ _id: policy.version }, { $setOnInsert: policy }, { upsert: true });
  }
}

const strip = <T extends { _id?: unknown; createdAt?: unknown; updatedAt?: unknown }>({ _id, createdAt: _c, updatedAt: _u, ...rest }: T) => rest;

export async function loadCalendars(models: Models): Promise<CalendarYear[]> {
  const docs = await models.Calendar.find({}).lean();
  return docs.map((doc) => calendarYearSchema.parse(strip(doc)));
}

export async function loadPolicies(models: Models): Promise<Policy[]> {
  const docs = await models.Policy.find({}).lean();
  return docs.map((doc) => policySchema.parse(strip(doc)));
}

/** Replaces a year's calendar as a whole (one document: never half-loaded). */
export async function saveCalendar(models: Models, calendar: CalendarYear): Promise<'created' | 'replaced'> {
  const valid = calendarYearSchema.parse(calendar);
  const result = await models.Calendar.replaceOne({ _id: valid.year }, { _id: valid.year, ...valid }, { upsert: true });
  return result.upsertedCount ? 'created' : 'replaced';
}

/**
 * Adds a policy version. Versions are immutable: complaints record the version they used, so a
 * changed rule is a new version with a later effectiveFrom.
 */
export async function savePolicy(models: Models, policy: Policy): Promise<'created' | 'unchanged'> {
  const valid = policySchema.parse(policy);
  const existing = await models.Policy.findById(valid.version).lean();
  if (existing) {
    if (JSON.stringify(policySchema.parse(strip(existing))) === JSON.stringify(valid)) return 'unchanged';
    throw new Error(`policy version ${valid.version} exists with other values; give the changed policy a new version`);
  }
  await models.Policy.create({ _id: valid.version, ...valid });
  return 'created';
}
