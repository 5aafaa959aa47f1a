import type { z } from 'zod';
import type { AccountState, AdapterContext, ChannelAccount, ChannelCapabilities, LinkEvents, SendResult, TypingTarget } from '../../core/adapter.js';
import type { OutboundMessage } from '../../core/message.js';

/**
 * One `whatsapp` channel, two ways to reach WhatsApp: the official Cloud API
 * (`transport: cloud`, adapters/whatsapp/cloud/) and WhatsApp Web linked by QR
 * (`transport: web`, adapters/whatsapp/web/). Each account picks one; the
 * channel's adapter (index.ts) hands each account to its transport.
 */
export interface WhatsAppTransport {
  readonly capabilities: ChannelCapabilities;
  /** Mount webhooks or start the client; messages go to `ctx.receive`, delivery reports to `ctx.statuses`. */
  start(ctx: AdapterContext): Promise<void>;
  send(message: OutboundMessage): Promise<SendResult>;
  /** Only on transports whose `capabilities.typing` is true. */
  typing?(target: TypingTarget): Promise<void>;
  stop(): Promise<void>;
  accountState?(account: string): Promise<AccountState>;
  link?(account: string, events: LinkEvents): Promise<'linked' | 'already linked'>;
}

export interface WhatsAppTransportDefinition<S extends z.ZodType> {
  /** Schema of one account using this transport (with `transport: z.literal(...)`). */
  schema: S;
  capabilities: ChannelCapabilities;
  /** Builds the transport serving all of these accounts (all of them use this transport). */
  create: (accounts: ChannelAccount<z.output<S>>[]) => WhatsAppTransport;
}
