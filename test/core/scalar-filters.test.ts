import { randomBytes } from 'node:crypto';
import mongoose, { Schema, Types } from 'mongoose';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { scalarFieldFilters, scalarFieldsComment } from '../../core/store/scalar-filters.js';

// Filters on indexed fields, answered from the index on the embedded FerretDB
// (tools/ferretdb/pushdown) when the store promises the fields are never arrays: the answers
// must be MongoDB's, whatever the values, on the real server the suite runs against.

const uri = `${inject('mongoBase')}sbtest_scalar_${randomBytes(4).toString('hex')}`;
const schema = new Schema({
  _id: { type: String },
  workspace: { type: String, required: true },
  conversation: { type: Schema.Types.ObjectId },
  n: { type: Number },
  tags: { type: [String] },
});
schema.index({ workspace: 1, conversation: 1 });
schema.plugin(scalarFieldFilters);
const Doc = mongoose.model('ScalarFilterDoc', schema, 'scalar_filter_docs');

const c1 = new Types.ObjectId();
const c2 = new Types.ObjectId();
const odd = 'O"Brien <a&b> \\ ü 😀 \u2028';
/** The filters mongoose sent, by collection, to see which were marked. */
const sent: Record<string, unknown>[] = [];

beforeAll(async () => {
  await mongoose.connect(uri, { autoIndex: false });
  await Doc.createCollection();
  await Doc.createIndexes();
  await Doc.insertMany([
    { _id: 'a1', workspace: 'a', conversation: c1, n: 1, tags: ['x', 'y'] },
    { _id: 'a2', workspace: 'a', conversation: c1, n: 2, tags: [] },
    { _id: 'a3', workspace: 'a', conversation: c2, n: 3, tags: ['y'] },
    { _id: 'b1', workspace: 'b', conversation: c1, n: 4 },
    { _id: odd, workspace: odd, conversation: c2, n: 5 },
  ]);
  mongoose.set('debug', (collection: string, _method: string, filter: unknown) => {
    if (collection === 'scalar_filter_docs') sent.push(filter as Record<string, unknown>);
  });
});
afterAll(async () => {
  mongoose.set('debug', false);
  await mongoose.connection.dropDatabase().catch(() => undefined);
  await mongoose.disconnect();
});

const ids = async (filter: Record<string, unknown>) => (await Doc.find(filter, { _id: 1 }).lean()).map((d) => d._id).sort();

it('answers equality and $in filters on scalar fields as MongoDB does, and marks them', async () => {
  sent.length = 0;
  expect(await ids({ workspace: 'a', conversation: c1 })).toEqual(['a1', 'a2']);
  expect(await ids({ workspace: 'a', conversation: { $in: [c1, c2] } })).toEqual(['a1', 'a2', 'a3']);
  expect(await ids({ workspace: { $eq: 'b' } })).toEqual(['b1']);
  expect(await ids({ workspace: 'a', n: { $gt: 1 } })).toEqual(['a2', 'a3']);
  expect(await ids({ workspace: { $in: ['a', 'b'] }, conversation: { $in: [c1] }, n: { $ne: 2 } })).toEqual(['a1', 'b1']);
  expect(await ids({ workspace: 'nobody' })).toEqual([]);
  expect(sent.every((f) => f.$comment === scalarFieldsComment)).toBe(true);
  expect(sent).toHaveLength(6);
});

it('finds values that need escaping (quotes, backslashes, markup, emoji) by field and by _id', async () => {
  expect(await ids({ workspace: odd })).toEqual([odd]);
  expect(await ids({ _id: odd })).toEqual([odd]);
  expect(await ids({ _id: { $in: [odd, 'a3', 'missing'] } })).toEqual([odd, 'a3'].sort());
});

it('leaves a filter on an array field unmarked, so arrays still match their elements', async () => {
  sent.length = 0;
  expect(await ids({ workspace: 'a', tags: 'y' })).toEqual(['a1', 'a3']);
  expect(await ids({ tags: { $in: ['x'] } })).toEqual(['a1']);
  expect(sent.map((f) => f.$comment)).toEqual([undefined, undefined]);
});

it('removes and updates exactly the documents a marked filter names', async () => {
  expect((await Doc.updateMany({ workspace: 'a', conversation: { $in: [c2] } }, { $set: { n: 30 } })).modifiedCount).toBe(1);
  expect((await Doc.findOne({ _id: 'a3' }).lean())?.n).toBe(30);
  expect((await Doc.deleteMany({ workspace: 'a', conversation: c1 })).deletedCount).toBe(2);
  expect(await ids({})).toEqual(['a3', 'b1', odd].sort());
  expect(await Doc.countDocuments({ workspace: 'b' })).toBe(1);
});
