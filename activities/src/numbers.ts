import { formatComplaintNumber } from '@complaints/shared';
import { isDuplicateKeyError, type Models } from './store/models';

const beijingDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

/**
 * Allocates the next complaint number of the receipt day (Beijing time).
 *
 * FerretDB's findAndModify with `$inc` is not atomic under concurrency (two callers can read the
 * same counter value), so a number is claimed by inserting it as an `_id`: the unique primary key
 * is the one guarantee every backend gives. The per-day counter is only a hint of where to start.
 */
export async function allocateComplaintNumber(models: Models, receivedAt: Date): Promise<string> {
  const date = beijingDate.format(receivedAt); // YYYY-MM-DD
  const counterId = `complaint:${date}`;
  const hint = await models.Counter.findById(counterId).lean();
  for (let seq = (hint?.seq ?? 0) + 1, attempts = 0; attempts < 10_000; seq++, attempts++) {
    const number = formatComplaintNumber(date, seq);
    try {
      await models.ComplaintNumber.create({ _id: number, claimedAt: new Date() });
    } catch (error) {
      if (isDuplicateKeyError(error)) continue; // claimed by a concurrent request: try the next
      throw error;
    }
    try {
      await models.Counter.updateOne({ _id: counterId }, { $max: { seq } }, { upsert: true });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error; // a concurrent first-of-the-day upsert won; the hint may lag
    }
    return number;
  }
  throw new Error(`no free complaint number for ${date}`);
}
