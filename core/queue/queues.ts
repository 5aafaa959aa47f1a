import { createHash } from 'node:crypto';
import { Queue, type ConnectionOptions } from 'bullmq';
import type { IdleStage } from '../responder.js';
import type { Address, InboundMessage } from '../message.js';
import { addressKey } from '../message.js';
import { inboundMessageId } from '../store/ids.js';

export const outboundQueueName = (shard: number): string => `outbound-${shard}`;
export const inboundQueueName = (shard: number): string => `inbound-${shard}`;
export const crmQueueName = 'crm';

/** A captured lead to post to its workspace's CRM webhook. */
export interface CrmJob {
  workspace: string;
  leadId: string;
}

/** Outbound jobs carry only ids: message bodies stay in MongoDB, under its retention. */
export interface OutboundJob {
  workspace: string;
  messageId: string;
  /** Platform id of the inbound message answered, for the platform's reply threading. */
  inReplyTo?: string;
  /** When that inbound message arrived (ISO), for the end-to-end latency metric. */
  receivedAt?: string;
}

/** An idle timer of a conversation, run on its inbound shard so it keeps its place among the messages. */
export interface IdleJob {
  address: Address;
  conversation: string;
  /** The inbound message whose turn set the timer; a later message makes it moot. */
  inbound: string;
  stage: IdleStage;
}

/** A reply to queue: where it goes decides its shard. */
export type OutboundRef = Omit<OutboundJob, 'workspace'> & { address: Address };

/** Which inbound shard an address's messages go to; stable for a given shard count. */
function shardOf(address: Address, shards: number): number {
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
  shards: number;
  outboundAttempts: number;
}

/**
 * The hub's queues, sharded by address: every message of one conversation goes
 * through the same inbound and the same outbound shard, and each shard runs one
 * job at a time across every worker process (BullMQ global concurrency). That
 * is what keeps a conversation in order in both directions; conversations on
 * different shards run in parallel.
 */
export class Queues {
  readonly inbound: Queue<InboundMessage | IdleJob>[];
  readonly outbound: Queue<OutboundJob>[];
  readonly crm: Queue<CrmJob>;

  constructor(private readonly options: QueueOptions) {
    const base = { connection: options.connection, prefix: options.prefix };
    this.inbound = Array.from({ length: options.shards }, (_, i) => new Queue<InboundMessage | IdleJob>(inboundQueueName(i), base));
    this.outbound = Array.from({ length: options.shards }, (_, i) => new Queue<OutboundJob>(outboundQueueName(i), base));
    this.crm = new Queue<CrmJob>(crmQueueName, base);
  }

  /** Leads for the CRM webhook; the lead id is the job id, so a retried turn queues a lead once. */
  async enqueueCrm(jobs: CrmJob[]): Promise<void> {
    for (const data of jobs) {
      await this.crm.add('lead', data, {
        jobId: data.leadId,
        attempts: this.options.outboundAttempts,
        backoff: { type: 'custom' },
        removeOnComplete: true,
        removeOnFail: { age: 7 * 24 * 3600 },
      });
    }
  }

  async init(): Promise<void> {
    await Promise.all([...this.inbound, ...this.outbound].map((q) => q.setGlobalConcurrency(1)));
  }

  /** Queue verified messages; a platform id already queued is dropped by its job id. */
  async enqueueInbound(messages: InboundMessage[]): Promise<void> {
    await Promise.all(
      messages.map((m) => {
        const queue = this.inbound[shardOf(m.address, this.options.shards)]!;
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

  /** Sets idle timers: delayed jobs on the conversation's inbound shard (ids make setting one twice a no-op). */
  async scheduleIdle(address: Address, timers: (Omit<IdleJob, 'address'> & { delayMs: number })[]): Promise<void> {
    const queue = this.inbound[shardOf(address, this.options.shards)]!;
    for (const { delayMs, ...timer } of timers) {
      const jobId = `idle_${createHash('sha256').update(`${timer.conversation}\u0000${timer.inbound}\u0000${timer.stage}`).digest('hex').slice(0, 32)}`;
      await queue.add('idle', { address, ...timer }, { jobId, delay: delayMs, removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } });
    }
  }

  /** Queue replies for delivery, in the given order; a reply already queued is dropped by its job id. */
  async enqueueOutbound(replies: OutboundRef[]): Promise<void> {
    for (const { address, ...job } of replies) {
      await this.outbound[shardOf(address, this.options.shards)]!.add(
        'deliver',
        { workspace: address.workspace, ...job },
        {
          jobId: job.messageId,
          attempts: this.options.outboundAttempts,
          // 'custom': the outbound worker's backoffStrategy (exponential, or the platform's Retry-After).
          backoff: { type: 'custom' },
          removeOnComplete: true,
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      );
    }
  }

  /** Jobs waiting or delayed, per direction; for /metrics. */
  async depth(): Promise<{ inbound: number; outbound: number }> {
    const total = async (queues: Queue[]) => {
      const counts = await Promise.all(queues.map((q) => q.getJobCounts('wait', 'delayed', 'prioritized')));
      return counts.reduce((sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0), 0);
    };
    return { inbound: await total(this.inbound), outbound: await total(this.outbound) };
  }

  async close(): Promise<void> {
    await Promise.all([...this.inbound, ...this.outbound, this.crm].map((q) => q.close()));
  }
}
