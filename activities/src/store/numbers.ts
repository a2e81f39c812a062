import { beijingDate, formatComplaintNumber } from '@complaints/shared';
import { isDuplicateKeyError, type Models } from './models';

/** Numbers a process claims at once: one database write per ten complaints instead of per complaint. */
export const NUMBER_BLOCK = 10;

interface Day {
  /** The allocation in progress: allocations of a day take turns within the process. */
  queue: Promise<unknown>;
  next: number;
  /** End of the block in hand (exclusive); `next === end`: a new block is needed. */
  end: number;
  lastBlock: number;
}

/** Per database (Models) and Beijing day: the block of numbers this process holds. */
const local = new WeakMap<Models, Map<string, Day>>();

/**
 * Allocates the next complaint number of the receipt day (Beijing time): C20261123-0007.
 *
 * FerretDB's findAndModify with `$inc` is not atomic under concurrency (two callers can read the
 * same counter value), so numbers are claimed by inserting a key as an `_id`: the unique primary
 * key is the one guarantee every backend gives. A process claims a block of ten numbers at a time
 * (`block:<date>:<n>` covers n×10+1 … n×10+10) and hands them out in order, so concurrent
 * requests neither race for the same number nor wait for a database write each: a burst of
 * complaints (a recall, a viral post) is numbered at the pace it arrives. Several intake processes
 * take different blocks. The cost: numbers a process held when it stopped are never used, so a
 * day's numbers can have gaps — they are identifiers, not a count (reports count complaints, not
 * numbers).
 */
export function allocateComplaintNumber(models: Models, receivedAt: Date): Promise<string> {
  const date = beijingDate(receivedAt);
  let days = local.get(models);
  if (!days) local.set(models, (days = new Map()));
  let day = days.get(date);
  if (!day) days.set(date, (day = { queue: Promise.resolve(), next: 0, end: 0, lastBlock: -1 }));
  const current = day;
  const claim = current.queue.then(async () => {
    if (current.next >= current.end) {
      const block = await claimBlock(models, date, current.lastBlock);
      Object.assign(current, { lastBlock: block, next: block * NUMBER_BLOCK + 1, end: (block + 1) * NUMBER_BLOCK + 1 });
    }
    return formatComplaintNumber(date, current.next++);
  });
  current.queue = claim.catch(() => undefined);
  return claim;
}

/** Claims the first free block after the day's hint (or after this process's last block). */
async function claimBlock(models: Models, date: string, lastHere: number): Promise<number> {
  const counterId = `complaint-block:${date}`;
  let start = lastHere + 1;
  if (lastHere < 0) {
    // A process's first block of the day starts after what the day's counters say was taken,
    // including numbers given one at a time before blocks (counter `complaint:<date>`).
    const [blocks, single] = await Promise.all([models.Counter.findById(counterId).lean(), models.Counter.findById(`complaint:${date}`).lean()]);
    start = Math.max((blocks?.seq ?? -1) + 1, Math.ceil((single?.seq ?? 0) / NUMBER_BLOCK));
  }
  for (let block = start, attempts = 0; attempts < 10_000; block++, attempts++) {
    try {
      await models.ComplaintNumber.create({ _id: `block:${date}:${block}`, claimedAt: new Date() });
    } catch (error) {
      if (isDuplicateKeyError(error)) continue; // taken by another process: try the next
      throw error;
    }
    try {
      await models.Counter.updateOne({ _id: counterId }, { $max: { seq: block } }, { upsert: true });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error; // a concurrent first-of-the-day upsert won; the hint may lag
    }
    return block;
  }
  throw new Error(`no free complaint number block for ${date}`);
}
