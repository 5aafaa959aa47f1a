/**
 * Replies through the Cloud API's messages endpoint
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages): text up to 4096
 * characters; choices as reply buttons (up to 3, titles up to 20, body up to 1024;
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-reply-buttons-messages)
 * or a list (up to 10 rows, row titles up to 24, body up to 4096;
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-list-messages).
 */
import { ChannelApiError } from '../../../core/errors.js';
import type { Choice, OutboundMessage } from '../../../core/message.js';
import { graphPost } from '../../meta/graph.js';
import { hoursSince } from '../../meta/window.js';
import type { CloudAccountConfig } from './config.js';

/** The customer-service window (https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-messages#customer-service-windows). */
export const serviceWindowHours = 24;

const limits = { text: 4096, buttons: 3, buttonTitle: 20, buttonId: 256, buttonBody: 1024, rows: 10, rowTitle: 24, rowId: 200, listBody: 4096 };

/** The message object of one reply (without `messaging_product` and `to`). */
function renderContent(message: OutboundMessage, listButton: string): Record<string, unknown> {
  const choices = message.choices ?? [];
  const chars = (s: string) => [...s].length;
  const fits = (max: number, title: number, id: number, body: number) =>
    choices.length <= max && choices.every((c) => chars(c.label) <= title && c.id.length <= id) && chars(message.text) <= body && message.text.trim() !== '';
  if (choices.length && fits(limits.buttons, limits.buttonTitle, limits.buttonId, limits.buttonBody)) {
    return {
      type: 'interactive',
      interactive: {
        type: 'button',
        body: { text: message.text },
        action: { buttons: choices.map((c) => ({ type: 'reply', reply: { id: c.id, title: c.label } })) },
      },
    };
  }
  if (choices.length && fits(limits.rows, limits.rowTitle, limits.rowId, limits.listBody)) {
    return {
      type: 'interactive',
      interactive: {
        type: 'list',
        body: { text: message.text },
        action: { button: listButton, sections: [{ rows: choices.map((c) => ({ id: c.id, title: c.label })) }] },
      },
    };
  }
  // Choices WhatsApp cannot show as buttons go as a numbered list; the flow engine takes "2" or the label.
  return { type: 'text', text: { body: choices.length ? withNumbers(message.text, choices) : message.text, preview_url: false } };
}

/** The text with the numbered choices after it; the text is shortened (the choices never) so the whole stays within 4096. */
function withNumbers(text: string, choices: Choice[]): string {
  const list = `\n\n${choices.map((c, i) => `${i + 1}. ${c.label}`).join('\n')}`;
  const room = limits.text - [...list].length;
  const chars = [...text];
  return `${chars.length <= room ? text : `${chars.slice(0, Math.max(0, room - 1)).join('')}…`}${list}`;
}

/** What one account's sends need besides its config: at most one reopen template per contact and day. */
export interface ReopenGuard {
  /**
   * Reserves this contact's reopen template for the next 24 hours; false when it is already
   * reserved. Claimed before sending, so a retry after a lost answer cannot send it twice.
   */
  claim(account: string, user: string): Promise<boolean>;
  /** Gives the reservation back (the template was not sent). */
  release(account: string, user: string): Promise<void>;
}

/** Sends one reply; returns its WhatsApp message id (`wamid…`), which delivery statuses refer to. */
export async function sendReply(account: CloudAccountConfig, message: OutboundMessage, reopen: ReopenGuard): Promise<string | undefined> {
  const hours = hoursSince(message.lastInboundAt);
  if (hours !== undefined && hours > serviceWindowHours) {
    const template = account.templates?.reopen;
    const ago = hours < 48 ? `${Math.floor(hours)} hours` : `${Math.floor(hours / 24)} days`;
    let what = 'outside it WhatsApp only delivers approved templates, and no "templates.reopen" is configured for this account';
    if (template && message.sender === 'agent') {
      if (await reopen.claim(account.account, message.address.user)) {
        try {
          await post(account, message.address.user, { type: 'template', template: { name: template.name, language: { code: template.language } } });
        } catch (err) {
          await reopen.release(account.account, message.address.user).catch(() => undefined);
          throw err; // the agent's reply is retried (or fails) as Graph's error says, and the template with it
        }
      }
      what = `the approved template "${template.name}" was sent instead, inviting the contact to write again; send this reply once they have`;
    } else if (template) {
      what = `outside it only agents' replies are replaced by the "${template.name}" template (this one is from the ${message.sender})`;
    }
    throw new ChannelApiError({
      message: `not sent: the contact last wrote ${ago} ago, outside WhatsApp's 24-hour customer-service window; ${what}`,
      platformCode: 'outside_window',
      retryable: false,
    });
  }
  return post(account, message.address.user, renderContent(message, account.listButton));
}

async function post(account: CloudAccountConfig, to: string, content: Record<string, unknown>): Promise<string | undefined> {
  const answer = await graphPost<{ messages?: { id?: string }[] }>(
    account,
    `${account.phoneNumberId}/messages`,
    { messaging_product: 'whatsapp', recipient_type: 'individual', to, ...content },
    { headers: { authorization: `Bearer ${account.accessToken}` } },
  );
  return answer.messages?.[0]?.id;
}
