/**
 * One visitor's socket: parses each frame, checks it, queues what the visitor sends and
 * acknowledges it once queued (the client keeps an outbox until then), records consent,
 * passes `typing` on to the consoles, and answers `sync` with the conversation's history.
 */
import type { WebSocket, RawData } from 'ws';
import type { Logger } from 'pino';
import type { AdapterContext } from '../../core/adapter.js';
import type { WorkspaceConfig } from '../../core/config/schema.js';
import type { Address, InboundContent, InboundMessage } from '../../core/message.js';
import type { HistoryEntry } from '../../core/history.js';
import type { WidgetAccountConfig } from './config.js';
import { noticeAsShown } from './client-config.js';
import { write } from '../../core/http/socket-write.js';
import { visitorKey, type Fanout } from './fanout.js';
import { checkOwnForm } from './own-forms.js';
import { clientFrameSchema, type ClientFrame, type ServerFrame, type WireMessage, type WireStatus } from './protocol.js';
import type { VisitorRateLimiter } from './rate.js';

export interface SessionDeps {
  ctx: AdapterContext;
  workspace: WorkspaceConfig;
  config: WidgetAccountConfig;
  limiter: VisitorRateLimiter;
  fanout: Fanout;
  logger: Logger;
}

/** Refused messages in a row after which the socket is closed (1008): a client that ignores `rate_limited`. */
const maxRefusedInARow = 50;
const historyPage = 200;

function send(ws: WebSocket, frame: ServerFrame): void {
  write(ws, JSON.stringify(frame));
}

/** A stored message of conversation `conv` as the widget shows it. */
function toWire(e: HistoryEntry, conv?: string): WireMessage {
  return {
    id: e.id,
    order: e.order,
    ...(conv ? { conv } : {}),
    dir: e.direction,
    sender: e.sender,
    ...(e.senderName ? { name: e.senderName } : {}),
    ...(e.platformId ? { cid: e.platformId } : {}),
    ...(e.text !== undefined ? { text: e.text } : {}),
    ...(e.choices ? { choices: e.choices } : {}),
    ...(e.form ? { form: e.form } : {}),
    at: e.at,
  };
}

/** Wires one accepted socket of `address` (its visitor); `proof` is what consent events may carry. */
export function runSession(ws: WebSocket, address: Address, proof: { userAgent?: string; ip?: string }, deps: SessionDeps): void {
  const { ctx, logger, fanout } = deps;
  const key = visitorKey(address);
  let refused = 0;
  fanout.add(key, ws);
  ws.on('close', () => fanout.remove(key, ws));
  ws.on('error', (err) => logger.debug({ err: err.message }, 'widget socket error'));
  ws.on('message', (data: RawData, isBinary: boolean) => {
    void handle(data, isBinary).catch((err: Error) => {
      logger.error({ err, account: address.account }, 'widget frame failed');
      send(ws, { t: 'error', code: 'internal', message: 'try again' });
    });
  });

  async function handle(data: RawData, isBinary: boolean): Promise<void> {
    const json = decode(data, isBinary);
    // Every frame costs a token, malformed ones too (each is a log line): history look-ups and
    // consent writes are work for the store as well.
    const waitMs = deps.limiter.take(key);
    if (waitMs > 0) {
      if (++refused >= maxRefusedInARow) {
        logger.warn({ account: address.account }, 'widget visitor keeps flooding; socket closed');
        ws.close(1008, 'rate limit');
        return;
      }
      // A dropped typing frame needs no answer (nothing resends it); a `rate_limited` without an id would make the client sync again.
      if (isTypingFrame(json)) return;
      const id = idOf(json);
      send(ws, { t: 'error', code: 'rate_limited', message: 'too many messages', ...(id ? { id } : {}), retryAfterMs: waitMs });
      return;
    }
    refused = 0;
    const frame = parse(json);
    if (!frame) return;
    if (frame.t === 'sync') return sync(frame.after, frame.conv);
    if (frame.t === 'consent') return consent(frame);
    if (frame.t === 'transcript') {
      const outcome = await ctx.transcript({ address, to: frame.email, key: frame.id });
      if (outcome === 'queued') send(ws, { t: 'ack', id: frame.id });
      else
        send(ws, { t: 'error', code: 'invalid', id: frame.id, message: outcome === 'invalid' ? 'expected an e-mail address' : 'no conversation to send yet' });
      return;
    }
    if (frame.t === 'queue') {
      const place = await ctx.queue(address);
      send(ws, place ? { t: 'queue', ...place } : { t: 'queue' });
      return;
    }
    // Only the consoles are told: a failure is not the visitor's to see.
    if (frame.t === 'typing')
      return ctx.typing({ address }).catch((err: Error) => logger.debug({ account: address.account, reason: err.name }, 'widget typing not passed on'));
    const body = content(frame);
    if (typeof body === 'string') {
      logger.warn({ account: address.account, form: frame.t === 'form' ? frame.form : undefined, reason: body }, 'widget form refused');
      send(ws, { t: 'error', code: 'invalid', message: body, id: frame.id });
      return;
    }
    const message: InboundMessage = { platformId: frame.id, address, receivedAt: new Date().toISOString(), content: body };
    await ctx.receive([message]);
    send(ws, { t: 'ack', id: frame.id });
    // The visitor's other tabs show it too (the client drops the copy it already has by `cid`).
    const echo: WireMessage = { id: `cid:${frame.id}`, dir: 'in', sender: 'contact', cid: frame.id, at: message.receivedAt, ...wireContent(message.content) };
    await fanout.publish(key, { t: 'msg', m: echo });
  }

  /** The frame's JSON, or the `invalid` marker for one that is not JSON text. */
  function decode(data: RawData, isBinary: boolean): unknown {
    try {
      return isBinary ? invalid : JSON.parse(data.toString());
    } catch {
      return invalid;
    }
  }

  function parse(json: unknown): ClientFrame | undefined {
    if (json === invalid) {
      logger.warn({ account: address.account }, 'widget frame is not JSON text');
      send(ws, { t: 'error', code: 'invalid', message: 'expected a JSON text frame' });
      return undefined;
    }
    const parsed = clientFrameSchema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0]!;
      const message = `${first.path.length ? `"${first.path.join('.')}": ` : ''}${first.message}`;
      logger.warn({ account: address.account, reason: message }, 'widget frame refused');
      const id = idOf(json);
      send(ws, { t: 'error', code: 'invalid', message, ...(id ? { id } : {}) });
      return undefined;
    }
    return parsed.data;
  }

  /** What the visitor sent, or why a form of the widget's own is refused. */
  function content(frame: Extract<ClientFrame, { t: 'msg' | 'choice' | 'form' }>): InboundContent | string {
    if (frame.t === 'msg') return { type: 'text', text: frame.text };
    if (frame.t === 'choice') return { type: 'choice', choiceId: frame.choice, ...(frame.text ? { text: frame.text } : {}) };
    if (frame.form !== 'prechat' && frame.form !== 'offline') {
      // A flow's form: the flow checks the fields and records its checkbox with its own text.
      const consent = frame.consent ? { purpose: frame.consent.purpose, granted: frame.consent.granted, text: frame.consent.text ?? '' } : undefined;
      return { type: 'form', form: frame.form, fields: frame.fields, ...(consent ? { consent } : {}) };
    }
    if (frame.form === 'prechat' && !deps.config.prechat.enabled) return 'this widget has no pre-chat form';
    const checked = checkOwnForm(frame.form === 'prechat' ? deps.config.prechat.fields : deps.config.offline.fields, frame.fields);
    if (!checked.ok) return checked.reason;
    // The widget's own checkbox is the account's marketing one, whatever the client says it showed.
    const marketing = deps.config.marketing;
    const consent =
      frame.consent && marketing ? { purpose: 'marketing', granted: frame.consent.granted, text: marketing.text, version: marketing.version } : undefined;
    return { type: 'form', form: frame.form, fields: checked.fields, ...(consent ? { consent } : {}) };
  }

  async function sync(after: number, conv: string | undefined): Promise<void> {
    const open = await ctx.conversation(address);
    // The client's positions count in a conversation that has since been closed: the open one is new to it.
    const from = conv && open && open.id !== conv ? -1 : after;
    const entries = await ctx.history(address, { after: from, limit: historyPage });
    const status: WireStatus = open?.status ?? 'none';
    send(ws, {
      t: 'history',
      messages: entries.map((e) => toWire(e, open?.id)),
      status,
      more: entries.length === historyPage,
      ...(open ? { conv: open.id } : {}),
    });
  }

  async function consent(frame: Extract<ClientFrame, { t: 'consent' }>): Promise<void> {
    const evidence = { key: frame.id, ...(proof.userAgent ? { userAgent: proof.userAgent } : {}), ...(proof.ip ? { ip: proof.ip } : {}) };
    if (frame.purpose === 'notice') {
      const notice = deps.workspace.privacy.notice;
      // Only "shown" is meaningful for the notice: it informs, it asks nothing. Keyed by its version,
      // so showing it again (a reload before "Continue", another tab) records it once per visitor.
      if (notice && frame.granted) {
        await ctx.consent({
          address,
          purpose: 'notice',
          granted: true,
          textVersion: notice.version,
          text: noticeAsShown(deps.workspace),
          evidence: { source: 'widget-notice', ...evidence, key: `notice:${notice.version}` },
        });
      }
    } else {
      const marketing = deps.config.marketing;
      if (marketing) {
        await ctx.consent({
          address,
          purpose: 'marketing',
          granted: frame.granted,
          textVersion: marketing.version,
          text: marketing.text,
          evidence: { source: frame.granted ? 'widget-checkbox' : 'widget-menu', ...evidence },
        });
      }
    }
    send(ws, { t: 'ack', id: frame.id });
  }
}

/** Marks a frame that is not JSON text. */
const invalid = Symbol('invalid');

/** A `typing` frame, before it is parsed. */
function isTypingFrame(json: unknown): boolean {
  return typeof json === 'object' && json !== null && (json as { t?: unknown }).t === 'typing';
}

/** A frame's client id, to answer it by (only ever sent back to the socket it came from). */
function idOf(json: unknown): string | undefined {
  const id = typeof json === 'object' && json !== null ? (json as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id ? id.slice(0, 64) : undefined;
}

/** The parts of an inbound message the other tabs show. */
function wireContent(content: InboundContent): Pick<WireMessage, 'text' | 'form'> {
  if (content.type === 'form') return { form: { id: content.form, fields: [] } };
  if (content.type === 'choice') return { text: content.text ?? content.choiceId };
  return content.text !== undefined ? { text: content.text } : {};
}
