import { formatComplaintNumber } from '@complaints/shared';
import type { Models } from './store/models';

const beijingDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

/** Allocates the next complaint number of the receipt day (Beijing time) with an atomic counter. */
export async function allocateComplaintNumber(models: Models, receivedAt: Date): Promise<string> {
  const date = beijingDate.format(receivedAt); // YYYY-MM-DD
  const counter = await models.Counter.findOneAndUpdate(
    { _id: `complaint:${date}` },
    { $inc: { seq: 1 } },
    { upsert: true, returnDocument: 'after' },
  ).lean();
  if (!counter) throw new Error('counter upsert returned nothing');
  return formatComplaintNumber(date, counter.seq);
}
