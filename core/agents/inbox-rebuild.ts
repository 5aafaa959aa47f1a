import type { Redis } from 'ioredis';
import type { Queues } from '../queue/queues.js';
import { Conversation } from '../store/conversation.js';
import type { IndexedConversation } from './inbox.js';

/** Thrown when a rebuild of the workspace's index is running already (in any process). */
export class RebuildRunningError extends Error {
  constructor(workspace: string) {
    super(`the inbox of workspace "${workspace}" is being rebuilt already; try again when that ends`);
  }
}

const flagMs = 60_000;
/** Conversations indexed per pipelined round trip. */
const batch = 500;

/**
 * Rebuilds a workspace's inbox index from MongoDB: for deployments that had conversations before
 * the index existed, or lost Redis. Streams the workspace's conversations (one query, read in
 * batches) and indexes each, then takes out ids whose conversation is gone. Live changes go on
 * meanwhile: while the `rebuilding` flag is set they mark their conversation touched, and the
 * rebuild leaves touched ones alone, since what it read of them may be older. Lists are right
 * throughout for conversations already indexed; missing ones appear as the rebuild reaches them.
 */
export async function rebuildInbox(at: { redis: Redis; queues: Queues; workspace: string }): Promise<{ indexed: number; removed: number }> {
  const { redis, queues, workspace } = at;
  const inbox = queues.inbox;
  const base = inbox.base(workspace);
  const flag = `${base}rebuilding`;
  if ((await redis.set(flag, '1', 'PX', flagMs, 'NX')) !== 'OK') throw new RebuildRunningError(workspace);
  const renew = setInterval(() => void redis.pexpire(flag, flagMs).catch(() => undefined), flagMs / 3);
  renew.unref();
  try {
    await redis.del(`${base}touched`);
    const seen = new Set<string>();
    const fields = { workspace: 1, channel: 1, status: 1, assignee: 1, team: 1, lastMessageAt: 1, waitingSince: 1, createdAt: 1 };
    let pipeline = redis.pipeline();
    let queued = 0;
    for await (const c of Conversation.find({ workspace }, fields).lean<IndexedConversation[]>().cursor({ batchSize: 1000 })) {
      inbox.queueRebuild(pipeline, c);
      seen.add(String(c._id));
      if (++queued === batch) {
        await pipeline.exec();
        pipeline = redis.pipeline();
        queued = 0;
      }
    }
    if (queued) await pipeline.exec();
    const gone = (await inbox.indexedIds(workspace)).filter((id) => !seen.has(id));
    for (let i = 0; i < gone.length; i += batch) await inbox.remove(workspace, gone.slice(i, i + batch), 'rebuild');
    return { indexed: seen.size, removed: gone.length };
  } finally {
    clearInterval(renew);
    await redis.del(flag, `${base}touched`);
  }
}
