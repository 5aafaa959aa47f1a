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

/**
 * Sends one reply proactively (from a queue worker, outside any inbound turn) through the
 * account's CloudAdapter: a reply to the activity it answers, or a new message in the conversation.
 * https://learn.microsoft.com/en-us/azure/bot-service/bot-builder-howto-proactive-message
 */
export async function sendReply(options: {
  adapter: CloudAdapter;
  config: BotFrameworkAccountConfig;
  reference: ConversationReference;
  message: OutboundMessage;
}): Promise<{ platformId?: string }> {
  const { adapter, config, reference, message } = options;
  let platformId: string | undefined;
  try {
    await adapter.continueConversationAsync(config.appId?.trim() ?? '', reference, async (context: TurnContext) => {
      const connector = context.turnState.get<ConnectorClient>(adapter.ConnectorClientKey);
      if (!connector) throw new ChannelApiError({ message: 'botbuilder gave no connector client', retryable: true });
      withoutSdkRetries(connector);
      const activity = renderActivity(message, reference) as Activity;
      const conversationId = reference.conversation.id;
      const requestOptions = { timeout: config.timeoutMs };
      const response = activity.replyToId
        ? await connector.conversations.replyToActivity(conversationId, activity.replyToId, activity, requestOptions)
        : await connector.conversations.sendToConversation(conversationId, activity, requestOptions);
      platformId = response.id || undefined;
    });
  } catch (err) {
    throw toChannelApiError(err);
  }
  return { platformId };
}
