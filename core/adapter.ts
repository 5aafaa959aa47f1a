import type { Logger } from 'pino';
import type { InboundMessage, OutboundMessage } from './message.js';
import type { HttpRouter } from './http/router.js';
import type { WorkspaceConfig } from './config/schema.js';

/** What a channel can show, declared as data so the core can degrade gracefully. */
export interface ChannelCapabilities {
  maxTextLength: number;
  /** 0 when the channel has no buttons; choices then fall back to numbered text. */
  maxChoices: number;
  maxChoiceLabelLength: number;
  forms: boolean;
  typing: boolean;
  media: boolean;
  /** Hours after the user's last message during which free replies are allowed; undefined = no window. */
  replyWindowHours?: number;
}

/** One configured account of a channel, with the workspace that owns it. */
export interface ChannelAccount<C = unknown> {
  workspace: WorkspaceConfig;
  account: string;
  config: C;
}

export interface AdapterContext {
  logger: Logger;
  /** Present in processes that serve HTTP (role `web` or `all`). */
  http?: HttpRouter;
  /** Durably queue verified, normalized messages. Resolves once they are queued. */
  receive(messages: InboundMessage[]): Promise<void>;
}

export interface SendResult {
  /** The platform's id for the delivered message, when it gives one. */
  platformId?: string;
}

/**
 * The contract every channel implements. Small on purpose: verifying and
 * normalizing inbound events, rendering and delivering outbound ones.
 */
export interface ChannelAdapter {
  readonly channel: string;
  readonly capabilities: ChannelCapabilities;
  start(ctx: AdapterContext): Promise<void>;
  /** Deliver one reply; throw {@link ChannelApiError} to say whether a retry can help. */
  send(message: OutboundMessage): Promise<SendResult>;
  stop(): Promise<void>;
}

/** Builds the adapter of one channel from all accounts of that channel in the config. */
export type AdapterFactory = (accounts: ChannelAccount[]) => ChannelAdapter;
