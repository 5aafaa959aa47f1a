/**
 * The normalized message model: every channel's events become an
 * {@link InboundMessage}; every reply leaves as an {@link OutboundMessage}.
 * No platform payload crosses this boundary.
 */

/** Where a message comes from or goes to. One open conversation per address. */
export interface Address {
  workspace: string;
  channel: string;
  /** The channel account (a bot, a page, a phone number, an API client) within the workspace. */
  account: string;
  /** The platform's id of the person on the other end. */
  user: string;
}

export interface Choice {
  /** Stable id sent back when the user picks it. */
  id: string;
  label: string;
}

/** A file the contact sent; the bytes stay on the platform until fetched (`ref` is the platform's handle). */
export interface MediaRef {
  kind: 'image' | 'document' | 'audio' | 'video' | 'sticker' | 'other';
  /** The platform's id or URL of the file. */
  ref: string;
  mimeType?: string;
  name?: string;
}

/** One field of a form a channel can show whole (capabilities.forms); other channels ask field by field. */
export interface FormField {
  name: string;
  label: string;
  type: 'text' | 'email' | 'phone' | 'number' | 'date' | 'choice';
  required: boolean;
  options?: Choice[];
}

export interface FormSpec {
  /** The flow's form id (or `prechat`, `offline` for the widget's own forms). */
  id: string;
  title?: string;
  fields: FormField[];
  /** An unticked checkbox asking for this purpose (e.g. marketing); `text` is what the contact sees. */
  consent?: { purpose: string; text: string };
}

export type InboundContent =
  | { type: 'text'; text: string }
  | { type: 'choice'; choiceId: string; text?: string }
  | { type: 'media'; media: MediaRef; text?: string }
  /** A whole form submitted at once (channels with capabilities.forms). */
  | {
      type: 'form';
      form: string;
      fields: Record<string, string>;
      consent?: { purpose: string; granted: boolean; text: string; /** The configured version of `text`, if it has one. */ version?: string };
    };

export interface Profile {
  name?: string;
  locale?: string;
}

export interface InboundMessage {
  /** The platform's id of this message; the dedupe key together with the address's channel and account. */
  platformId: string;
  address: Address;
  /** ISO time the hub received it. */
  receivedAt: string;
  content: InboundContent;
  profile?: Profile;
  /** Set when this is an edit of an earlier message (its platform id); stored as a new message. */
  editOf?: string;
  /** What the hub removed from the text as it arrived (`card`, or a workspace pattern's name); never the values. */
  redacted?: string[];
  /**
   * Written by the business to the contact (`address.user`) from its own device or inbox, not
   * through the hub: a platform's echo (a Messenger echo of another app, a WhatsApp Web `fromMe`
   * the hub did not send). People have the conversation from then on; see core/turn/steps/business-echo.ts.
   */
  fromBusiness?: true;
}

export type Sender = 'bot' | 'agent' | 'system';

export interface OutboundMessage {
  /** Our id; stable across retries, so receivers can drop duplicates. */
  id: string;
  conversationId: string;
  /** Position in the conversation (see core/history.ts), so clients that also load history can order and merge. */
  order: number;
  /** When the reply was stored (ISO). */
  createdAt: string;
  address: Address;
  text: string;
  choices?: Choice[];
  /** A form to show whole; only sent to channels whose capabilities.forms is true. */
  form?: FormSpec;
  /** Platform id of the inbound message this answers, if any. */
  inReplyTo?: string;
  sender: Sender;
  /** An agent's display name, for channels that show who wrote (the widget). */
  senderName?: string;
  /**
   * When the contact last wrote (ISO), for channels with a reply window
   * (capabilities.replyWindowHours): the adapter decides between a normal reply,
   * a tagged one, or a permanent {@link ChannelApiError}.
   */
  lastInboundAt?: string;
  /**
   * The conversation's status once this reply's turn is stored (`closed`: the conversation just
   * ended), when the sender knows it; absent: adapters that show it read it.
   */
  conversationStatus?: 'bot' | 'waiting' | 'agent' | 'closed';
}

/** A delivery report from a platform (e.g. WhatsApp `statuses[]`) about a reply we sent. */
export interface DeliveryStatus {
  workspace: string;
  channel: string;
  account: string;
  /** The platform's id of the delivered message (what `send` returned as platformId). */
  platformId: string;
  status: 'delivered' | 'read' | 'failed';
  at: string;
  error?: { message: string; platformCode?: string };
}

/** A stable text key for an address (hashed into its mailbox key). */
export function addressKey(a: Address): string {
  return [a.workspace, a.channel, a.account, a.user].map(encodeURIComponent).join('/');
}
