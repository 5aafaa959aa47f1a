import mongoose, { type Connection } from 'mongoose';
import { Contact } from './contact.js';
import { Conversation } from './conversation.js';
import { FlowVersion } from './flow-version.js';
import { Lead } from './lead.js';
import { Message } from './message.js';

export const models = [Contact, Conversation, Message, Lead, FlowVersion] as const;

/** Connects mongoose and creates the indexes the schemas declare. */
export async function connectStore(uri: string): Promise<Connection> {
  mongoose.set('strictQuery', true);
  // autoIndex off: indexes are created once, here, and awaited, instead of racing the first queries.
  await mongoose.connect(uri, { autoIndex: false, serverSelectionTimeoutMS: 10_000 });
  await Promise.all(models.map((m) => m.createIndexes()));
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
