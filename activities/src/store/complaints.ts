import type { QueryFilter } from 'mongoose';
import { beijingMonth } from '@complaints/shared';
import type { ComplaintDoc, Models } from './models';

// Reads of the complaint read model that both the activities and the services make.

/**
 * SPEC §3 step 8: the complaints force-closed in a month (Beijing time), by number. A forced
 * closure is listed in the month it was closed in, whenever the complaint was received.
 */
export async function forcedClosuresIn(models: Models, month: string, options: { filter?: QueryFilter<ComplaintDoc>; fields?: readonly string[] } = {}) {
  const docs = await models.Complaint.find({ ...options.filter, status: 'force_closed' }, options.fields && [...options.fields])
    .sort({ _id: 1 })
    .lean();
  return docs.filter((c) => c.closedAt && beijingMonth(c.closedAt) === month);
}
