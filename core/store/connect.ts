import mongoose, { type Connection, type Model } from 'mongoose';
import { Agent } from './agent.js';
import { AuditEntry } from './audit-entry.js';
import { CannedReply } from './canned-reply.js';
import { ConsentEvent } from './consent.js';
import { Contact } from './contact.js';
import { ConversationEvent } from './conversation-event.js';
import { ConversationNote } from './conversation-note.js';
import { Conversation } from './conversation.js';
import { FlowVersion } from './flow-version.js';
import { Lead } from './lead.js';
import { Message } from './message.js';
import { PlatformRef } from './platform-ref.js';
import { PrivacyRequest } from './privacy-request.js';
import { RetentionRun } from './retention-run.js';

/** Every model of the core; channels add their own (`AdapterRegistry.collections()`). */
const models = [
  Contact,
  Conversation,
  ConversationEvent,
  ConversationNote,
  Message,
  Lead,
  FlowVersion,
  ConsentEvent,
  PlatformRef,
  RetentionRun,
  PrivacyRequest,
  AuditEntry,
  Agent,
  CannedReply,
] as const;

/** The core's models (for tests that check every one of them). */
export const coreModels: readonly Model<any>[] = models; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface StoreCollections {
  /** Channels' models, created with their indexes beside the core's. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  models?: readonly Model<any>[];
  /** Channels' GridFS buckets, given the indexes the driver would create on their first upload. */
  buckets?: readonly string[];
}

/**
 * Connects mongoose and creates every collection with the indexes its schema declares: the
 * core's and those of the channels in `collections` (e.g. `registry.collections()`).
 */
export async function connectStore(uri: string, collections: StoreCollections = {}): Promise<Connection> {
  mongoose.set('strictQuery', true);
  // autoIndex off: indexes are created once, here, and awaited, instead of racing the first queries.
  await mongoose.connect(uri, { autoIndex: false, serverSelectionTimeoutMS: 10_000 });
  const all = new Set<Model<unknown>>([...models, ...(collections.models ?? [])] as Model<unknown>[]);
  await Promise.all(
    [...all].map(async (m) => {
      // Created even without secondary indexes (createCollection is a no-op when it exists), so every collection is there to list.
      await m.createCollection();
      await m.createIndexes();
    }),
  );
  const db = mongoose.connection.db!;
  await Promise.all(
    (collections.buckets ?? []).flatMap((bucket) => [
      db.collection(`${bucket}.files`).createIndex({ filename: 1, uploadDate: 1 }),
      db.collection(`${bucket}.chunks`).createIndex({ files_id: 1, n: 1 }, { unique: true }),
    ]),
  );
  return mongoose.connection;
}

export async function disconnectStore(): Promise<void> {
  await mongoose.disconnect();
}

export async function pingStore(): Promise<void> {
  const db = mongoose.connection.db;
  if (!db || mongoose.connection.readyState !== 1) throw new Error('MongoDB is not connected');
  await db.admin().command({ ping: 1 });
}
