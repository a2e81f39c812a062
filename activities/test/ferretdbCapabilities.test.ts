import type { Connection as MongoConnection, mongo } from 'mongoose';
import { connectMongo } from '@complaints/runtime';
import { testConfig } from '../../test/support';

// What the read model and the reports may use on the embedded FerretDB (docs/ferretdb.md lists what
// it lacks). If a FerretDB upgrade breaks one of these, this suite says which.
describe('FerretDB features the project relies on', () => {
  const config = testConfig();
  let conn: MongoConnection;
  let coll: mongo.Collection<{ _id: string; dealer: string; category: string; one: number; replied: number; arr: number[] }>;

  beforeAll(async () => {
    conn = await connectMongo(config);
    coll = conn.db!.collection('capabilities');
    await coll.insertMany([
      { _id: 'a', dealer: 'SH001', category: 'product_quality', one: 1, replied: 1, arr: [1, 2] },
      { _id: 'b', dealer: 'SH001', category: 'service_process', one: 1, replied: 0, arr: [3] },
      { _id: 'c', dealer: 'BJ002', category: 'product_quality', one: 1, replied: 1, arr: [] },
    ]);
  });

  afterAll(async () => {
    await conn?.dropDatabase();
    await conn?.close();
  });

  it('groups and sums stored 0/1 facts per key ($match, $group $sum of a field, $sort)', async () => {
    const rows = await coll
      .aggregate([{ $match: { category: 'product_quality' } }, { $group: { _id: '$dealer', complaints: { $sum: '$one' }, replied: { $sum: '$replied' } } }, { $sort: { _id: 1 } }])
      .toArray();
    expect(rows).toEqual([
      { _id: 'BJ002', complaints: 1, replied: 1 },
      { _id: 'SH001', complaints: 1, replied: 1 },
    ]);
  });

  it('counts with countDocuments and the $count stage; lists values with distinct', async () => {
    expect(await coll.countDocuments({ dealer: 'SH001' })).toBe(2);
    expect(await coll.aggregate([{ $match: { dealer: 'SH001' } }, { $count: 'n' }]).toArray()).toEqual([{ n: 2 }]);
    expect((await coll.distinct('dealer')).sort()).toEqual(['BJ002', 'SH001']);
  });

  it('applies the update operators the projections use, with upsert', async () => {
    await coll.updateOne({ _id: 'a' }, { $inc: { replied: 1 }, $push: { arr: 9 }, $set: { dealer: 'SH009' }, $max: { one: 5 } });
    expect(await coll.findOne({ _id: 'a' })).toMatchObject({ replied: 2, arr: [1, 2, 9], dealer: 'SH009', one: 5 });
    await coll.updateOne({ _id: 'new' }, { $setOnInsert: { dealer: 'GZ003' } }, { upsert: true });
    await coll.updateOne({ _id: 'new' }, { $setOnInsert: { dealer: 'overwritten?' } }, { upsert: true });
    expect(await coll.findOne({ _id: 'new' })).toMatchObject({ dealer: 'GZ003' });
  });

  it('enforces unique indexes: the primary key and a secondary one', async () => {
    await expect(coll.insertOne({ _id: 'b', dealer: 'x', category: 'x', one: 1, replied: 0, arr: [] })).rejects.toMatchObject({ code: 11000 });
    const other = conn.db!.collection('unique_keys');
    await other.createIndex({ source: 1, key: 1 }, { unique: true });
    await other.insertOne({ source: 'hotline', key: 'call-1' });
    await expect(other.insertOne({ source: 'hotline', key: 'call-1' })).rejects.toMatchObject({ code: 11000 });
  });

  it('unwinds arrays and pages with $skip/$limit', async () => {
    const rows = await coll.aggregate([{ $match: { _id: 'b' } }, { $unwind: '$arr' }, { $project: { arr: 1 } }]).toArray();
    expect(rows).toEqual([{ _id: 'b', arr: 3 }]);
    expect(await coll.find({}).sort({ _id: 1 }).skip(1).limit(1).toArray()).toEqual([expect.objectContaining({ _id: 'b' })]);
  });
});
