import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue, Worker } from 'bullmq';
import express from 'express';
import mongoose from 'mongoose';
import { sign, signatureHeader, verify } from '../adapters/api/signature.js';
import { connectRedis } from '../core/queue/redis.js';

export interface FloorOptions {
  mongoUri: string;
  redisUrl: string;
  /** BullMQ key prefix. */
  prefix: string;
  account: string;
  secret: string;
  webhookUrl: string;
}

export interface Floor {
  url: string;
  /** Its MongoDB client (for counting its commands). */
  mongo: InstanceType<typeof mongoose.mongo.MongoClient>;
  stop(): Promise<void>;
}

interface ReplyJob {
  id: string;
  user: string;
}

/**
 * The least the hub's pipeline could do on the same services: verify the HMAC,
 * one insertOne, one queue.add, 202; a worker POSTs the signed reply.
 */
export async function startFloor(options: FloorOptions): Promise<Floor> {
  const client = new mongoose.mongo.MongoClient(options.mongoUri, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  const messages = client.db().collection<{ _id: string; user: string; text: string; receivedAt: Date }>('messages');
  const redis = connectRedis(options.redisUrl);
  const queue = new Queue<ReplyJob>('replies', { connection: redis, prefix: options.prefix });

  const app = express();
  app.post('/channels/api/:account/messages', express.raw({ type: () => true, limit: 64 * 1024 }), async (req, res) => {
    const header = req.headers[signatureHeader];
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (req.params.account !== options.account || !verify(body, options.secret, typeof header === 'string' ? header : undefined)) {
      res.status(401).json({ error: 'unauthorized' });
      return;
    }
    const { id, user, text } = JSON.parse(body.toString('utf8')) as { id: string; user: string; text: string };
    await messages.insertOne({ _id: id, user, text, receivedAt: new Date() });
    await queue.add('reply', { id, user }, { jobId: id, removeOnComplete: true });
    res.status(202).json({ status: 'queued', id });
  });
  const server: Server = await new Promise((ok, fail) => {
    const s = app.listen(0, '127.0.0.1', (err?: Error) => (err ? fail(err) : ok(s)));
  });
  const { port } = server.address() as AddressInfo;

  const worker = new Worker<ReplyJob>(
    'replies',
    async (job) => {
      const body = JSON.stringify({ id: `out-${job.data.id}`, user: job.data.user, text: 'floor reply', inReplyTo: job.data.id });
      const res = await fetch(options.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [signatureHeader]: sign(body, options.secret) },
        body,
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`webhook answered ${res.status}`);
    },
    { connection: redis, prefix: options.prefix, concurrency: 16 },
  );
  worker.on('error', (err) => console.error('floor worker error:', err.message));

  return {
    url: `http://127.0.0.1:${port}`,
    mongo: client,
    async stop() {
      const closed = new Promise((r) => server.close(r));
      server.closeIdleConnections();
      await closed;
      await worker.close();
      await queue.close();
      await redis.quit();
      await client.close();
    },
  };
}
