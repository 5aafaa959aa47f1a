import type { Logger } from 'pino';
import { ChannelApiError } from '../../../core/errors.js';
import type { DeliveryStatus, InboundMessage } from '../../../core/message.js';
import type { WebClient, WebClientFactory } from './client.js';
import type { WebAccountConfig } from './config.js';
import { parseAck, parseMessageEvent, sentByThisNumber } from './inbound.js';
import { OwnSends } from './own-sends.js';
import type { GridFsSessionStore } from './session-store.js';
import { SessionKeyError, sessionKeyVariable } from './session-cipher.js';

export interface WebSessionOptions {
  workspace: string;
  account: string;
  config: WebAccountConfig;
  factory: WebClientFactory;
  store: GridFsSessionStore;
  logger: Logger;
  receive(message: InboundMessage): Promise<void>;
  statuses(updates: DeliveryStatus[]): Promise<void>;
  /** The number is not (or no longer) linked: no retry helps until `whatsapp login` saves a new session. */
  unlinked(): void;
}

export type WebSessionState = 'starting' | 'ready' | 'reconnecting' | 'unlinked' | 'stopped';

/** Replies already handed to WhatsApp, by our id: a retry after a lost answer must not send twice. */
const rememberedSends = 1000;

/**
 * One account's WhatsApp Web client in the process that holds it: starts it, answers its
 * events, and brings it back. A dropped connection is re-initialized with a doubling backoff;
 * a number that is not (or no longer) linked (`qr`, `auth_failure`, `LOGOUT`) is not retried:
 * the session reports itself `unlinked` (see holder.ts).
 */
export class WebSession {
  state: WebSessionState = 'starting';
  private client: WebClient | undefined;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly sent = new Map<string, string>();
  /** What this session sent, so a `fromMe` message it did not send is known for the business's own. */
  private readonly own = new OwnSends();
  private readonly log: Logger;
  private closed = false;

  constructor(private readonly o: WebSessionOptions) {
    this.log = o.logger.child({ account: o.account, transport: 'web' });
  }

  async open(): Promise<void> {
    await this.connect();
  }

  /** Sends one text; a session that is not ready is a retryable failure (the queue backs off). */
  async send(chatId: string, text: string, messageId: string): Promise<string> {
    const known = this.sent.get(messageId);
    if (known) return known;
    const client = this.readyClient();
    let platformId: string;
    try {
      platformId = await this.own.track(() => client.sendMessage(chatId, text));
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      // whatsapp-web.js rejects a malformed chat id with "wid error: invalid wid"; no retry fixes that.
      const invalid = /invalid wid/i.test(message);
      throw new ChannelApiError({
        message: `WhatsApp Web refused the message: ${message}`,
        platformCode: invalid ? 'INVALID_WID' : undefined,
        retryable: !invalid,
      });
    }
    this.sent.set(messageId, platformId);
    if (this.sent.size > rememberedSends) this.sent.delete(this.sent.keys().next().value!);
    return platformId;
  }

  /** Shows "typing…" in the chat; a session that is not ready fails (nobody retries an indicator). */
  async typing(chatId: string): Promise<void> {
    const client = this.readyClient();
    try {
      await client.sendStateTyping(chatId);
    } catch (err) {
      throw new ChannelApiError({ message: `WhatsApp Web refused the typing state: ${(err as Error).message}`, retryable: false });
    }
  }

  private readyClient(): WebClient {
    const client = this.client;
    if (this.state !== 'ready' || !client) {
      throw new ChannelApiError({
        message: `the WhatsApp Web session of "${this.o.account}" is not ready (${this.state})`,
        platformCode: 'SESSION_NOT_READY',
        retryable: true,
      });
    }
    return client;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.state = 'stopped';
    clearTimeout(this.timer);
    await this.teardown();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    this.state = 'starting';
    let client: WebClient;
    try {
      client = await this.o.factory({ account: this.o.account, config: this.o.config, store: this.o.store, logger: this.log });
    } catch (err) {
      this.log.error({ err }, 'WhatsApp Web client could not be created');
      return this.reconnectLater();
    }
    if (this.closed) return void (await client.destroy().catch(() => undefined));
    this.client = client;
    // Events of a client we already replaced or closed are ignored.
    const current = () => this.client === client && !this.closed;
    client.on('authenticated', () => current() && this.log.info('WhatsApp Web session restored'));
    client.on('ready', () => {
      if (!current()) return;
      this.state = 'ready';
      this.attempt = 0;
      this.log.info('WhatsApp Web client ready');
    });
    client.on('qr', () => {
      if (!current()) return;
      this.log.error(`WhatsApp number of account "${this.o.account}" is not linked: run \`switchboard whatsapp login ${this.o.account}\``);
      void this.waitForLogin();
    });
    client.on('auth_failure', (reason) => {
      if (!current()) return;
      this.log.error({ reason }, `WhatsApp Web refused the stored session: run \`switchboard whatsapp login ${this.o.account}\``);
      void this.waitForLogin();
    });
    client.on('disconnected', (reason) => {
      if (!current()) return;
      if (reason === 'LOGOUT') {
        this.log.error(`WhatsApp number of account "${this.o.account}" was logged out on the phone: run \`switchboard whatsapp login ${this.o.account}\``);
        void this.waitForLogin();
      } else {
        this.log.warn({ reason }, 'WhatsApp Web disconnected; reconnecting');
        void this.reconnect();
      }
    });
    // A contact's message comes as `message` (and `message_create`); one of this number's only as `message_create`.
    client.on('message', (raw) => {
      if (current() && !sentByThisNumber(raw)) void this.inbound(raw);
    });
    client.on('message_create', (raw) => {
      if (current() && sentByThisNumber(raw)) void this.inbound(raw);
    });
    client.on('message_ack', (raw, ack) => {
      const status = current() ? parseAck(raw, ack, this.o) : undefined;
      if (status) this.o.statuses([status]).catch((err: unknown) => this.log.warn({ err }, 'delivery report not recorded'));
    });
    client.on('remote_session_saved', () => current() && this.log.info('WhatsApp Web session saved to MongoDB'));
    try {
      await client.initialize();
    } catch (err) {
      if (!current()) return;
      // The stored session cannot be opened with the configured key: no retry helps, and it stays stored for the right key.
      if (err instanceof SessionKeyError) {
        this.log.error(
          { reason: err.message },
          `WhatsApp Web session not restored: fix ${sessionKeyVariable} or run \`switchboard whatsapp login ${this.o.account}\``,
        );
        return void (await this.waitForLogin());
      }
      this.log.warn({ err }, 'WhatsApp Web client failed to start; retrying');
      await this.reconnect();
    }
  }

  private async inbound(raw: unknown): Promise<void> {
    const event = parseMessageEvent(raw, this.o);
    if (event.kind === 'invalid') return void this.log.warn({ reason: event.reason }, 'WhatsApp Web message event without the expected fields; skipped');
    if (event.kind === 'skipped') return void this.log.debug({ reason: event.reason }, 'WhatsApp Web message skipped');
    // The hub's own reply; any other message of this number is someone at the business writing from the phone.
    if (event.message.fromBusiness && (await this.own.sentHere(event.message.platformId))) return;
    // WhatsApp Web does not deliver an event twice: retry queueing a little before giving up on it.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.o.receive(event.message);
      } catch (err) {
        if (attempt >= 3) return void this.log.error({ err, account: this.o.account }, 'WhatsApp Web message could not be queued; lost');
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  }

  private async reconnect(): Promise<void> {
    await this.teardown();
    this.reconnectLater();
  }

  private reconnectLater(): void {
    if (this.closed) return;
    this.state = 'reconnecting';
    const { minMs, maxMs } = this.o.config.reconnect;
    const delay = Math.min(maxMs, minMs * 2 ** this.attempt++);
    this.timer = setTimeout(() => void this.connect(), delay);
  }

  /** Stops the client and hands over: the holder lets the account go until a new login is saved. */
  private async waitForLogin(): Promise<void> {
    await this.teardown();
    if (this.closed) return;
    this.state = 'unlinked';
    this.o.unlinked();
  }

  private async teardown(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (this.state === 'ready') this.state = 'starting';
    await client?.destroy().catch((err: unknown) => this.log.warn({ err }, 'WhatsApp Web client did not close cleanly'));
  }
}
