import type { Logger } from 'pino';
import type { WebAccountConfig } from './config.js';
import type { GridFsSessionStore } from './session-store.js';

/**
 * The events of a whatsapp-web.js `Client` the transport listens to. Message payloads are
 * `unknown`: they come from a scraped web page and are validated before use (see inbound.ts).
 */
export interface WebClientEvents {
  qr: [qr: string];
  authenticated: [];
  ready: [];
  /** A message from a contact. */
  message: [message: unknown];
  /** Any new message, also those this number sends (`fromMe`: the hub's replies and what people type on the phone). */
  message_create: [message: unknown];
  /** A sent message's acknowledgement changed (1 server, 2 device, 3 read, -1 error). */
  message_ack: [message: unknown, ack: number];
  /** A WAState (`CONFLICT`, `UNPAIRED`, ...) or `LOGOUT`. */
  disconnected: [reason: string];
  auth_failure: [message: string];
  remote_session_saved: [];
}

/** What the transport needs of a whatsapp-web.js `Client`; tests put a fake behind it. */
export interface WebClient {
  on<E extends keyof WebClientEvents>(event: E, listener: (...args: WebClientEvents[E]) => void): unknown;
  initialize(): Promise<void>;
  /** Resolves to the sent message; its `id._serialized` is what delivery acks refer to. */
  sendMessage(chatId: string, text: string): Promise<{ id: { _serialized: string } }>;
  /** "typing…" in the chat for about 25 seconds, or until the next message (whatsapp-web.js `Chat.sendStateTyping`). */
  sendStateTyping(chatId: string): Promise<void>;
  destroy(): Promise<void>;
}

export interface WebClientOptions {
  account: string;
  config: WebAccountConfig;
  store: GridFsSessionStore;
  logger: Logger;
}

/** Builds the client of one account (the real one launches Chromium; see real-client.ts). */
export type WebClientFactory = (options: WebClientOptions) => Promise<WebClient>;
