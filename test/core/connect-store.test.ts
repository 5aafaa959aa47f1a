import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { builtinRegistry } from '../../adapters/index.js';
import { connectStore, coreModels, disconnectStore } from '../../core/store/connect.js';
import { usesScalarFieldFilters } from '../../core/store/scalar-filters.js';

// connectStore on an empty database (real FerretDB or $MONGODB_URI): every collection the core and
// the channels declare, with its indexes, before the first write (the hub runs with autoIndex off).
const uri = `${inject('mongoBase')}sbtest_indexes_${randomBytes(4).toString('hex')}`;

const indexKeys = async (collection: string) => {
  const indexes = await mongoose.connection.db!.collection(collection).listIndexes().toArray();
  return indexes.map((i) => ({ key: i.key as Record<string, number>, ...(i.unique ? { unique: true } : {}) }));
};

beforeAll(async () => {
  await connectStore(uri, builtinRegistry().collections());
});
afterAll(async () => {
  await mongoose.connection.dropDatabase().catch(() => undefined);
  await disconnectStore();
});

it("builds the consent ledger's and the platform refs' indexes, which the core used to leave out", async () => {
  expect(await indexKeys('consents')).toEqual(
    expect.arrayContaining([{ key: { _id: 1 } }, { key: { workspace: 1, channel: 1, account: 1, user: 1, at: -1 } }]),
  );
  expect(await indexKeys('platformrefs')).toEqual(expect.arrayContaining([{ key: { _id: 1 } }, { key: { workspace: 1, message: 1 } }]));
});

it("builds the indexes of every core model, the agents', privacy requests', audit's and conversation events' too", async () => {
  const collections = (await mongoose.connection.db!.listCollections().toArray()).map((c) => c.name);
  for (const model of coreModels) expect(collections).toContain(model.collection.collectionName);
  expect(await indexKeys('conversation_events')).toEqual(expect.arrayContaining([{ key: { workspace: 1, conversation: 1, at: 1 } }]));
});

it("marks every model's scalar filters, so the embedded FerretDB answers them from its indexes (core/store/scalar-filters.ts)", () => {
  const models = [...coreModels, ...builtinRegistry().collections().models];
  for (const model of models) expect(usesScalarFieldFilters(model.schema), `${model.modelName} lacks scalarFieldFilters`).toBe(true);
});

it("builds the channels' collections from their definitions: Bot Framework references and the WhatsApp Web session bucket", async () => {
  expect(await indexKeys('botframework_references')).toEqual(expect.arrayContaining([{ key: { _id: 1 } }, { key: { workspace: 1, account: 1, user: 1 } }]));
  expect(await indexKeys('whatsapp_sessions.files')).toEqual(expect.arrayContaining([{ key: { filename: 1, uploadDate: 1 } }]));
  expect(await indexKeys('whatsapp_sessions.chunks')).toEqual(expect.arrayContaining([{ key: { files_id: 1, n: 1 }, unique: true }]));
});

it('still builds the other core indexes, and a second start changes nothing', async () => {
  expect(await indexKeys('contacts')).toEqual(expect.arrayContaining([{ key: { workspace: 1, channel: 1, account: 1, user: 1 }, unique: true }]));
  expect(await indexKeys('messages')).toEqual(expect.arrayContaining([{ key: { workspace: 1, conversation: 1, order: 1 } }]));
  const before = await indexKeys('consents');
  await disconnectStore();
  await connectStore(uri, builtinRegistry().collections());
  expect(await indexKeys('consents')).toEqual(before);
});
