import type { Logger } from 'pino';
import type { ChannelAdapter } from '../adapter.js';
import { ChannelApiError } from '../errors.js';
import type { AccountActivity } from '../account-activity.js';
import type { OutboundMessage } from '../message.js';
import type { Metrics } from '../metrics.js';
import type { OutboundEntry } from '../queue/queues.js';
import { renderForChannel } from '../render.js';
import { inWorkspace } from '../store/in-workspace.js';
import { Message } from '../store/message.js';
import { Conversation } from '../store/conversation.js';
import { platformRefId } from '../store/ids.js';
import { persistently } from '../store/persistently.js';
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
  /** Where a failed attempt is noted for the admins' channels page. */
  activity?: AccountActivity;
}

/** A delivery failure as stored on the reply, so an agent can see why it did not arrive (yet). */
export interface DeliveryError {
  message: string;
  status?: number | undefined;
  platformCode?: string | undefined;
  retryable: boolean;
  at: Date;
}

/** What one delivery attempt came to, before anything of it is stored. */
export type Attempt =
  | { kind: 'sent'; at: Date; platformId?: string | undefined }
  /** Given up: a permanent error, or the last attempt. */
  | { kind: 'failed'; error: DeliveryError }
  /** Try again after `retryInMs`; without an error it waited for a rate limit, which is not an attempt. */
  | { kind: 'retry'; retryInMs: number; error?: DeliveryError };

/** What an attempt needs besides the reply: what it answers, and what the turn knows of its conversation. */
export interface AttemptContext {
  inReplyTo?: string | undefined;
  /** When the answered message arrived (ISO), for the end-to-end latency metric. */
  receivedAt?: string | undefined;
  /** When the contact last wrote (ISO); read from the conversation when a channel with a reply window needs it and it is absent. */
  lastInboundAt?: string | undefined;
  conversationStatus?: OutboundMessage['conversationStatus'];
}

/** When the contact last wrote (ISO); conversations stored before `lastInboundAt` existed have only their last message's time. */
async function contactLastWrote(conversation: unknown): Promise<string | undefined> {
  const times = await Conversation.findById(conversation, { lastInboundAt: 1, lastMessageAt: 1 }).lean();
  return (times?.lastInboundAt ?? times?.lastMessageAt)?.toISOString();
}

/**
 * Delivers the first reply of a conversation's outbound mailbox through its channel's adapter and
 * records the outcome on the message: `sent`, or `failed` with the platform's error once attempts
 * are exhausted or the error is permanent. A reply that must wait (rate limit, backoff) keeps its
 * place: nothing behind it in its conversation overtakes it.
 */
export async function deliver(options: DeliverOptions, entry: OutboundEntry): Promise<EntryOutcome> {
  const { workspace, id: messageId } = entry;
  // By `_id` alone: the one look-up FerretDB v1 answers from an index (see docs/ARCHITECTURE.md).
  const message: ReplyDocument | null = inWorkspace(await Message.findById(messageId).lean(), workspace);
  if (!message) {
    options.logger.warn({ messageId }, 'outbound message not found; dropped');
    return 'done';
  }
  if (message.status !== 'queued') return 'done'; // Already delivered or given up: a repeat.
  const attempt = await attemptDelivery(options, message, entry);
  await recordAttempt(message, attempt);
  if (attempt.kind === 'sent') await linkPlatformId(options, message, attempt);
  return attempt.kind === 'retry' ? { retryInMs: attempt.retryInMs } : 'done';
}

/**
 * Makes one delivery attempt of a reply and says what came of it, storing nothing: the caller
 * records it on the message ({@link recordAttempt}), or stores the message with it (a turn's
 * first attempt, see first-delivery.ts).
 */
export async function attemptDelivery(options: DeliverOptions, message: ReplyDocument, at: AttemptContext): Promise<Attempt> {
  const { adapters, metrics, logger } = options;
  const { workspace } = message;
  const adapter = adapters.get(message.channel);
  if (!adapter)
    return { kind: 'failed', error: deliveryError(new ChannelApiError({ message: `no adapter for channel "${message.channel}"`, retryable: false })) };
  const capabilities = adapter.capabilitiesFor?.(message.account) ?? adapter.capabilities;
  // Platform limits: wait (not an attempt), first in line, so later replies keep their place.
  const limits = { ...capabilities.outboundRate, ...options.accountLimits.get(`${message.channel}/${message.account}`) };
  if (limits.perSecond || limits.perChatPerSecond || capabilities.outboundRate) {
    const waitMs = await options.rates.take({ workspace, channel: message.channel, account: message.account, chat: message.user }, limits);
    if (waitMs > 0) return { kind: 'retry', retryInMs: waitMs };
  }
  // Channels with a reply window (Messenger, WhatsApp Cloud) need to know when the contact last wrote.
  const lastInboundAt = capabilities.replyWindowHours ? (at.lastInboundAt ?? (await contactLastWrote(message.conversation))) : undefined;
  // Stored as the bot meant it; sent as the channel can show it (buttons or a numbered list).
  const rendered = renderForChannel({ text: message.text ?? '', choices: message.choices?.map((c) => ({ id: c.id, label: c.label })) }, capabilities);
  const outbound: OutboundMessage = {
    id: message._id,
    conversationId: String(message.conversation),
    order: message.order,
    createdAt: (message.createdAt ?? new Date()).toISOString(),
    address: { workspace, channel: message.channel, account: message.account, user: message.user },
    text: rendered.text,
    choices: rendered.choices,
    ...(capabilities.forms && message.form ? { form: message.form as OutboundMessage['form'] } : {}),
    inReplyTo: at.inReplyTo,
    sender: message.sender === 'contact' ? 'bot' : (message.sender as OutboundMessage['sender']),
    ...(message.senderName ? { senderName: message.senderName } : {}),
    ...(lastInboundAt ? { lastInboundAt } : {}),
    ...(at.conversationStatus ? { conversationStatus: at.conversationStatus } : {}),
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
    metrics.messagesOut.inc({ channel: message.channel, outcome: 'sent' });
    if (at.receivedAt) metrics.processing.observe({ channel: message.channel }, (Date.now() - Date.parse(at.receivedAt)) / 1000);
    return { kind: 'sent', at: new Date(), platformId: result.platformId };
  } catch (err) {
    const api = err instanceof ChannelApiError ? err : undefined;
    const retryable = api ? api.retryable : true;
    // "Too many requests": the whole account waits, not only this reply (the retry uses the same delay).
    if (api?.retryAfterMs) await options.rates.pause({ channel: message.channel, account: message.account }, api.retryAfterMs);
    const attempts = (message.attempts ?? 0) + 1;
    const error = deliveryError(err as Error);
    await options.activity
      ?.failed({
        workspace,
        channel: message.channel,
        account: message.account,
        code: api?.platformCode ?? (api?.status ? String(api.status) : undefined),
        message: error.message,
      })
      .catch((failure: unknown) => logger.debug({ err: (failure as Error).message }, 'delivery error not noted for the channels page'));
    if (!retryable || attempts >= options.attempts) {
      metrics.messagesOut.inc({ channel: message.channel, outcome: 'failed' });
      return { kind: 'failed', error };
    }
    logger.warn({ messageId: message._id, attempts, err: (err as Error).message }, 'delivery attempt failed');
    return { kind: 'retry', retryInMs: api?.retryAfterMs || options.backoffMs * 2 ** (attempts - 1), error };
  }
}

/** An attempt as fields of a reply not stored yet (`attempts` counts this one). */
export function attemptFields(attempt: Attempt, message: Pick<ReplyDocument, 'attempts'>): Record<string, unknown> {
  const attempts = (message.attempts ?? 0) + 1;
  switch (attempt.kind) {
    case 'sent':
      return { status: 'sent', sentAt: attempt.at, attempts, ...(attempt.platformId ? { platformId: attempt.platformId } : {}) };
    case 'failed':
      return { status: 'failed', error: attempt.error, attempts };
    case 'retry':
      return attempt.error ? { error: attempt.error, attempts } : {};
  }
}

/** Records an attempt on a stored reply. */
async function recordAttempt(message: ReplyDocument, attempt: Attempt): Promise<void> {
  const _id = message._id;
  switch (attempt.kind) {
    case 'sent':
      // Delivered: from here on a failure must not count as a failed send, or a retry would send it again.
      await persistently(() =>
        Message.updateOne(
          { _id },
          { $set: { status: 'sent', sentAt: attempt.at, platformId: attempt.platformId }, $inc: { attempts: 1 }, $unset: { error: 1 } },
        ),
      );
      return;
    case 'failed':
      await Message.updateOne({ _id }, { $set: { status: 'failed', error: attempt.error }, $inc: { attempts: 1 } });
      return;
    case 'retry':
      if (attempt.error) await Message.updateOne({ _id }, { $set: { error: attempt.error }, $inc: { attempts: 1 } });
  }
}

/**
 * Links a stored, delivered reply's platform id to it, so the platform's delivery reports find it
 * (see core/statuses.ts); a report that beat this (WhatsApp can say "delivered" within
 * milliseconds) was parked on the ref and is applied now.
 */
export async function linkPlatformId(
  options: DeliverOptions,
  message: Pick<ReplyDocument, '_id' | 'workspace' | 'channel' | 'account'>,
  sent: { platformId?: string | undefined },
): Promise<void> {
  const adapter = options.adapters.get(message.channel);
  const capabilities = adapter && (adapter.capabilitiesFor?.(message.account) ?? adapter.capabilities);
  if (!sent.platformId || !capabilities?.deliveryReports) return;
  const { workspace, channel, account } = message;
  const _id = platformRefId({ workspace, channel, account, platformId: sent.platformId });
  const before = await persistently(() =>
    PlatformRef.findOneAndUpdate({ _id }, { $set: { workspace, message: message._id } }, { upsert: true, returnDocument: 'before' }).lean(),
  );
  if (before?.pending?.status) await persistently(() => applyPendingStatus(message._id, before.pending));
}

function deliveryError(err: Error): DeliveryError {
  const api = err instanceof ChannelApiError ? err : undefined;
  return { message: err.message, status: api?.status, platformCode: api?.platformCode, retryable: api ? api.retryable : true, at: new Date() };
}
