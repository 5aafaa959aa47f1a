/**
 * Replies through the Send API (https://developers.facebook.com/docs/messenger-platform/reference/send-api/):
 * text up to 2000 characters, choices as quick replies (up to 13, titles up to 20 characters;
 * https://developers.facebook.com/docs/messenger-platform/send-messages/quick-replies).
 */
import { createHmac } from 'node:crypto';
import { ChannelApiError } from '../../core/errors.js';
import type { OutboundMessage } from '../../core/message.js';
import { graphPost } from '../meta/graph.js';
import { hoursSince } from '../meta/window.js';
import type { MessengerAccountConfig } from './config.js';

/** Standard messaging window, and the HUMAN_AGENT tag's (https://developers.facebook.com/docs/messenger-platform/send-messages/message-tags). */
export const replyWindowHours = 24;
const humanAgentWindowHours = 7 * 24;

/** The Send API body for one reply, or a permanent error when the platform's policy forbids sending it. */
function renderSend(message: OutboundMessage, now = Date.now()): Record<string, unknown> {
  const hours = hoursSince(message.lastInboundAt, now);
  // Unknown (no stored conversation time): send as a response and let the platform judge.
  let messaging: Record<string, string> = { messaging_type: 'RESPONSE' };
  if (hours !== undefined && hours > replyWindowHours) {
    if (message.sender === 'agent' && hours <= humanAgentWindowHours) messaging = { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' };
    else throw outsideWindow(message, hours);
  }
  return {
    recipient: { id: message.address.user },
    ...messaging,
    message: {
      text: message.text,
      ...(message.choices?.length ? { quick_replies: message.choices.map((c) => ({ content_type: 'text', title: c.label, payload: c.id })) } : {}),
    },
  };
}

function outsideWindow(message: OutboundMessage, hours: number): ChannelApiError {
  const ago = hours < 48 ? `${Math.floor(hours)} hours` : `${Math.floor(hours / 24)} days`;
  const rule =
    message.sender === 'agent'
      ? `a human agent may reply with the HUMAN_AGENT tag only within 7 days`
      : `outside the 24-hour window only a human agent may reply (HUMAN_AGENT tag, within 7 days)`;
  return new ChannelApiError({
    message: `not sent: the contact last wrote ${ago} ago, and on Messenger ${rule}`,
    platformCode: 'outside_window',
    retryable: false,
  });
}

/** The Page's credentials on a Send API call; appsecret_proof: Graph refuses calls without it when the app requires it ("Require App Secret"). */
function pageAuth(account: MessengerAccountConfig): { query: Record<string, string> } {
  return {
    query: { access_token: account.pageAccessToken, appsecret_proof: createHmac('sha256', account.appSecret).update(account.pageAccessToken).digest('hex') },
  };
}

/** Sends one reply; returns the message id (`mid`) Messenger gave it. */
export async function sendReply(account: MessengerAccountConfig, message: OutboundMessage): Promise<string | undefined> {
  const answer = await graphPost<{ recipient_id?: string; message_id?: string }>(account, 'me/messages', renderSend(message), pageAuth(account));
  return answer.message_id;
}

/**
 * Shows the typing bubble (a sender action: https://developers.facebook.com/docs/messenger-platform/send-messages/sender-actions);
 * Messenger hides it after 20 seconds or when the next message arrives. Outside the 24-hour window the platform refuses it.
 */
export async function sendTyping(account: MessengerAccountConfig, user: string): Promise<void> {
  await graphPost(account, 'me/messages', { recipient: { id: user }, sender_action: 'typing_on' }, pageAuth(account));
}
