import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { ChannelAdapter } from '../adapter.js';
import { ChannelApiError } from '../errors.js';
import type { OutboundMessage } from '../message.js';
import type { Metrics } from '../metrics.js';
import type { OutboundJob } from '../queue/queues.js';
import { renderForChannel } from '../render.js';
import { inWorkspace } from '../store/in-workspace.js';
import { Message } from '../store/message.js';
import { Conversation } from '../store/conversation.js';
import { platformRefId } from '../store/ids.js';
import { PlatformRef } from '../store/platform-ref.js';
import { applyPendingStatus } from '../statuses.js';
import type { ConversationHolds } from './hold.js';
import type { OutboundRateLimiter, RateLimits } from './rate.js';

export interface DeliverOptions {
  adapters: ReadonlyMap<string, ChannelAdapter>;
  holds: ConversationHolds;
  rates: OutboundRateLimiter;
  /** `channel/account` → the account's own limits (config `rateLimit`), lowering the channel's defaults. */
  accountLimits: ReadonlyMap<string, RateLimits>;
  /** `workspace/channel/account` of every configured account. */
  configuredAccounts: ReadonlySet<string>;
  metrics: Metrics;
  logger: Logger;
}

/** How long a reply waits before looking again while an earlier reply of its conversation backs off. */
const holdWaitMs = 500;

/**
 * Delivers one stored reply through its channel's adapter and records the
 * outcome on the message: `sent`, or `failed` with the platform's error once
 * retries are exhausted or the error is permanent.
 */
export async function deliver(options: DeliverOptions, job: Job<OutboundJob>, token: string | undefined): Promise<void> {
  const { adapters, holds, metrics, logger } = options;
  const { workspace, messageId } = job.data;
  // Look-ups by `_id` alone: the only ones FerretDB v1 answers from an index (see docs/ARCHITECTURE.md).
  const message = inWorkspace(await Message.findById(messageId).lean(), workspace);
  if (!message) {
    logger.warn({ messageId }, 'outbound message not found; dropped');
    return;
  }
  if (message.status !== 'queued') return; // Already delivered or given up: a duplicate job.

  const conversation = String(message.conversation);
  const holder = await holds.holder(conversation);
  if (holder && holder !== messageId) {
    const earlier = await Message.findById(holder, { status: 1 }).lean();
    if (earlier?.status === 'queued') {
      await job.moveToDelayed(Date.now() + holdWaitMs, token);
      throw new DelayedError();
    }
    await holds.release(conversation, holder); // Stale: that reply finished but its holder crashed before releasing.
  }

  const adapter = adapters.get(message.channel);
  if (!adapter) throw new UnrecoverableError(`no adapter for channel "${message.channel}"`);

  const capabilities = adapter.capabilitiesFor?.(message.account) ?? adapter.capabilities;
  // Platform limits: wait in the delayed set (not an attempt), holding the conversation so later replies keep their place.
  const limits = { ...capabilities.outboundRate, ...options.accountLimits.get(`${message.channel}/${message.account}`) };
  if (limits.perSecond || limits.perChatPerSecond || capabilities.outboundRate) {
    const waitMs = await options.rates.take({ workspace, channel: message.channel, account: message.account, chat: message.user }, limits);
    if (waitMs > 0) {
      await holds.hold(conversation, messageId);
      await job.moveToDelayed(Date.now() + waitMs, token);
      throw new DelayedError();
    }
  }
  // Channels with a reply window (Messenger, WhatsApp Cloud) need to know when the contact last wrote.
  const lastInboundAt = capabilities.replyWindowHours
    ? (await Conversation.findById(message.conversation, { lastMessageAt: 1 }).lean())?.lastMessageAt?.toISOString()
    : undefined;
  // Stored as the bot meant it; sent as the channel can show it (buttons or a numbered list).
  const rendered = renderForChannel({ text: message.text ?? '', choices: message.choices?.map((c) => ({ id: c.id, label: c.label })) }, capabilities);
  const outbound: OutboundMessage = {
    id: message._id,
    conversationId: conversation,
    order: message.order,
    createdAt: (message.createdAt ?? new Date()).toISOString(),
    address: { workspace, channel: message.channel, account: message.account, user: message.user },
    text: rendered.text,
    choices: rendered.choices,
    ...(capabilities.forms && message.form ? { form: message.form as OutboundMessage['form'] } : {}),
    inReplyTo: job.data.inReplyTo,
    sender: message.sender === 'contact' ? 'bot' : message.sender,
    ...(lastInboundAt ? { lastInboundAt } : {}),
  };

  try {
    // A reply queued before its account was removed from the config can never go: fail it for good, not after every retry.
    if (!options.configuredAccounts.has(`${workspace}/${message.channel}/${message.account}`)) {
      throw new ChannelApiError({
        message: `${message.channel} account "${message.account}" is no longer configured for workspace "${workspace}"`,
        platformCode: 'account_not_configured',
        retryable: false,
      });
    }
    const result = await adapter.send(outbound);
    // Delivered: from here on a failure must not fail the job, or the retry would send it again.
    await persistently(() =>
      Message.updateOne(
        { _id: messageId },
        { $set: { status: 'sent', sentAt: new Date(), platformId: result.platformId }, $inc: { attempts: 1 }, $unset: { error: 1 } },
      ),
    );
    if (result.platformId && capabilities.deliveryReports) {
      // So the platform's delivery reports find this message (see core/statuses.ts).
      const _id = platformRefId({ workspace, channel: message.channel, account: message.account, platformId: result.platformId });
      const before = await persistently(() =>
        PlatformRef.findOneAndUpdate({ _id }, { $set: { workspace, message: messageId } }, { upsert: true, returnDocument: 'before' }).lean(),
      );
      // A report that beat this line (WhatsApp can say "delivered" within milliseconds) was parked on the ref.
      if (before?.pending?.status) await persistently(() => applyPendingStatus(messageId, before.pending));
    }
    await holds.release(conversation, messageId);
    metrics.messagesOut.inc({ channel: message.channel, outcome: 'sent' });
    if (job.data.receivedAt) metrics.processing.observe({ channel: message.channel }, (Date.now() - Date.parse(job.data.receivedAt)) / 1000);
  } catch (err) {
    const api = err instanceof ChannelApiError ? err : undefined;
    const retryable = api ? api.retryable : true;
    // "Too many requests": the whole account waits, not only this reply (the backoff uses the same delay).
    if (api?.retryAfterMs) await options.rates.pause({ channel: message.channel, account: message.account }, api.retryAfterMs);
    const failed = !retryable || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    // The failure is stored on the message so an agent can see why it did not arrive.
    await Message.updateOne(
      { _id: messageId },
      {
        $set: {
          ...(failed ? { status: 'failed' } : {}),
          error: { message: (err as Error).message, status: api?.status, platformCode: api?.platformCode, retryable, at: new Date() },
        },
        $inc: { attempts: 1 },
      },
    );
    if (failed) {
      await holds.release(conversation, messageId);
      metrics.messagesOut.inc({ channel: message.channel, outcome: 'failed' });
    } else {
      await holds.hold(conversation, messageId);
    }
    if (!retryable) throw new UnrecoverableError((err as Error).message);
    throw err;
  }
}

/** Retries a store write a few times: it records something that already happened and cannot be redone. */
async function persistently<T>(write: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }
}
