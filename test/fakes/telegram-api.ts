/**
 * A fake Telegram Bot API server on 127.0.0.1, built from the documented payloads
 * (https://core.telegram.org/bots/api): the methods the hub calls, answered as Telegram
 * answers them, with Telegram's refusals for what it would refuse (empty or too long text,
 * callback_data over 64 bytes, a bad secret_token). Every request body is recorded, so tests
 * assert exactly what Telegram would have received. It also plays Telegram's side of updates:
 * to the webhook registered with setWebhook (with the secret header), or to getUpdates.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Message, Update, UserFromGetMe } from 'grammy/types';

export interface ApiCall {
  method: string;
  body: Record<string, unknown>;
  /** When the call arrived (Date.now()), e.g. to check a retry_after was waited out. */
  at: number;
  /** The fake answered with an error (an injected failure or a refusal). */
  refused?: { error_code: number; description: string };
}

/** A failure the next call of a method gets, as Telegram words it. */
export type Failure = { code: 429; retryAfter: number } | { code: 403 } | { code: 400; description?: string } | { code: 500 };

interface KeyboardButton {
  text: string;
  callback_data?: string;
}

export const fakeBotInfo: UserFromGetMe = {
  id: 7000001,
  is_bot: true,
  first_name: 'Switchboard Test Bot',
  username: 'switchboard_test_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
} as UserFromGetMe;

export interface FakeTelegramOptions {
  /** Every Bot API call is answered after this many ms (a real platform's round trip; benchmarks). Default 0. */
  latencyMs?: number;
}

export class FakeTelegram {
  readonly calls: ApiCall[] = [];
  /** Messages as sendMessage returned them (what a later callback_query carries as `message`). */
  readonly messages: Message[] = [];
  /** Called with each message Telegram accepted (benchmarks time replies with it). */
  onMessage: ((message: Message) => void) | undefined;
  webhook: { url: string; secret_token?: string; allowed_updates?: string[] } | undefined;
  /** Updates waiting for getUpdates (confirmed ones are dropped). */
  readonly pending: Update[] = [];
  private readonly failures: { method: string; failure: Failure; when?: (body: Record<string, unknown>) => boolean }[] = [];
  private readonly nextMessageId = new Map<string, number>();
  private poll: { res: ServerResponse; timer: NodeJS.Timeout; limit: number } | undefined;
  private server: Server | undefined;
  url = '';

  /** Every Bot API call is answered after this many ms (may be changed between runs). */
  latencyMs: number;

  constructor(
    readonly token = '7000001:AAFakeTokenForSwitchboardTests_0123',
    options: FakeTelegramOptions = {},
  ) {
    this.latencyMs = options.latencyMs ?? 0;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (this.poll) this.answerPoll();
    await new Promise((ok) => {
      this.server?.close(ok);
      this.server?.closeAllConnections();
    });
  }

  /** The next call of `method` (whose body passes `when`, if given) fails with `failure`; several can be queued. */
  failNext(method: string, failure: Failure, when?: (body: Record<string, unknown>) => boolean): void {
    this.failures.push({ method, failure, when });
  }

  /** Accepted calls of one method. */
  callsOf(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method && !c.refused);
  }

  /** The messages Telegram accepted for a chat, in order: what the contact sees. */
  sentTo(chatId: string | number): Record<string, unknown>[] {
    return this.callsOf('sendMessage')
      .map((c) => c.body)
      .filter((b) => String(b.chat_id) === String(chatId));
  }

  /** The messages sent to a chat, as Telegram returned them. */
  messagesTo(chatId: number): Message[] {
    return this.messages.filter((m) => m.chat.id === chatId);
  }

  /** Queues an update for getUpdates (polling mode). */
  pushUpdate(update: Update): void {
    this.pending.push(update);
    if (this.poll) this.answerPoll();
  }

  /** Delivers an update to the webhook set with setWebhook, as Telegram does; the hub's HTTP status. */
  async deliver(update: Update, options: { secret?: string | null } = {}): Promise<number> {
    if (!this.webhook) throw new Error('no webhook is set');
    const secret = options.secret === undefined ? this.webhook.secret_token : options.secret;
    const res = await fetch(this.webhook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
      body: JSON.stringify(update),
    });
    await res.arrayBuffer();
    return res.status;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(new URL(req.url ?? '/', this.url).pathname);
    if (!match) return reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method] = match as unknown as [string, string, string];
    if (token !== this.token) return reply(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    let body: Record<string, unknown>;
    try {
      const raw = Buffer.concat(chunks).toString('utf8');
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return reply(res, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid JSON' });
    }
    const call: ApiCall = { method, body, at: Date.now() };
    this.calls.push(call);
    const refuse = (error_code: number, description: string, parameters?: Record<string, unknown>) => {
      call.refused = { error_code, description };
      reply(res, error_code, { ok: false, error_code, description, ...(parameters ? { parameters } : {}) });
    };
    const injected = this.failures.findIndex((f) => f.method === method && (!f.when || f.when(body)));
    if (injected >= 0) {
      const { failure } = this.failures.splice(injected, 1)[0]!;
      if (failure.code === 429) return refuse(429, `Too Many Requests: retry after ${failure.retryAfter}`, { retry_after: failure.retryAfter });
      if (failure.code === 403) return refuse(403, 'Forbidden: bot was blocked by the user');
      if (failure.code === 400) return refuse(400, failure.description ?? 'Bad Request: chat not found');
      return refuse(500, 'Internal Server Error');
    }
    const ok = (result: unknown, description?: string) => reply(res, 200, { ok: true, result, ...(description ? { description } : {}) });

    switch (method) {
      case 'getMe':
        return ok(fakeBotInfo);
      case 'sendMessage': {
        const refusal = sendMessageRefusal(body);
        if (refusal) return refuse(400, refusal);
        const chat = String(body.chat_id);
        const id = this.nextMessageId.get(chat) ?? 1000;
        this.nextMessageId.set(chat, id + 1);
        const message = {
          message_id: id,
          from: { id: fakeBotInfo.id, is_bot: true, first_name: fakeBotInfo.first_name, username: fakeBotInfo.username },
          chat: { id: Number(body.chat_id), type: 'private', first_name: 'Contact' },
          date: Math.floor(Date.now() / 1000),
          text: body.text,
          ...(body.reply_markup ? { reply_markup: body.reply_markup } : {}),
        } as Message;
        this.messages.push(message);
        this.onMessage?.(message);
        return ok(message);
      }
      case 'sendChatAction':
        // https://core.telegram.org/bots/api#sendchataction
        if (body.chat_id === undefined) return refuse(400, 'Bad Request: chat_id is empty');
        if (
          ![
            'typing',
            'upload_photo',
            'record_video',
            'upload_video',
            'record_voice',
            'upload_voice',
            'upload_document',
            'choose_sticker',
            'find_location',
          ].includes(String(body.action))
        )
          return refuse(400, 'Bad Request: wrong parameter action in request');
        return ok(true);
      case 'answerCallbackQuery':
        if (typeof body.callback_query_id !== 'string' || !body.callback_query_id)
          return refuse(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
        return ok(true);
      case 'setWebhook': {
        if (typeof body.url !== 'string') return refuse(400, 'Bad Request: bad webhook: URL must be provided');
        if (body.secret_token !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(String(body.secret_token)))
          return refuse(400, 'Bad Request: secret token contains unallowed characters');
        if (body.url === '') {
          this.webhook = undefined;
          return ok(true, 'Webhook was deleted');
        }
        this.webhook = {
          url: body.url,
          ...(body.secret_token ? { secret_token: String(body.secret_token) } : {}),
          ...(body.allowed_updates ? { allowed_updates: body.allowed_updates as string[] } : {}),
        };
        return ok(true, 'Webhook was set');
      }
      case 'deleteWebhook':
        this.webhook = undefined;
        if (body.drop_pending_updates) this.pending.length = 0;
        return ok(true, 'Webhook was deleted');
      case 'getWebhookInfo':
        return ok({ url: this.webhook?.url ?? '', has_custom_certificate: false, pending_update_count: this.pending.length });
      case 'getUpdates':
        return this.getUpdates(body, res, refuse);
      default:
        return refuse(404, 'Not Found: method not found');
    }
  }

  /** Long polling as documented: `offset` confirms earlier updates; waits up to `timeout` seconds for one. */
  private getUpdates(body: Record<string, unknown>, res: ServerResponse, refuse: (code: number, description: string) => void): void {
    if (this.webhook) return refuse(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    const offset = Number(body.offset ?? 0);
    if (offset > 0) {
      const keep = this.pending.filter((u) => u.update_id >= offset);
      this.pending.splice(0, this.pending.length, ...keep);
    }
    const limit = Math.min(100, Math.max(1, Number(body.limit ?? 100)));
    const timeout = Number(body.timeout ?? 0);
    if (this.poll) {
      // Telegram ends the older request when a second one arrives.
      const older = this.poll;
      this.poll = undefined;
      clearTimeout(older.timer);
      reply(older.res, 409, {
        ok: false,
        error_code: 409,
        description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
      });
    }
    if (this.pending.length || timeout <= 0) return reply(res, 200, { ok: true, result: this.pending.slice(0, limit) });
    const timer = setTimeout(() => this.answerPoll(), timeout * 1000);
    this.poll = { res, timer, limit };
    res.once('close', () => {
      if (this.poll?.res === res) {
        clearTimeout(this.poll.timer);
        this.poll = undefined;
      }
    });
  }

  private answerPoll(): void {
    const poll = this.poll!;
    this.poll = undefined;
    clearTimeout(poll.timer);
    reply(poll.res, 200, { ok: true, result: this.pending.slice(0, poll.limit) });
  }
}

/** What Telegram refuses in a sendMessage (https://core.telegram.org/bots/api#sendmessage). */
function sendMessageRefusal(body: Record<string, unknown>): string | undefined {
  if (body.chat_id === undefined || body.chat_id === '') return 'Bad Request: chat_id is empty';
  if (typeof body.text !== 'string' || body.text.trim() === '') return 'Bad Request: message text is empty';
  if (body.text.length > 4096) return 'Bad Request: message is too long';
  const markup = body.reply_markup as { inline_keyboard?: KeyboardButton[][] } | undefined;
  for (const button of markup?.inline_keyboard?.flat() ?? []) {
    if (!button.text) return 'Bad Request: text buttons are unallowed in the inline keyboard';
    if (button.callback_data !== undefined && (button.callback_data === '' || Buffer.byteLength(button.callback_data) > 64))
      return 'Bad Request: BUTTON_DATA_INVALID';
  }
  return undefined;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** A Telegram user as updates carry it. */
export function tgUser(id: number, extra: { first_name?: string; last_name?: string; language_code?: string } = {}) {
  return {
    id,
    is_bot: false,
    first_name: extra.first_name ?? 'Ada',
    ...(extra.last_name ? { last_name: extra.last_name } : {}),
    ...(extra.language_code ? { language_code: extra.language_code } : {}),
  };
}

/** A private-chat text message update, as Telegram sends it. */
export function textUpdate(o: { updateId: number; chatId: number; messageId: number; text: string; from?: ReturnType<typeof tgUser> }): Update {
  const from = o.from ?? tgUser(o.chatId);
  return {
    update_id: o.updateId,
    message: {
      message_id: o.messageId,
      from,
      chat: { id: o.chatId, type: 'private', first_name: from.first_name },
      date: Math.floor(Date.now() / 1000),
      text: o.text,
    },
  } as Update;
}

/** The contact pressed the button labelled `label` on `message` (as the fake returned it from sendMessage). */
export function callbackUpdate(o: {
  updateId: number;
  queryId: string;
  chatId: number;
  message: Record<string, unknown> | Message;
  label: string;
  from?: ReturnType<typeof tgUser>;
}): Update {
  const keyboard = (o.message.reply_markup as { inline_keyboard: KeyboardButton[][] } | undefined)?.inline_keyboard.flat() ?? [];
  const button = keyboard.find((b) => b.text === o.label);
  if (!button?.callback_data) throw new Error(`no button "${o.label}" on the message`);
  return {
    update_id: o.updateId,
    callback_query: {
      id: o.queryId,
      from: o.from ?? tgUser(o.chatId),
      message: o.message as unknown as Message,
      chat_instance: `ci${o.chatId}`,
      data: button.callback_data,
    },
  } as Update;
}

/** POSTs an update to a hub's webhook for `account` with the given secret header (null: none). */
export async function postUpdate(hubUrl: string, account: string, update: unknown, secret: string | null): Promise<number> {
  const res = await fetch(`${hubUrl}/channels/telegram/${account}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret !== null ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
    body: typeof update === 'string' ? update : JSON.stringify(update),
  });
  await res.arrayBuffer();
  return res.status;
}
