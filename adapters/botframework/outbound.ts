import type { Activity, CloudAdapter, ConversationReference, TurnContext } from 'botbuilder';
import type { ConnectorClient } from 'botframework-connector';
import { ChannelApiError } from '../../core/errors.js';
import type { OutboundMessage } from '../../core/message.js';
import type { BotFrameworkAccountConfig } from './config.js';
import { activityIdOf } from './inbound.js';
import { toChannelApiError } from './send-error.js';

/**
 * The reply as a Bot Framework activity: plain text (what the flow wrote is what the contact
 * sees), choices as imBack suggested actions whose value is the label, so a tap comes back as
 * that text, like typing it. https://learn.microsoft.com/en-us/azure/bot-service/rest-api/bot-framework-rest-connector-add-suggested-actions
 */
function renderActivity(message: OutboundMessage, reference: ConversationReference): Partial<Activity> {
  const activity: Partial<Activity> = {
    type: 'message',
    from: reference.bot,
    recipient: reference.user,
    conversation: reference.conversation,
    channelId: reference.channelId,
    serviceUrl: reference.serviceUrl,
    text: message.text,
    textFormat: 'plain',
  };
  if (reference.locale) activity.locale = reference.locale;
  const replyToId = replyTarget(message, reference);
  if (replyToId) activity.replyToId = replyToId;
  if (message.choices?.length) {
    activity.suggestedActions = {
      to: reference.user ? [reference.user.id] : [],
      actions: message.choices.map((c) => ({ type: 'imBack', title: c.label, value: c.label })),
    };
  }
  return activity;
}

/** The activity a reply answers, when it answers one in this conversation. */
function replyTarget(message: OutboundMessage, reference: ConversationReference): string | undefined {
  return message.inReplyTo ? activityIdOf(message.inReplyTo, reference.conversation.id) : undefined;
}

type Pipeline = { removePolicy(options: { name: string }): unknown };

/**
 * The connector's HTTP pipeline retries 429s and 5xx itself (three times, honouring Retry-After),
 * holding the worker meanwhile; our queue does that instead, pausing the whole account on a 429.
 */
function withoutSdkRetries(connector: ConnectorClient): void {
  const pipeline = (connector as unknown as { client?: { pipeline?: Pipeline } }).client?.pipeline;
  pipeline?.removePolicy({ name: 'defaultRetryPolicy' });
}

/** Where and how to send: the account's CloudAdapter and the conversation's stored reference. */
export interface SendTarget {
  adapter: CloudAdapter;
  config: BotFrameworkAccountConfig;
  reference: ConversationReference;
}

/**
 * Sends one activity proactively (from a queue worker or the console, outside any inbound turn)
 * through the account's CloudAdapter: a reply to the activity it names, or a new activity in the
 * conversation; resolves to the id the connector gave it.
 * https://learn.microsoft.com/en-us/azure/bot-service/bot-builder-howto-proactive-message
 */
async function sendActivity(target: SendTarget, activity: Partial<Activity>): Promise<string | undefined> {
  const { adapter, config, reference } = target;
  let platformId: string | undefined;
  try {
    await adapter.continueConversationAsync(config.appId?.trim() ?? '', reference, async (context: TurnContext) => {
      const connector = context.turnState.get<ConnectorClient>(adapter.ConnectorClientKey);
      if (!connector) throw new ChannelApiError({ message: 'botbuilder gave no connector client', retryable: true });
      withoutSdkRetries(connector);
      const conversationId = reference.conversation.id;
      const requestOptions = { timeout: config.timeoutMs };
      const response = activity.replyToId
        ? await connector.conversations.replyToActivity(conversationId, activity.replyToId, activity as Activity, requestOptions)
        : await connector.conversations.sendToConversation(conversationId, activity as Activity, requestOptions);
      platformId = response.id || undefined;
    });
  } catch (err) {
    throw toChannelApiError(err);
  }
  return platformId;
}

/** Sends one reply: a reply to the activity it answers, or a new message in the conversation. */
export async function sendReply(target: SendTarget & { message: OutboundMessage }): Promise<{ platformId?: string }> {
  return { platformId: await sendActivity(target, renderActivity(target.message, target.reference)) };
}

/**
 * A `typing` activity (https://learn.microsoft.com/en-us/azure/bot-service/rest-api/bot-framework-rest-connector-activities#typing):
 * channels that show one (Teams, Web Chat) do so for a few seconds or until the next message.
 */
export async function sendTyping(target: SendTarget): Promise<void> {
  const { reference } = target;
  await sendActivity(target, {
    type: 'typing',
    from: reference.bot,
    recipient: reference.user,
    conversation: reference.conversation,
    channelId: reference.channelId,
    serviceUrl: reference.serviceUrl,
  });
}
