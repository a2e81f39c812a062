import { complaintFacts, complaintInputSchema, type ComplaintEvent } from '@complaints/shared';
import { connectMongo } from '@complaints/runtime';
import { allocateComplaintNumber, createModels, createPersistenceActivities } from '../src';
import { useTestDatabase } from '../../test/database';
import { validComplaint } from '../../test/support';

describe('read-model projection (real FerretDB)', () => {
  const { config, models } = useTestDatabase();
  let activities: ReturnType<typeof createPersistenceActivities>;

  beforeAll(async () => {
    activities = createPersistenceActivities({ models: models() });
  });

  const event = (number: string, sequence: number, status: ComplaintEvent['status']): ComplaintEvent => ({
    id: `${number}:${sequence}`,
    sequence,
    type: status,
    at: new Date(Date.UTC(2026, 10, 23, 1, sequence)).toISOString(),
    by: 'test',
    summary: `event ${sequence}`,
    status,
  });

  it('changes nothing when a retried activity records the same complaint or event again', async () => {
    const number = 'C20261123-0100';
    const facts = complaintFacts(complaintInputSchema.parse(validComplaint()), new Date('2026-11-23T09:00:00+08:00'));
    await activities.recordComplaint({ number, facts });
    await activities.recordComplaint({ number, facts: { ...facts, severity: 'major' } }); // a retry must not overwrite
    await activities.recordEvent(number, event(number, 1, 'awaiting_dispatch'));
    await activities.recordEvent(number, event(number, 2, 'awaiting_acknowledgement'));
    await activities.recordEvent(number, event(number, 1, 'awaiting_dispatch')); // a late retry of an older event
    await activities.recordEvent(number, event(number, 2, 'awaiting_acknowledgement'));

    const doc = await models().Complaint.findById(number).lean();
    expect(doc!.severity).toBe('minor');
    expect(doc!.history.map((e) => e.id)).toEqual([`${number}:1`, `${number}:2`]);
    expect(doc).toMatchObject({ status: 'awaiting_acknowledgement', eventCount: 2 });
    expect(await models().Complaint.countDocuments({})).toBe(1);
  });

  it('records an event once when a retry runs at the same time as the attempt it repeats', async () => {
    // A timed-out attempt that is still running while Temporal's retry records the same event: a
    // read-then-write lets both see the event missing and both append it. Several complaints,
    // three copies each, so that the race shows up on every run rather than now and then.
    const facts = complaintFacts(complaintInputSchema.parse(validComplaint()), new Date('2026-11-25T09:00:00+08:00'));
    const numbers = Array.from({ length: 20 }, (_, i) => `C20261125-${String(i + 1).padStart(4, '0')}`);
    await Promise.all(numbers.map((number) => activities.recordComplaint({ number, facts })));
    const results = await Promise.allSettled(numbers.flatMap((number) => [1, 2, 3].map(() => activities.recordEvent(number, event(number, 1, 'awaiting_dispatch')))));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const docs = await models().Complaint.find({ _id: { $in: numbers } }, { history: 1, eventCount: 1 }).sort({ _id: 1 }).lean();
    expect(docs.map((d) => [d._id, d.history.map((e) => e.id), d.eventCount])).toEqual(numbers.map((n) => [n, [`${n}:1`], 1]));
  });

  it('refuses an event for a complaint that is not recorded yet, so Temporal retries it', async () => {
    await expect(activities.recordEvent('C20261123-0999', event('C20261123-0999', 1, 'awaiting_dispatch'))).rejects.toThrow(/not in the read model/);
  });

  it('allocates distinct numbers under concurrent submissions, per Beijing day', async () => {
    // 23:30 UTC on Nov 22 is 07:30 on Nov 23 in Beijing.
    const numbers = await Promise.all(Array.from({ length: 20 }, () => allocateComplaintNumber(models(), new Date('2026-11-22T23:30:00Z'))));
    expect(new Set(numbers).size).toBe(20);
    expect(numbers.every((n) => n.startsWith('C20261123-'))).toBe(true);
    // One process hands out its blocks in order: 1 … 20, no gaps.
    expect(numbers.map((n) => Number(n.slice(-4))).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('keeps numbers distinct across processes and restarts, each taking blocks of its own', async () => {
    const second = await connectMongo(config);
    try {
      const [a, b] = [models(), createModels(second)]; // two intake processes on one database
      const at = new Date('2026-11-24T02:00:00Z');
      const numbers = await Promise.all(Array.from({ length: 30 }, (_, i) => allocateComplaintNumber(i % 2 ? a : b, at)));
      expect(new Set(numbers).size).toBe(30);
      const restarted = createModels(second); // a restart: nothing in hand, starts after every block taken
      const after = await allocateComplaintNumber(restarted, at);
      expect(Number(after.slice(-4))).toBeGreaterThan(Math.max(...numbers.map((n) => Number(n.slice(-4)))));
    } finally {
      await second.close();
    }
  });
});
