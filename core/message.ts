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

export type InboundContent =
  | { type: 'text'; text: string }
  | { type: 'choice'; choiceId: string; text?: string };

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
}

export type Sender = 'bot' | 'agent' | 'system';

export interface OutboundMessage {
  /** Our id; stable across retries, so receivers can drop duplicates. */
  id: string;
  conversationId: string;
  address: Address;
  text: string;
  choices?: Choice[];
  /** Platform id of the inbound message this answers, if any. */
  inReplyTo?: string;
  sender: Sender;
}

/** A stable text key for an address, e.g. for sharding and logs. */
export function addressKey(a: Address): string {
  return [a.workspace, a.channel, a.account, a.user].map(encodeURIComponent).join('/');
}
