import type { IncomingMessage } from 'node:http';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ConsentInput } from './consent.js';
import type { HistoryEntry } from './history.js';
import type { Address, DeliveryStatus, InboundMessage, OutboundMessage } from './message.js';
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
  /**
   * The channel's client shows the data-processing notice itself (the widget, on first open)
   * and records it through {@link AdapterContext.consent}; otherwise the router sends it as the
   * first reply to a new contact.
   */
  showsNotice?: boolean;
  /**
   * Default outbound limits of one account on this platform (an account's config may lower them
   * with `rateLimit`); the outbound queue delays replies instead of letting the platform refuse them.
   */
  outboundRate?: { perSecond: number; perChatPerSecond?: number };
  /**
   * The platform reports delivery and reading of our replies (through `AdapterContext.statuses`):
   * delivery then records which platform id belongs to which reply. Other channels skip that write.
   */
  deliveryReports?: boolean;
}

/** One configured account of a channel, with the workspace that owns it. */
export interface ChannelAccount<C = unknown> {
  workspace: WorkspaceConfig;
  account: string;
  config: C;
}

/**
 * Whose chat a typing indicator is about: the contact's address, as a reply carries it
 * (`OutboundMessage.address`, whose `account` is the channel account that shows it).
 */
export interface TypingTarget {
  address: Address;
}

export interface AdapterContext {
  logger: Logger;
  /** Present in processes that serve HTTP (role `web` or `all`). */
  http?: HttpRouter;
  /** Durably queue verified, normalized messages. Resolves once they are queued. */
  receive(messages: InboundMessage[]): Promise<void>;
  /** Record platform delivery reports on the replies they concern (unknown ids are ignored). */
  statuses(updates: DeliveryStatus[]): Promise<void>;
  /** Append a consent event to the ledger (e.g. the widget's notice and marketing checkbox). */
  consent(event: ConsentInput): Promise<void>;
  /**
   * The messages of the address's open conversation after position `after` (a message's
   * `order`), oldest first: what a client that reconnects has missed.
   */
  history(address: Address, options?: { after?: number; limit?: number }): Promise<HistoryEntry[]>;
  /** The address's open conversation, if any: its id and status (`waiting` after a handoff). */
  conversation(address: Address): Promise<{ id: string; status: 'bot' | 'waiting' | 'agent' | 'closed' } | undefined>;
  /**
   * Where the address's conversation stands in its team's queue while it waits for people:
   * `position` (1 = next), and `offline` when nobody will answer soon (closed hours, or nobody of
   * the team online), so the channel offers to leave a message instead. Undefined when not waiting.
   */
  queue(address: Address): Promise<QueuePlace | undefined>;
  /**
   * E-mails the address's open conversation to `to`, as the contact asked from the channel's own
   * client (the widget's menu); `key` makes a repeated request one e-mail. `invalid`: not an
   * e-mail address; `unavailable`: the workspace sends no e-mail, or there is no conversation yet.
   */
  transcript(at: { address: Address; to: string; key: string }): Promise<'queued' | 'invalid' | 'unavailable'>;
  /**
   * A new Redis connection (e.g. for pub/sub between hub processes: a reply produced by a worker
   * of one process reaching a WebSocket held by another). The adapter closes it in `stop`.
   */
  redis(): Redis;
  /** Prefix for the adapter's own Redis keys and channels (the hub's `redis.prefix`). */
  keyPrefix: string;
  /**
   * The client's address of a request or upgrade, behind the configured `server.trustProxy`
   * proxies (core/http/client-address.ts): what per-client limits count by. Personal data: hash
   * it before it reaches a key or a log line.
   */
  clientAddress(req: IncomingMessage): string;
  /**
   * The hub's `server.host`: whether it is reachable beyond this machine decides what an adapter
   * may keep less protected (WhatsApp Web refuses unencrypted sessions beyond loopback).
   * Undefined in contexts built in code (tests).
   */
  serverHost?: string;
  /**
   * The contact is typing (the widget's `typing` frame, a Bot Framework `typing` activity): the
   * agents' consoles showing their open conversation say so for a few seconds. Nothing is stored.
   */
  typing(target: TypingTarget): Promise<void>;
}

export interface QueuePlace {
  position: number;
  offline: boolean;
  /** A rough wait: the team's median time to a first reply lately, in minutes (none until there are a few). */
  waitMinutes?: number;
}

/** What the admins' channels page says of one account, as far as its platform tells (core/http/channel-routes.ts). */
export interface AccountState {
  /** How updates arrive: `webhook` (with whether the platform has ours registered, when it can be asked), `polling`, or `socket`. */
  intake?: { mode: 'webhook' | 'polling' | 'socket'; registered?: boolean; detail?: string };
  /** A linked-device session (WhatsApp Web): saved or not, and how it runs. */
  session?: { linked: boolean; state?: string };
}

/** What linking by QR reports while it runs (WhatsApp Web from the console). */
export interface LinkEvents {
  /** A code to scan; a newer one replaces it every 20 s or so. */
  qr(code: string): void;
  /** The admin left: stop. */
  signal: AbortSignal;
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
  /**
   * Where accounts of one channel differ (WhatsApp through the Cloud API or WhatsApp Web),
   * the capabilities of one account; `capabilities` is then the channel's default.
   */
  capabilitiesFor?(account: string): ChannelCapabilities;
  start(ctx: AdapterContext): Promise<void>;
  /** Deliver one reply; throw {@link ChannelApiError} to say whether a retry can help. */
  send(message: OutboundMessage): Promise<SendResult>;
  /**
   * Shows the contact that someone (an agent in the console) is typing, on channels whose
   * `capabilities.typing` says they can. Best effort: called once, never queued or retried; a
   * failure is only logged by the caller.
   */
  typing?(target: TypingTarget): Promise<void>;
  stop(): Promise<void>;
  /** The account's state for the admins' channels page (webhook registered, session linked); never throws for a platform that is down. */
  accountState?(account: string): Promise<AccountState>;
  /** Links the account by QR code (WhatsApp Web), as `switchboard whatsapp login` does; resolves once the session is saved. */
  link?(account: string, events: LinkEvents): Promise<'linked' | 'already linked'>;
}

/** Builds the adapter of one channel from all accounts of that channel in the config. */
export type AdapterFactory<C = unknown> = (accounts: ChannelAccount<C>[]) => ChannelAdapter;
