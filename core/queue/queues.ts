import { Queue, type ConnectionOptions } from 'bullmq';
import type { Address, InboundMessage } from '../message.js';
import { addressKey } from '../message.js';
import { inboundMessageId } from '../store/ids.js';

export const outboundQueueName = 'outbound';
export const inboundQueueName = (shard: number): string => `inbound-${shard}`;

/** Outbound jobs carry only ids: message bodies stay in MongoDB, under its retention. */
export interface OutboundJob {
  workspace: string;
  messageId: string;
}

/** Which inbound shard an address's messages go to; stable for a given shard count. */
export function shardOf(address: Address, shards: number): number {
  // FNV-1a: cheap, stable across processes and versions.
  let hash = 0x811c9dc5;
  for (const ch of addressKey(address)) {
    hash ^= ch.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

export interface QueueOptions {
  connection: ConnectionOptions;
  prefix: string;
  inboundShards: number;
  outboundAttempts: number;
}

/**
 * The hub's queues: sharded inbound queues, each processing one job at a
 * time across every worker (BullMQ global concurrency), and one outbound queue.
 */
export class Queues {
  readonly inbound: Queue<InboundMessage>[];
  readonly outbound: Queue<OutboundJob>;

  constructor(private readonly options: QueueOptions) {
    const base = { connection: options.connection, prefix: options.prefix };
    this.inbound = Array.from({ length: options.inboundShards }, (_, i) => new Queue<InboundMessage>(inboundQueueName(i), base));
    this.outbound = new Queue<OutboundJob>(outboundQueueName, base);
  }

  /** One job at a time per inbound shard, whatever the number of worker processes. */
  async init(): Promise<void> {
    await Promise.all(this.inbound.map((q) => q.setGlobalConcurrency(1)));
  }

  /** Queue verified messages; a platform id already queued is dropped by its job id. */
  async enqueueInbound(messages: InboundMessage[]): Promise<void> {
    await Promise.all(
      messages.map((m) => {
        const queue = this.inbound[shardOf(m.address, this.options.inboundShards)]!;
        const jobId = inboundMessageId({ ...m.address, platformId: m.platformId });
        return queue.add('message', m, {
          jobId,
          // Completed jobs go at once (bodies do not linger in Redis); later duplicates are caught by the store.
          removeOnComplete: true,
          removeOnFail: { age: 7 * 24 * 3600 },
        });
      }),
    );
  }

  async enqueueOutbound(jobs: OutboundJob[]): Promise<void> {
    if (!jobs.length) return;
    await this.outbound.addBulk(
      jobs.map((data) => ({
        name: 'deliver',
        data,
        opts: {
          jobId: data.messageId,
          attempts: this.options.outboundAttempts,
          // 'custom': the outbound worker's backoffStrategy (exponential, or the platform's Retry-After).
          backoff: { type: 'custom' },
          removeOnComplete: true,
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      })),
    );
  }

  /** Jobs waiting or delayed, per direction; for /metrics. */
  async depth(): Promise<{ inbound: number; outbound: number }> {
    const counts = await Promise.all(this.inbound.map((q) => q.getJobCounts('wait', 'delayed', 'prioritized')));
    const out = await this.outbound.getJobCounts('wait', 'delayed', 'prioritized');
    const sum = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    return { inbound: counts.reduce((a, c) => a + sum(c), 0), outbound: sum(out) };
  }

  async close(): Promise<void> {
    await Promise.all([...this.inbound, this.outbound].map((q) => q.close()));
  }
}
