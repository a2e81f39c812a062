import mongoose, { type Connection as MongoConnection } from 'mongoose';
import { QUERY_TIME_LIMIT_MS } from '@complaints/runtime';
import { createModels, type Models } from '../src';
import { testConfig } from '../../test/support';

// Every query the services send carries a time limit (maxTimeMS, set by runtime/src/connections.ts
// for every schema), so that a query the database cannot answer in time fails the request or the
// activity instead of holding it. Checked on the real FerretDB, which refuses some commands that
// carry the option.
describe('time limits on database queries (real FerretDB)', () => {
  const config = testConfig();
  let mongo: MongoConnection;
  let models: Models;
  const sent: { command: string; maxTimeMS: unknown }[] = [];

  beforeAll(async () => {
    // A connection of its own, to watch the commands the driver sends.
    mongo = await mongoose.createConnection(config.MONGO_URL, { monitorCommands: true }).asPromise();
    mongo.getClient().on('commandStarted', (event) => sent.push({ command: event.commandName, maxTimeMS: event.command.maxTimeMS }));
    models = createModels(mongo);
    await Promise.all(Object.values(models).map((model) => model.init()));
  });

  afterAll(async () => {
    await mongo?.dropDatabase();
    await mongo?.close();
  });

  const complaint = (n: number) => ({ _id: `C20301003-${String(n).padStart(4, '0')}`, workflowId: 'w', kind: 'complaint' as const, category: 'product_quality' as const, severity: 'minor' as const, channel: 'hotline' as const, status: 'awaiting_reply' as const, dealerCode: 'SH001', receivedAt: new Date('2030-10-03T10:00:00+08:00') });

  it('sends a time limit with each kind of query the code makes, and FerretDB accepts every one', async () => {
    const { Complaint } = models;
    await Complaint.create(complaint(1));
    sent.length = 0;
    const id = complaint(1)._id;
    const operations: [string, () => Promise<unknown>][] = [
      ['find', () => Complaint.find({ status: 'awaiting_reply' }).sort({ _id: 1 }).skip(0).limit(10).lean()],
      ['find', () => Complaint.findById(id).lean()],
      ['find', () => Complaint.exists({ _id: id })],
      ['aggregate', () => Complaint.countDocuments({ dealerCode: 'SH001' })],
      ['count', () => Complaint.estimatedDocumentCount()],
      ['aggregate', () => Complaint.aggregate([{ $match: { dealerCode: 'SH001' } }, { $group: { _id: '$status', n: { $sum: 1 } } }])],
      ['update', () => Complaint.updateOne({ _id: id }, { $set: { escalated: true } })],
      ['update', () => Complaint.updateMany({ dealerCode: 'SH001' }, { $set: { overdue: false } })],
      ['update', () => models.CaseEntry.replaceOne({ _id: id }, { title: 't', lesson: 'l', complaint: {}, markedBy: 'c' }, { upsert: true })],
      ['findAndModify', () => models.Counter.findOneAndUpdate({ _id: 'probe' }, { $max: { seq: 1 } }, { upsert: true, returnDocument: 'after' })],
      ['delete', () => models.CaseEntry.deleteOne({ _id: id })],
      ['delete', () => models.CaseEntry.deleteMany({ markedBy: 'nobody' })],
    ];
    for (const [, run] of operations) await run();
    expect(sent.map(({ command, maxTimeMS }) => [command, maxTimeMS])).toEqual(operations.map(([command]) => [command, expect.any(Number)]));
    expect(new Set(sent.map((s) => s.maxTimeMS))).toEqual(new Set([QUERY_TIME_LIMIT_MS]));
  });

  it('leaves distinct without one, since FerretDB 1.24 refuses the option there', async () => {
    sent.length = 0;
    expect(await models.Complaint.distinct('dealerCode')).toEqual(['SH001']);
    expect(sent).toEqual([{ command: 'distinct', maxTimeMS: undefined }]);
  });

  it('keeps a limit a query sets itself, and the database stops a query past it', async () => {
    // Enough documents that FerretDB, which scans for this filter and finds nothing to return early,
    // takes more than 1 ms to read them all.
    await models.Complaint.insertMany(Array.from({ length: 3000 }, (_, i) => ({ ...complaint(i + 2), description: 'x'.repeat(500) })), { lean: true });
    sent.length = 0;
    await expect(models.Complaint.find({ dealerCode: 'XX999' }).maxTimeMS(1).lean()).rejects.toMatchObject({ code: 50 }); // MaxTimeMSExpired
    expect(sent[0]).toEqual({ command: 'find', maxTimeMS: 1 });
  });
});
