import type { Logger } from 'pino';
import type { ChannelAdapter } from '../adapter.js';
import { ChannelApiError } from '../errors.js';
import type { OutboundMessage } from '../message.js';
import type { Metrics } from '../metrics.js';
import type { OutboundEntry } from '../queue/queues.js';
import { renderForChannel } from '../render.js';
import { inWorkspace } from '../store/in-workspace.js';
import { Message } from '../store/message.js';
import { Conversation } from '../store/conversation.js';
import { platformRefId } from '../store/ids.js';
import { PlatformRef } from '../store/platform-ref.js';
import { applyPendingStatus } from '../statuses.js';
import type { ReplyDocument } from '../turn/types.js';
import type { EntryOutcome } from './drain.js';
import type { OutboundRateLimiter, RateLimits } from './rate.js';

export interface DeliverOptions {
  adapters: ReadonlyMap<string, ChannelAdapter>;
  rates: OutboundRateLimiter;
  /** `channel/account` → the account's own limits (config `rateLimit`), lowering the channel's defaults. */
  accountLimits: ReadonlyMap<string, RateLimits>;
  /** `workspace/channel/account` of every configured account. */
  configuredAccounts: ReadonlySet<string>;
  /** Attempts before a reply is failed for good; the first is made in the turn that produced it. */
  attempts: number;
  /** Backoff after the first failed attempt, doubling each time (unless the platform said how long). */
  backoffMs: number;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Delivers the first reply of a conversation's outbound mailbox through its channel's adapter and
 * records the outcome on the message: `sent`, or `failed` with the platform's error once attempts
 * are exhausted or the error is permanent. A reply that must wait (rate limit, backoff) keeps its
 * place: nothing behind it in its conversation overtakes it.
 */
export async function deliver(
  options: DeliverOptions,
  entry: OutboundEntry,
  first?: { stored?: ReplyDocument; lastInboundAt?: string },
): Promise<EntryOutcome> {
  const { adapters, metrics, logger } = options;
  const { workspace, id: messageId } = entry;
  // By `_id` alone: the one look-up FerretDB v1 answers from an index (see docs/ARCHITECTURE.md).
  const stored = first?.stored;
  const message: ReplyDocument | null = stored ?? inWorkspace(await Message.findById(messageId).lean(), workspace);
  if (!message) {
    logger.warn({ messageId }, 'outbound message not found; dropped');
    return 'done';
  }
  if (message.status !== 'queued') return 'done'; // Already delivered or given up: a repeat.

  const adapter = adapters.get(message.channel);
  if (!adapter) {
    await recordFailure(messageId, new ChannelApiError({ message: `no adapter for channel "${message.channel}"`, retryable: false }), true);
    return 'done';
  }
  const capabilities = adapter.capabilitiesFor?.(message.account) ?? adapter.capabilities;
  // Platform limits: wait (not an attempt), first in line, so later replies keep their place.
  const limits = { ...capabilities.outboundRate, ...options.accountLimits.get(`${message.channel}/${message.account}`) };
  if (limits.perSecond || limits.perChatPerSecond || capabilities.outboundRate) {
    const waitMs = await options.rates.take({ workspace, channel: message.channel, account: message.account, chat: message.user }, limits);
    if (waitMs > 0) return { retryInMs: waitMs };
  }
  const conversation = String(message.conversation);
  // Channels with a reply window (Messenger, WhatsApp Cloud) need to know when the contact last wrote.
  const lastInboundAt = capabilities.replyWindowHours
    ? (first?.lastInboundAt ?? (await Conversation.findById(message.conversation, { lastMessageAt: 1 }).lean())?.lastMessageAt?.toISOString())
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
    inReplyTo: entry.inReplyTo,
    sender: message.sender === 'contact' ? 'bot' : (message.sender as OutboundMessage['sender']),
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
    // Delivered: from here on a failure must not count as a failed send, or a retry would send it again.
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
    metrics.messagesOut.inc({ channel: message.channel, outcome: 'sent' });
    if (entry.receivedAt) metrics.processing.observe({ channel: message.channel }, (Date.now() - Date.parse(entry.receivedAt)) / 1000);
    return 'done';
  } catch (err) {
    const api = err instanceof ChannelApiError ? err : undefined;
    const retryable = api ? api.retryable : true;
    // "Too many requests": the whole account waits, not only this reply (the retry uses the same delay).
    if (api?.retryAfterMs) await options.rates.pause({ channel: message.channel, account: message.account }, api.retryAfterMs);
    const attempts = (message.attempts ?? 0) + 1;
    const failed = !retryable || attempts >= options.attempts;
    await recordFailure(messageId, err as Error, failed);
    if (failed) {
      metrics.messagesOut.inc({ channel: message.channel, outcome: 'failed' });
      return 'done';
    }
    logger.warn({ messageId, attempts, err: (err as Error).message }, 'delivery attempt failed');
    return { retryInMs: api?.retryAfterMs || options.backoffMs * 2 ** (attempts - 1) };
  }
}

/** The failure is stored on the message so an agent can see why it did not arrive (yet). */
async function recordFailure(messageId: string, err: Error, failed: boolean): Promise<void> {
  const api = err instanceof ChannelApiError ? err : undefined;
  await Message.updateOne(
    { _id: messageId },
    {
      $set: {
        ...(failed ? { status: 'failed' } : {}),
        error: { message: err.message, status: api?.status, platformCode: api?.platformCode, retryable: api ? api.retryable : true, at: new Date() },
      },
      $inc: { attempts: 1 },
    },
  );
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
