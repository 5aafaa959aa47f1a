import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signMeta } from '../../adapters/meta/signature.js';

/** One request the fake accepted or refused, as the platform would have seen it. */
export interface GraphRequest {
  /** `messenger` for `/{version}/me/messages`, `whatsapp` for `/{version}/{phone-number-id}/messages`. */
  api: 'messenger' | 'whatsapp';
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  body: Record<string, unknown>;
  /** The id the fake answered with (accepted requests only). */
  id?: string;
  /** The HTTP status answered. */
  status: number;
}

/** A scripted answer for the next send: HTTP status, Graph error object, extra headers. */
export interface ScriptedFailure {
  status: number;
  error: { message: string; type?: string; code: number; error_subcode?: number; error_data?: { details: string } };
  headers?: Record<string, string>;
}

export interface FakeGraphOptions {
  /** The Page access token the Messenger Send API accepts. */
  pageAccessToken?: string;
  /** The bearer token and phone number id the WhatsApp messages endpoint accepts. */
  whatsapp?: { accessToken: string; phoneNumberId: string };
  /** Every request is answered after this many ms (a real platform's round trip; benchmarks). Default 0. */
  latencyMs?: number;
}

/**
 * A local fake of Meta's Graph API for the Messenger Send API and the WhatsApp Cloud API
 * messages endpoint. It checks requests the way the platform documents them (credentials,
 * required fields, limits) and answers with the documented success bodies or Graph error
 * objects; tests script throttling (code 613 / HTTP 429 with Retry-After) and refusals.
 */
export class FakeGraph {
  readonly requests: GraphRequest[] = [];
  private server: Server | undefined;
  private failures: ScriptedFailure[] = [];
  private waiters: { check: () => boolean; resolve: () => void }[] = [];
  /** Runs before each answer (e.g. to change the world between a failed attempt and its retry). */
  beforeAnswer: ((request: GraphRequest) => Promise<void>) | undefined;

  constructor(private readonly options: FakeGraphOptions) {}

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  /** People the User Profile API knows (PSID → names); others get Graph's error 100. */
  readonly profiles = new Map<string, { first_name: string; last_name?: string }>();
  /** PSIDs whose profile was asked for, in order. */
  readonly profileLookups: string[] = [];

  /** `GET /{psid}?fields=first_name,last_name` (https://developers.facebook.com/docs/messenger-platform/identity/user-profile). */
  private answerProfile(res: ServerResponse, psid: string, query: Record<string, string>): void {
    this.profileLookups.push(psid);
    if (query.access_token !== this.options.pageAccessToken)
      return void this.answer(res, 400, graphError('Invalid OAuth access token - Cannot parse access token', 190, 'OAuthException'));
    const person = this.profiles.get(psid);
    if (!person) return void this.answer(res, 400, graphError(`Unsupported get request. Object with ID '${psid}' does not exist`, 100, 'GraphMethodException'));
    const fields = (query.fields ?? '').split(',');
    this.answer(res, 200, { id: psid, ...Object.fromEntries(Object.entries(person).filter(([k]) => fields.includes(k))) });
  }

  /** The next send is answered with this failure instead. */
  failNext(failure: ScriptedFailure): void {
    this.failures.push(failure);
  }

  /** HTTP 429 with `Retry-After: seconds` and the Graph rate-limit error (code 613). */
  throttleNext(seconds: number): void {
    this.failNext({
      status: 429,
      headers: { 'retry-after': String(seconds) },
      error: { message: 'Calls to this api have exceeded the rate limit.', type: 'OAuthException', code: 613 },
    });
  }

  /** Accepted requests (2xx) of one API, optionally for one recipient, in order. */
  accepted(api: 'messenger' | 'whatsapp', user?: string): GraphRequest[] {
    return this.requests.filter((r) => r.api === api && r.status === 200 && (user === undefined || recipientOf(r) === user));
  }

  /** Resolves once `check` holds (checked after every request); rejects after `timeoutMs`. */
  async waitUntil(check: () => boolean, timeoutMs = 20_000, what = 'requests'): Promise<void> {
    if (check()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fake Graph: timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({ check, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams);
    const profile = /^\/v\d+\.\d+\/(\d+)$/.exec(url.pathname);
    if (req.method === 'GET' && profile) return void this.answerProfile(res, profile[1]!, query);
    const messenger = /^\/v\d+\.\d+\/me\/messages$/.test(url.pathname);
    const whatsapp = /^\/v\d+\.\d+\/(\d+)\/messages$/.exec(url.pathname);
    if (req.method !== 'POST' || (!messenger && !whatsapp)) {
      return void this.answer(res, 400, graphError(`Unknown path components: ${url.pathname}`, 2500, 'OAuthException'));
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return void this.answer(res, 400, graphError('(#100) The parameter body is not valid JSON', 100));
    }
    const record: GraphRequest = {
      api: messenger ? 'messenger' : 'whatsapp',
      path: url.pathname,
      query,
      authorization: req.headers.authorization,
      body,
      status: 0,
    };
    this.requests.push(record);

    const refusal = messenger ? this.checkMessenger(query, body) : this.checkWhatsApp(whatsapp![1]!, req.headers.authorization, body);
    const scripted = refusal ? undefined : this.failures.shift();
    // The id is known before answering, so a test can make WhatsApp's status webhook beat the send's result.
    if (!(refusal ?? scripted)) record.id = messenger ? `m_${randomBytes(12).toString('base64url')}` : `wamid.${randomBytes(18).toString('base64url')}`;
    await this.beforeAnswer?.(record);
    if (refusal ?? scripted) {
      const failure = (refusal ?? scripted)!;
      record.status = failure.status;
      this.answer(res, failure.status, { error: { ...failure.error, fbtrace_id: `fake${randomBytes(4).toString('hex')}` } }, failure.headers);
    } else if (messenger) {
      record.status = 200;
      this.answer(res, 200, { recipient_id: (body.recipient as { id: string }).id, message_id: record.id });
    } else {
      record.status = 200;
      const to = body.to as string;
      this.answer(res, 200, { messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: to }], messages: [{ id: record.id }] });
    }
    this.waiters = this.waiters.filter((w) => (w.check() ? (w.resolve(), false) : true));
  }

  /** The Send API's documented rules (https://developers.facebook.com/docs/messenger-platform/reference/send-api/). */
  private checkMessenger(query: Record<string, string>, body: Record<string, unknown>): ScriptedFailure | undefined {
    if (!this.options.pageAccessToken || query.access_token !== this.options.pageAccessToken)
      return invalid(400, 'Invalid OAuth access token - Cannot parse access token', 190);
    const recipient = body.recipient as { id?: unknown } | undefined;
    if (typeof recipient?.id !== 'string') return invalid(400, '(#100) The parameter recipient is required', 100);
    // A sender action goes alone: https://developers.facebook.com/docs/messenger-platform/send-messages/sender-actions
    if (body.sender_action !== undefined) {
      if (!['typing_on', 'typing_off', 'mark_seen'].includes(String(body.sender_action)))
        return invalid(400, '(#100) Param sender_action must be one of {MARK_SEEN, TYPING_ON, TYPING_OFF}', 100);
      if (body.message !== undefined) return invalid(400, '(#100) sender_action cannot be sent with message', 100);
      return undefined;
    }
    const type = body.messaging_type;
    if (type !== 'RESPONSE' && type !== 'UPDATE' && type !== 'MESSAGE_TAG')
      return invalid(400, '(#100) Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}', 100);
    if (type === 'MESSAGE_TAG' && typeof body.tag !== 'string') return invalid(400, '(#100) Tag is required for MESSAGE_TAG messaging type', 100);
    const message = body.message as { text?: unknown; quick_replies?: { content_type?: string; title?: string; payload?: string }[] } | undefined;
    if (typeof message?.text !== 'string' || message.text === '')
      return invalid(400, '(#100) Param message[text] must be a non-empty UTF-8 encoded string', 100);
    if ([...message.text].length > 2000) return invalid(400, '(#100) Length of param message[text] must be less than or equal to 2000', 100);
    const replies = message.quick_replies;
    if (replies !== undefined) {
      if (!Array.isArray(replies) || replies.length === 0 || replies.length > 13)
        return invalid(400, '(#100) param message[quick_replies] must have between 1 and 13 elements', 100);
      if (replies.some((q) => q.content_type !== 'text' || !q.title || !q.payload || q.payload.length > 1000))
        return invalid(400, '(#100) Quick replies of content_type text need a title and a payload of at most 1000 characters', 100);
    }
    return undefined;
  }

  /** The Cloud API's documented rules (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages). */
  private checkWhatsApp(phoneNumberId: string, authorization: string | undefined, body: Record<string, unknown>): ScriptedFailure | undefined {
    const wa = this.options.whatsapp;
    if (!wa || authorization !== `Bearer ${wa.accessToken}`) return invalid(401, 'Invalid OAuth access token - Cannot parse access token', 190);
    if (phoneNumberId !== wa.phoneNumberId) return invalid(400, `Unsupported post request. Object with ID '${phoneNumberId}' does not exist`, 100, 33);
    if (body.messaging_product !== 'whatsapp') return invalid(400, '(#100) The parameter messaging_product is required.', 100);
    if (typeof body.to !== 'string' || !body.to) return invalid(400, '(#100) The parameter to is required.', 100);
    const chars = (s: unknown) => (typeof s === 'string' ? [...s].length : -1);
    const param = (details: string) => invalid(400, '(#131009) Parameter value is not valid', 131009, undefined, details);
    switch (body.type) {
      case 'text': {
        const text = (body.text as { body?: unknown } | undefined)?.body;
        if (chars(text) < 1 || chars(text) > 4096) return param('text.body must be 1 to 4096 characters');
        return undefined;
      }
      case 'interactive': {
        const i = body.interactive as { type?: string; body?: { text?: string }; action?: Record<string, unknown> } | undefined;
        if (i?.type === 'button') {
          const buttons = (i.action?.buttons ?? []) as { type?: string; reply?: { id?: string; title?: string } }[];
          if (chars(i.body?.text) < 1 || chars(i.body?.text) > 1024) return param('interactive.body.text must be 1 to 1024 characters');
          if (buttons.length < 1 || buttons.length > 3) return param('interactive.action.buttons must have 1 to 3 buttons');
          if (
            buttons.some(
              (b) => b.type !== 'reply' || chars(b.reply?.title) < 1 || chars(b.reply?.title) > 20 || chars(b.reply?.id) < 1 || chars(b.reply?.id) > 256,
            )
          ) {
            return param('a reply button needs a title of 1 to 20 characters and an id of 1 to 256');
          }
          return undefined;
        }
        if (i?.type === 'list') {
          const sections = (i.action?.sections ?? []) as { rows?: { id?: string; title?: string }[] }[];
          const rows = sections.flatMap((s) => s.rows ?? []);
          if (chars(i.body?.text) < 1 || chars(i.body?.text) > 4096) return param('interactive.body.text must be 1 to 4096 characters');
          if (chars(i.action?.button) < 1 || chars(i.action?.button) > 20) return param('interactive.action.button must be 1 to 20 characters');
          if (sections.length < 1 || sections.length > 10 || rows.length < 1 || rows.length > 10)
            return param('a list has 1 to 10 sections and 1 to 10 rows in all');
          if (rows.some((r) => chars(r.title) < 1 || chars(r.title) > 24 || chars(r.id) < 1 || chars(r.id) > 200))
            return param('a row needs a title of 1 to 24 characters and an id of 1 to 200');
          return undefined;
        }
        return param('interactive.type must be button or list here');
      }
      case 'template': {
        const t = body.template as { name?: string; language?: { code?: string } } | undefined;
        if (!t?.name || !t.language?.code) return param('template.name and template.language.code are required');
        return undefined;
      }
      default:
        return param(`message type ${String(body.type)} is not supported by this fake`);
    }
  }

  private answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  }
}

/** Whom a recorded send was addressed to. */
function recipientOf(r: GraphRequest): string | undefined {
  return r.api === 'messenger' ? (r.body.recipient as { id?: string } | undefined)?.id : (r.body.to as string | undefined);
}

function graphError(message: string, code: number, type = 'OAuthException') {
  return { error: { message, type, code, fbtrace_id: `fake${randomBytes(4).toString('hex')}` } };
}

function invalid(status: number, message: string, code: number, subcode?: number, details?: string): ScriptedFailure {
  return {
    status,
    error: { message, type: 'OAuthException', code, ...(subcode ? { error_subcode: subcode } : {}), ...(details ? { error_data: { details } } : {}) },
  };
}

/** Messenger's answer to a send to someone who cannot be reached (blocked the Page, deactivated): code 551. */
export const messengerUnavailable: ScriptedFailure = {
  status: 400,
  error: { message: "(#551) This person isn't available right now.", type: 'OAuthException', code: 551, error_subcode: 1545041 },
};

/** The Cloud API's answer for a recipient who cannot get the message: 131026. */
export const whatsappUndeliverable: ScriptedFailure = {
  status: 400,
  error: { message: '(#131026) Message undeliverable', type: 'OAuthException', code: 131026, error_data: { details: 'Message Undeliverable.' } },
};

/** Signs and POSTs a webhook body as Meta does (`X-Hub-Signature-256`); resolves to the status and text answered. */
export async function postWebhook(url: string, body: unknown, appSecret: string, signature?: string): Promise<{ status: number; text: string }> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature ?? signMeta(raw, appSecret) },
    body: raw,
  });
  return { status: res.status, text: await res.text() };
}
