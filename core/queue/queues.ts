import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { IdleStage } from '../responder.js';
import type { Address, InboundMessage } from '../message.js';
import { addressKey } from '../message.js';
import { snapshotTtlMs } from '../turn/snapshot.js';
import { privacyContract } from '../privacy/contract.js';
import type { EventJob } from '../pipeline/event-webhook.js';
import { InboxIndex } from '../agents/inbox.js';
import { AgentPresence } from '../agents/presence.js';
import { HandoffFigures } from '../agents/handoff-figures.js';
import { AccountActivity } from '../account-activity.js';
import { requestAssignment } from '../agents/assignment.js';
import type { WorkspaceConfig } from '../config/schema.js';
import type { Logger } from 'pino';
import { Mailboxes, type MailboxKind } from './mailbox.js';
import { ReadyLists } from './ready.js';

export const turnsQueueName = 'turns';
export const deliveriesQueueName = 'deliveries';
export const crmQueueName = 'crm';
/** Scheduled housekeeping: the retention sweep. */
export const maintenanceQueueName = 'maintenance';

/**
 * What the CRM is told besides leads (GDPR Art. 19: recipients learn of an erasure, and of a
 * withdrawn consent): ids it received with the leads, never the person's identifiers.
 */
export interface CrmNotice {
  /** Stable per request or consent event, so a retried notice is posted once. */
  id: string;
  event: 'erasure' | 'consent';
  /** The leads (and their conversations and contacts) the event is about. */
  leads: string[];
  conversations?: string[];
  contacts?: string[];
  /** `consent`: the purpose withdrawn or given. */
  purpose?: string;
  granted?: boolean;
  at: string;
}

/**
 * One of the business's webhooks to call: a captured lead for its CRM, a notice about leads
 * already posted, or an event for its event webhook (ids only; the payload is read when it is sent).
 */
export type CrmJob =
  | { workspace: string; leadId: string; notice?: undefined; event?: undefined; email?: undefined }
  | { workspace: string; notice: CrmNotice; leadId?: undefined; event?: undefined; email?: undefined }
  | { workspace: string; event: EventJob; leadId?: undefined; notice?: undefined; email?: undefined }
  /** An e-mail of the log (core/email/): only its id travels. */
  | { workspace: string; email: string; leadId?: undefined; notice?: undefined; event?: undefined };

/** An idle timer of a conversation; when due it joins the conversation's inbound mailbox, so it keeps its place among the messages. */
export interface IdleJob {
  address: Address;
  conversation: string;
  /** The inbound message whose turn set the timer; a later message makes it moot. */
  inbound: string;
  stage: IdleStage;
}

/** One entry of a conversation's inbound mailbox. */
export type InboundEntry = { m: InboundMessage } | { idle: IdleJob };

/** One entry of a conversation's outbound mailbox: ids only, bodies stay in MongoDB under its retention. */
export interface OutboundEntry {
  /** The reply's message id. */
  id: string;
  workspace: string;
  /** Platform id of the inbound message answered, for the platform's reply threading. */
  inReplyTo?: string;
  /** When that inbound message arrived (ISO), for the end-to-end latency metric. */
  receivedAt?: string;
}

/** A reply to queue: where it goes decides its mailbox. */
export interface OutboundRef {
  address: Address;
  /** The reply's message id. */
  id: string;
  inReplyTo?: string;
  receivedAt?: string;
}

/**
 * A wake-up job: some worker should work through this mailbox. `wake` when an entry found the
 * mailbox unattended; `recover` to look again once a holder's lease expires (it may have died);
 * `idle` (turns only) is a timer that becomes an inbound entry when due.
 */
export interface WakeJob {
  key: string;
  /** The conversation's workspace: fairness between workspaces (see `wake`). */
  workspace: string;
  idle?: IdleJob;
}

function outboundEntry({ address, id, inReplyTo, receivedAt }: OutboundRef): string {
  return JSON.stringify({
    id,
    workspace: address.workspace,
    ...(inReplyTo ? { inReplyTo } : {}),
    ...(receivedAt ? { receivedAt } : {}),
  } satisfies OutboundEntry);
}

/** The conversation's mailbox key: a hash of its address, so no user id appears in Redis key names. */
export function mailboxKey(address: Address): string {
  return createHash('sha256').update(addressKey(address)).digest('hex').slice(0, 32);
}

export interface QueueOptions {
  connection: Redis;
  prefix: string;
  outboundAttempts: number;
  /** Where a routing pass started in the background reports a failure. */
  logger?: Logger;
}

/** BullMQ's event stream is only read by monitoring; a short one costs less on every job. */
const eventsMaxLen = 1000;
const keepFailed = { age: 7 * 24 * 3600 };
/** How long a failed job is kept for inspection (seconds). */
export const keepFailedSeconds = keepFailed.age;
/**
 * A wake-up whose worker failed (the database down past a turn's own retries, a lost lease) is
 * tried again with backoff: its entry is still first in the mailbox, and with no new message
 * nothing else would wake it.
 */
const wakeRetries = { attempts: 10, backoff: { type: 'exponential', delay: 1000 } };

/**
 * The hub's queues. Order lives in one mailbox per conversation and direction (`mailbox.ts`),
 * worked through by whichever worker holds its lease. A mailbox nobody holds is woken through
 * its workspace's ready list (`ready.ts`); BullMQ carries what must wait (`turns`, `deliveries`:
 * a timer, a backoff, a look after a lease expires) and the CRM webhook's retries. So
 * conversations proceed in parallel, as many as the workers' concurrency allows, and each stays
 * in order in both directions, across processes.
 */
export class Queues {
  readonly turns: Queue<WakeJob>;
  readonly deliveries: Queue<WakeJob>;
  readonly crm: Queue<CrmJob>;
  readonly maintenance: Queue;
  readonly mailboxes: Mailboxes;
  /** Immediate wake-ups of mailboxes, the workspaces taking turns. */
  readonly ready: ReadyLists;
  /** The console's inbox views (core/agents/inbox.ts): on the same connection, so whoever changes a conversation can index it. */
  readonly inbox: InboxIndex;
  /** Agents' presence (core/agents/presence.ts), which routing reads beside the inbox. */
  readonly presence: AgentPresence;
  /** Handoff figures (core/agents/handoff-figures.ts): time to the first agent reply, abandoned handoffs, conversations per agent. */
  readonly figures: HandoffFigures;
  /** Each account's last message in and last delivery error, for the admins' channels page. */
  readonly activity: AccountActivity;
  /** Routing passes this process started in the background (see `requestAssignment`). */
  private readonly routing = new Set<Promise<unknown>>();

  constructor(private readonly options: QueueOptions) {
    const base = { connection: options.connection, prefix: options.prefix, streams: { events: { maxLen: eventsMaxLen } } };
    this.turns = new Queue<WakeJob>(turnsQueueName, base);
    this.deliveries = new Queue<WakeJob>(deliveriesQueueName, base);
    this.crm = new Queue<CrmJob>(crmQueueName, base);
    this.maintenance = new Queue(maintenanceQueueName, base);
    this.mailboxes = new Mailboxes(options.connection, options.prefix);
    this.ready = new ReadyLists(options.connection, options.prefix);
    this.inbox = new InboxIndex(options.connection, options.prefix);
    this.presence = new AgentPresence(options.connection, options.prefix);
    this.figures = new HandoffFigures(options.connection, options.prefix);
    this.activity = new AccountActivity(options.connection, options.prefix);
  }

  /** The Redis connection the queues and indexes share (routing's lock lives there too). */
  get connection(): Redis {
    return this.options.connection;
  }

  /** The hub's Redis key prefix. */
  get prefix(): string {
    return this.options.prefix;
  }

  /** Leads, notices and events for the business's webhooks, and e-mails; each job's id is stable, so a retried turn queues it once. */
  async enqueueCrm(jobs: CrmJob[]): Promise<void> {
    // BullMQ refuses `:` in ids, which a notice's id (a consent event's key) may have.
    const hashed = (kind: string, id: string) => `${kind}-${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;
    for (const data of jobs) {
      await this.crm.add(data.notice ? data.notice.event : data.event ? data.event.type : data.email ? 'email' : 'lead', data, {
        jobId: data.notice
          ? hashed('notice', data.notice.id)
          : data.event
            ? hashed('event', data.event.id)
            : data.email
              ? hashed('email', data.email)
              : data.leadId,
        attempts: this.options.outboundAttempts,
        backoff: { type: 'custom' },
        removeOnComplete: true,
        removeOnFail: keepFailed,
      });
    }
  }

  /** Queue verified messages, each behind the earlier ones of its conversation; resolves once they are in Redis. */
  async enqueueInbound(messages: InboundMessage[]): Promise<void> {
    const byKey = new Map<string, { workspace: string; entries: string[] }>();
    for (const m of messages) {
      const key = mailboxKey(m.address);
      const box = byKey.get(key) ?? { workspace: m.address.workspace, entries: [] };
      box.entries.push(JSON.stringify({ m } satisfies InboundEntry));
      byKey.set(key, box);
    }
    // Duplicates of a platform id are let in: the turn finds the first one stored and answers once.
    await Promise.all([...byKey].map(([key, box]) => this.mailboxes.pushAndWake('in', { key, workspace: box.workspace }, box.entries)));
  }

  /** Sets idle timers: delayed jobs (ids make setting one twice a no-op) that join the inbound mailbox when due. */
  async scheduleIdle(address: Address, timers: (Omit<IdleJob, 'address'> & { delayMs: number })[]): Promise<void> {
    const key = mailboxKey(address);
    for (const { delayMs, ...timer } of timers) {
      const jobId = `idle_${createHash('sha256').update(`${timer.conversation}\u0000${timer.inbound}\u0000${timer.stage}`).digest('hex').slice(0, 32)}`;
      await this.turns.add(
        'idle',
        { key, workspace: address.workspace, idle: { address, ...timer } },
        { jobId, delay: delayMs, ...wakeRetries, removeOnComplete: true, removeOnFail: keepFailed },
      );
    }
  }

  /**
   * Appends a turn's replies to its conversation's outbound mailbox, behind any earlier reply still
   * waiting. The caller, which holds the conversation, then works through that mailbox itself:
   * the replies' first delivery attempt is made in the turn.
   */
  async appendReplies(key: string, replies: readonly OutboundRef[]): Promise<void> {
    await this.mailboxes.push('out', key, replies.map(outboundEntry));
  }

  /** Replies made outside a worker (an agent's): appended to their conversation's outbound mailbox, and a worker woken if none holds it. */
  async queueReplies(at: { key: string; workspace: string }, replies: readonly OutboundRef[]): Promise<void> {
    await this.mailboxes.pushAndWake('out', at, replies.map(outboundEntry));
  }

  /**
   * Puts replies a turn could not deliver yet (the first must wait `delayMs`: a backoff, a rate
   * limit) in their conversation's empty outbound mailbox, closed to every worker until then,
   * and wakes one for that moment.
   */
  async holdReplies(at: { key: string; workspace: string }, replies: readonly OutboundRef[], delayMs: number): Promise<void> {
    await this.mailboxes.pushPaused('out', at.key, replies.map(outboundEntry), delayMs);
    await this.wake('out', at, delayMs);
  }

  /**
   * Asks some worker to work through a mailbox now (its workspace's ready list, where workspaces
   * take turns), or after `delayMs` (a retry's backoff, a rate limit's wait: a delayed BullMQ job).
   */
  async wake(kind: MailboxKind, at: { key: string; workspace: string }, delayMs = 0): Promise<void> {
    if (delayMs <= 0) return this.ready.wake(kind, at);
    await (kind === 'in' ? this.turns : this.deliveries).add('wake', at, {
      delay: delayMs,
      ...wakeRetries,
      removeOnComplete: true,
      removeOnFail: keepFailed,
    });
  }

  /**
   * Looks at a mailbox again once its holder's lease has expired: the holder may have died. One
   * such job per mailbox at a time (its id), so a busy conversation does not pile them up.
   */
  async recover(kind: MailboxKind, at: { key: string; workspace: string }, delayMs: number): Promise<void> {
    await (kind === 'in' ? this.turns : this.deliveries).add('recover', at, {
      jobId: `recover_${at.key}`,
      delay: delayMs,
      ...wakeRetries,
      removeOnComplete: true,
      removeOnFail: keepFailed,
    });
  }

  /**
   * Marks the conversation's snapshot stale (see core/turn/snapshot.ts): whoever changes its
   * contact or conversation outside its turns calls this after writing MongoDB, and its next turn
   * reads MongoDB again.
   */
  async staleSnapshot(address: Address): Promise<void> {
    await this.mailboxes.staleSnapshot(mailboxKey(address), snapshotTtlMs);
  }

  /**
   * Removes failed jobs older than {@link keepFailedSeconds} from every queue. BullMQ applies
   * `removeOnFail.age` only when another job of the same queue fails, so a quiet queue would keep
   * an old failure (and its error text) for ever; each retention sweep calls this.
   */
  async cleanFailed(): Promise<number> {
    let removed = 0;
    for (const queue of [this.turns, this.deliveries, this.crm, this.maintenance]) {
      for (;;) {
        const ids = await queue.clean(keepFailedSeconds * 1000, 1000, 'failed');
        removed += ids.length;
        if (ids.length < 1000) break;
      }
    }
    return removed;
  }

  /** Conversations waiting for a worker, per direction (wake-ups due, not timers or retries still ahead); for /metrics. */
  async depth(): Promise<{ inbound: number; outbound: number }> {
    const count = async (q: Queue, kind: MailboxKind) =>
      Object.values(await q.getJobCounts('wait', 'prioritized')).reduce((a, b) => a + b, 0) + (await this.ready.depth(kind));
    return { inbound: await count(this.turns, 'in'), outbound: await count(this.deliveries, 'out') };
  }

  /**
   * Asks routing for a pass over the workspace (core/agents/assignment.ts) and returns at once:
   * the caller often holds the very mailbox an assignment has to take (a turn that handed off).
   */
  requestAssignment(workspace: WorkspaceConfig): void {
    if (!workspace.teams.some((t) => t.assignment === 'auto')) return;
    const running = requestAssignment(this, workspace, this.options.logger)
      .catch((err: unknown) => this.options.logger?.warn({ err: (err as Error).message }, 'routing pass failed'))
      .finally(() => this.routing.delete(running));
    this.routing.add(running);
  }

  async close(): Promise<void> {
    // A routing pass under way finishes first: it holds a lock and may be in the middle of a takeover.
    await Promise.all(this.routing);
    await Promise.all([this.turns, this.deliveries, this.crm, this.maintenance].map((q) => q.close()));
  }
}

/** Privacy contracts of the BullMQ queues' keys (see core/privacy/contract.ts). */
export const queuePrivacy = [
  privacyContract({
    store: { redis: 'turns:*' },
    purpose: 'wake-ups of inbound mailboxes, and idle timers until they are due',
    personal: ["an idle timer's address (the platform user id) and conversation id; a failed job's error text"],
    findBy: "idle jobs whose `idle.address` is one of the person's addresses",
    erasure: { action: 'delete' },
    retention: { expires: 'done jobs at once; failed ones after 7 days (keepFailed; every retention sweep cleans them)' },
  }),
  privacyContract({
    store: { redis: 'deliveries:*' },
    purpose: 'wake-ups of outbound mailboxes (retries, rate-limit waits)',
    personal: ["a failed job's error text"],
    findBy: 'mailboxKey(address) in the job data',
    erasure: { action: 'delete' },
    retention: { expires: 'done jobs at once; failed ones after 7 days (keepFailed; every retention sweep cleans them)' },
  }),
  privacyContract({
    store: { redis: 'crm:*' },
    purpose: "leads, notices and events waiting to be posted to the business's webhooks (CRM, events)",
    personal: ["the lead id, a notice's lead, conversation and contact ids, or an event's conversation and message ids; a failed job's error text"],
    findBy: "jobs whose data names one of the person's leads, conversations or messages",
    erasure: { action: 'delete' },
    retention: { expires: 'done jobs at once; failed ones after 7 days (keepFailed; every retention sweep cleans them)' },
  }),
  privacyContract({
    store: { redis: 'maintenance:*' },
    purpose: "the retention sweep's schedule and its runs as jobs",
    personal: [],
    findBy: 'nothing of a person',
    erasure: { action: 'none', why: 'jobs carry no data' },
    retention: { expires: 'done jobs at once; failed ones after 7 days' },
  }),
];
