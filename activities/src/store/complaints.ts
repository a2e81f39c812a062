import type { QueryFilter } from 'mongoose';
import { beijingMonth } from '@complaints/shared';
import type { ComplaintDoc, Models } from './models';

// Reads of the complaint read model that both the activities and the services make.

/**
 * The complaints that ended a given way in a month (Beijing time), by number, whenever they were
 * received: the forced closures (SPEC §3 step 8) and the complaints marked invalid (SPEC §3.2).
 */
export async function endedIn(models: Models, status: 'force_closed' | 'invalid', month: string, options: { filter?: QueryFilter<ComplaintDoc>; fields?: readonly string[] } = {}) {
  const docs = await models.Complaint.find({ ...options.filter, status }, options.fields && [...options.fields])
    .sort({ _id: 1 })
    .lean();
  return docs.filter((c) => c.closedAt && beijingMonth(c.closedAt) === month);
}

/** SPEC §3 step 8: the complaints force-closed in a month. */
export const forcedClosuresIn = (models: Models, month: string, options: Parameters<typeof endedIn>[3] = {}) => endedIn(models, 'force_closed', month, options);
