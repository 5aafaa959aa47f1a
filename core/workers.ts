import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { ChannelAdapter } from './adapter.js';
import type { Config } from './config/schema.js';
import { ChannelApiError } from './errors.js';
import type { InboundMessage, OutboundMessage } from './message.js';
import type { Metrics } from './metrics.js';
import { inboundQueueName, outboundQueueName, type OutboundJob } from './queue/queues.js';
import type { Router } from './router.js';
import { Message } from './store/message.js';

export interface WorkerOptions {
  config: Config;
  connection: ConnectionOptions;
  router: Router;
  adapters: ReadonlyMap<string, ChannelAdapter>;
  metrics: Metrics;
  logger: Logger;
}

/** Poll interval while an earlier reply of the same conversation is still undelivered. */
const orderWaitMs = 50;
/** In-process retries of the router before an inbound job is failed (it then waits in the failed set). */
const routerAttempts = 5;

/** Starts the inbound (router) and outbound (delivery) workers; returns them so shutdown can close them. */
export function startWorkers(options: WorkerOptions): Worker[] {
  const { config, connection, logger } = options;
  const common = { connection, prefix: config.redis.prefix, lockDuration: config.pipeline.lockMs, maxStalledCount: 5 };

  const inbound = Array.from({ length: config.pipeline.inboundShards }, (_, shard) =>
    new Worker<InboundMessage>(inboundQueueName(shard), (job) => routeWithRetry(options, job), { ...common, concurrency: 1 }),
  );
  const outbound = new Worker<OutboundJob>(outboundQueueName, (job, token) => deliver(options, job, token), {
    ...common,
    concurrency: config.pipeline.outboundConcurrency,
    settings: {
      // Exponential, unless the platform said how long to wait (429 Retry-After).
      backoffStrategy: (attemptsMade, _type, err) =>
        (err instanceof ChannelApiError && err.retryAfterMs) || config.pipeline.outboundBackoffMs * 2 ** (attemptsMade - 1),
    },
  });
  for (const w of [...inbound, outbound]) {
    w.on('error', (err) => logger.error({ err, queue: w.name }, 'queue worker error'));
  }
  outbound.on('failed', (job, err) => {
    if (job) logger.warn({ messageId: job.data.messageId, attempts: job.attemptsMade, err: err.message }, 'delivery attempt failed');
  });
  return [...inbound, outbound];
}

/**
 * Failing the job would let the next message of this shard overtake it, so
 * transient errors (e.g. MongoDB failing over) are retried here, holding the slot.
 */
async function routeWithRetry({ router, metrics, logger }: WorkerOptions, job: Job<InboundMessage>): Promise<void> {
  const stop = metrics.routing.startTimer();
  for (let attempt = 1; ; attempt++) {
    try {
      await router.handle(job.data);
      stop();
      return;
    } catch (err) {
      if (attempt >= routerAttempts) throw err;
      logger.warn({ err, jobId: job.id, attempt }, 'routing failed; retrying');
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
}

async function deliver({ config, adapters, metrics, logger }: WorkerOptions, job: Job<OutboundJob>, token: string | undefined): Promise<void> {
  const { workspace, messageId } = job.data;
  const message = await Message.findOne({ _id: messageId, workspace }).lean();
  if (!message) {
    logger.warn({ messageId }, 'outbound message not found; dropped');
    return;
  }
  if (message.status !== 'queued') return; // Already delivered (or given up): a duplicate job.

  // Replies of one conversation leave in order: wait while an earlier one is undelivered.
  const earlier = await Message.exists({
    workspace,
    conversation: message.conversation,
    order: { $lt: message.order },
    direction: 'out',
    status: 'queued',
  });
  if (earlier) {
    await job.moveToDelayed(Date.now() + orderWaitMs, token);
    throw new DelayedError();
  }

  const adapter = adapters.get(message.channel);
  if (!adapter) throw new UnrecoverableError(`no adapter for channel "${message.channel}"`);
  const cause = message.inReplyTo ? await Message.findOne({ _id: message.inReplyTo, workspace }, { platformId: 1, receivedAt: 1 }).lean() : null;
  const outbound: OutboundMessage = {
    id: message._id,
    conversationId: String(message.conversation),
    address: { workspace, channel: message.channel, account: message.account, user: message.user },
    text: message.text ?? '',
    choices: message.choices?.map((c) => ({ id: c.id, label: c.label })),
    inReplyTo: cause?.platformId ?? undefined,
    sender: message.sender === 'contact' ? 'bot' : message.sender,
  };

  try {
    const result = await adapter.send(outbound);
    await Message.updateOne(
      { _id: messageId, workspace },
      { $set: { status: 'sent', sentAt: new Date(), platformId: result.platformId }, $inc: { attempts: 1 }, $unset: { error: 1 } },
    );
    metrics.messagesOut.inc({ channel: message.channel, outcome: 'sent' });
    if (cause?.receivedAt) metrics.processing.observe({ channel: message.channel }, (Date.now() - cause.receivedAt.getTime()) / 1000);
  } catch (err) {
    const api = err instanceof ChannelApiError ? err : undefined;
    const retryable = api ? api.retryable : true;
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const failed = !retryable || lastAttempt;
    // The failure is stored on the message so an agent can see why it did not arrive.
    await Message.updateOne(
      { _id: messageId, workspace },
      {
        $set: {
          ...(failed ? { status: 'failed' } : {}),
          error: { message: (err as Error).message, status: api?.status, platformCode: api?.platformCode, retryable, at: new Date() },
        },
        $inc: { attempts: 1 },
      },
    );
    if (failed) metrics.messagesOut.inc({ channel: message.channel, outcome: 'failed' });
    if (!retryable) throw new UnrecoverableError((err as Error).message);
    throw err;
  }
}
