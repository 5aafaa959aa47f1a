import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One activity the bot sent, as the Bot Connector service received it. */
export interface ConnectorCall {
  conversationId: string;
  /** Set when the bot used "reply to activity" (`POST .../activities/{activityId}`). */
  replyToId?: string;
  authorization?: string;
  body: Record<string, unknown>;
  /** What the fake answered. */
  status: number;
}

/** A scripted answer for the next send(s) instead of 200. */
interface Refusal {
  status: number;
  code: string;
  message: string;
  retryAfter?: string;
}

/**
 * A local Bot Connector service (Azure Bot Service's REST API the bot calls), built from the
 * documented routes and payloads: `POST /v3/conversations/{conversationId}/activities` (send to
 * conversation) and `.../activities/{activityId}` (reply to activity), answering a
 * `ResourceResponse` `{id}`, or an `ErrorResponse` `{error: {code, message}}` when scripted to
 * refuse. It also delivers user activities to a bot, with itself as their `serviceUrl`.
 * https://learn.microsoft.com/en-us/azure/bot-service/rest-api/bot-framework-rest-connector-api-reference
 */
export interface FakeBotConnectorOptions {
  /** Every request is answered after this many ms (a real platform's round trip; benchmarks). Default 0. */
  latencyMs?: number;
}

export class FakeBotConnector {
  readonly calls: ConnectorCall[] = [];
  /** Requests to routes the real service does not have. */
  readonly unexpected: string[] = [];
  /** Called for every activity the fake accepted (e.g. a benchmark timing replies). */
  onDelivered?: (call: ConnectorCall) => void;
  /** Keep `calls` (off for long benchmark runs). */
  record = true;
  private readonly refusals: Refusal[] = [];
  private server?: Server;
  private seq = 0;
  url = '';
  /** Every request is answered after this many ms (may be changed between runs). */
  latencyMs: number;

  constructor(options: FakeBotConnectorOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0;
  }

  async start(): Promise<this> {
    this.server = createServer(
      (req, res) =>
        void this.handle(req).then(({ status, body, headers }) =>
          res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body)),
        ),
    );
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next send answers 429 Too Many Requests with `Retry-After: seconds`. */
  throttleNext(seconds: number): void {
    this.refusals.push({ status: 429, code: 'TooManyRequests', message: 'Too many requests', retryAfter: String(seconds) });
  }

  /** The next send is refused for good; by default as when the bot was removed from the conversation. */
  refuseNext(refusal: Partial<Refusal> = {}): Refusal {
    const r = { status: 403, code: 'BotNotInConversationRoster', message: 'The bot is not part of the conversation roster.', ...refusal };
    this.refusals.push(r);
    return r;
  }

  /** The activities delivered (2xx) in a conversation, in order. */
  delivered(conversationId: string): Record<string, unknown>[] {
    return this.calls.filter((c) => c.conversationId === conversationId && c.status < 300).map((c) => c.body);
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec((req.url ?? '').split('?')[0]!);
    if (req.method !== 'POST' || !match) {
      this.unexpected.push(`${req.method} ${req.url}`);
      return { status: 404, body: { error: { code: 'NotFound', message: 'no such route' } } };
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return { status: 400, body: { error: { code: 'BadArgument', message: 'body is not JSON' } } };
    }
    const refusal = this.refusals.shift();
    const status = refusal?.status ?? 200;
    const call: ConnectorCall = {
      conversationId: decodeURIComponent(match[1]!),
      ...(match[2] ? { replyToId: decodeURIComponent(match[2]) } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      body,
      status,
    };
    if (this.record) this.calls.push(call);
    if (!refusal) this.onDelivered?.(call);
    if (refusal)
      return {
        status,
        body: { error: { code: refusal.code, message: refusal.message } },
        headers: refusal.retryAfter ? { 'retry-after': refusal.retryAfter } : undefined,
      };
    return { status: 200, body: { id: `bot-activity-${++this.seq}` } };
  }

  /** A user's `message` activity as a channel delivers it to the bot (Web Chat through Direct Line here). */
  message(m: {
    conversationId: string;
    userId: string;
    id: string;
    text?: string;
    value?: unknown;
    name?: string;
    locale?: string;
    isGroup?: boolean;
  }): Record<string, unknown> {
    return {
      type: 'message',
      id: m.id,
      timestamp: new Date().toISOString(),
      serviceUrl: this.url,
      channelId: 'webchat',
      from: { id: m.userId, ...(m.name ? { name: m.name } : {}) },
      conversation: { id: m.conversationId, ...(m.isGroup ? { isGroup: true } : {}) },
      recipient: { id: 'switchboard-bot', name: 'Switchboard' },
      ...(m.text !== undefined ? { text: m.text, textFormat: 'plain' } : {}),
      ...(m.value !== undefined ? { value: m.value } : {}),
      ...(m.locale ? { locale: m.locale } : {}),
    };
  }

  /** POSTs an activity to the bot's messaging endpoint; resolves to the HTTP status. */
  async deliver(endpoint: string, activity: unknown, headers: Record<string, string> = {}): Promise<number> {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof activity === 'string' ? activity : JSON.stringify(activity),
    });
    await res.arrayBuffer();
    return res.status;
  }
}
