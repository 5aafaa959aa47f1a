import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { WebClient, WebClientEvents, WebClientFactory, WebClientOptions } from '../../../adapters/whatsapp/web/client.js';

/**
 * How a fake client behaves when initialized, as whatsapp-web.js would with or without a usable
 * session; `manual` waits for the test to call `becomeReady()`.
 */
export type StartMode = 'ready' | 'qr' | 'auth_failure' | 'throw' | 'manual';

/** One message a fake client sent. */
export interface SentMessage {
  account: string;
  chatId: string;
  text: string;
  id: string;
}

/**
 * WhatsApp Web as the transport sees it: a factory of clients that emit the events
 * whatsapp-web.js emits, with message objects shaped like its `Message` (id, from, body,
 * type, `_data.notifyName`). No browser is ever launched.
 */
export class FakeWhatsApp {
  readonly clients: FakeClient[] = [];
  readonly sent: SentMessage[] = [];
  /** Chats the fake clients showed "typing…" in, in order. */
  readonly typing: { account: string; chatId: string }[] = [];
  /** Start modes for the next clients to initialize, in order; `ready` once it is empty. */
  readonly nextStarts: StartMode[] = [];

  readonly factory: WebClientFactory = async (options) => {
    const client = new FakeClient(this, options);
    this.clients.push(client);
    return client;
  };

  /** The newest client of `account` that is not destroyed. */
  live(account: string): FakeClient | undefined {
    return this.clients.filter((c) => c.account === account && !c.destroyed).at(-1);
  }

  /** A one-to-one text from `from`, as whatsapp-web.js reports it: `message_create`, then `message`. */
  incoming(account: string, m: { from: string; id: string; text: string; name?: string }): void {
    const client = this.ready(account);
    const event = messageEvent(m);
    client.emit('message_create', event);
    client.emit('message', event);
  }

  /** Someone at the business types to `to` on the phone: reported as `message_create` only, `fromMe`. */
  fromPhone(account: string, m: { to: string; id: string; text: string }): void {
    this.ready(account).emit('message_create', messageEvent({ ...m, from: fakeNumber, fromMe: true }));
  }

  private ready(account: string): FakeClient {
    const client = this.live(account);
    if (!client?.ready) throw new Error(`no ready fake WhatsApp client for "${account}"`);
    return client;
  }
}

/** The linked number of every fake client. */
export const fakeNumber = '420777000111@c.us';

/** A whatsapp-web.js `Message`; one of this number's (`fromMe`) goes to `to`, and its id names that chat. */
export function messageEvent(m: {
  from: string;
  to?: string;
  id: string;
  text: string;
  name?: string;
  type?: string;
  fromMe?: boolean;
}): Record<string, unknown> {
  const fromMe = m.fromMe ?? false;
  const to = m.to ?? fakeNumber;
  const remote = fromMe ? to : m.from;
  return {
    id: { fromMe, remote, id: m.id, _serialized: `${fromMe}_${remote}_${m.id}` },
    from: m.from,
    to,
    body: m.text,
    type: m.type ?? 'chat',
    timestamp: Math.floor(Date.now() / 1000),
    fromMe,
    hasMedia: false,
    isStatus: false,
    broadcast: false,
    _data: { notifyName: m.name },
  };
}

export class FakeClient extends EventEmitter implements WebClient {
  readonly account: string;
  ready = false;
  destroyed = false;
  initialized = false;

  constructor(
    private readonly fake: FakeWhatsApp,
    readonly options: WebClientOptions,
  ) {
    super();
    this.account = options.account;
  }

  override on<E extends keyof WebClientEvents>(event: E, listener: (...args: WebClientEvents[E]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override emit<E extends keyof WebClientEvents>(event: E, ...args: WebClientEvents[E]): boolean {
    return super.emit(event, ...args);
  }

  async initialize(): Promise<void> {
    this.initialized = true;
    const mode = this.fake.nextStarts.shift() ?? 'ready';
    if (mode === 'throw') throw new Error('Failed to launch the browser process');
    // whatsapp-web.js emits these after initialize() has set up the page.
    setImmediate(() => {
      if (this.destroyed) return;
      if (mode === 'qr') this.emit('qr', `2@${randomBytes(16).toString('base64')},fake-key,fake-identity`);
      else if (mode === 'auth_failure') this.emit('auth_failure', 'Unable to log in. Are the session details valid?');
      else if (mode === 'ready') this.becomeReady();
    });
  }

  becomeReady(): void {
    this.emit('authenticated');
    this.ready = true;
    this.emit('ready');
  }

  async sendMessage(chatId: string, text: string): Promise<{ id: { _serialized: string } }> {
    if (this.destroyed || !this.ready) throw new Error('Session closed. Most likely the page has been closed.');
    const message = messageEvent({ from: fakeNumber, to: chatId, id: `3EB0${randomBytes(8).toString('hex').toUpperCase()}`, text, fromMe: true });
    const id = (message.id as { _serialized: string })._serialized;
    this.fake.sent.push({ account: this.account, chatId, text, id });
    // whatsapp-web.js may report the new message before sendMessage resolves with it.
    this.emit('message_create', message);
    return { id: { _serialized: id } };
  }

  async sendStateTyping(chatId: string): Promise<void> {
    if (this.destroyed || !this.ready) throw new Error('Session closed. Most likely the page has been closed.');
    this.fake.typing.push({ account: this.account, chatId });
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    this.ready = false;
  }
}
