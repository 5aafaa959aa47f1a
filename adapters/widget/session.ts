/**
 * One visitor's socket: parses each frame, checks it, queues what the visitor sends and
 * acknowledges it once queued (the client keeps an outbox until then), records consent,
 * and answers `sync` with the conversation's history.
 */
import type { WebSocket, RawData } from 'ws';
import type { Logger } from 'pino';
import type { AdapterContext } from '../../core/adapter.js';
import type { WorkspaceConfig } from '../../core/config/schema.js';
import type { Address, InboundContent, InboundMessage } from '../../core/message.js';
import type { HistoryEntry } from '../../core/history.js';
import type { WidgetAccountConfig } from './config.js';
import { noticeAsShown } from './client-config.js';
import { visitorKey, type Fanout } from './fanout.js';
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
  if (ws.readyState === 1) ws.send(JSON.stringify(frame));
}

/** A stored message as the widget shows it. */
export function toWire(e: HistoryEntry): WireMessage {
  return {
    id: e.id,
    order: e.order,
    dir: e.direction,
    sender: e.sender,
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
    const frame = parse(data, isBinary);
    if (!frame) return;
    // Every frame costs a token: history look-ups and consent writes are work for the store too.
    const waitMs = deps.limiter.take(key);
    if (waitMs > 0) {
      if (++refused >= maxRefusedInARow) {
        logger.warn({ account: address.account }, 'widget visitor keeps flooding; socket closed');
        ws.close(1008, 'rate limit');
        return;
      }
      send(ws, { t: 'error', code: 'rate_limited', message: 'too many messages', ...(frame.t === 'sync' ? {} : { id: frame.id }), retryAfterMs: waitMs });
      return;
    }
    refused = 0;
    if (frame.t === 'sync') return sync(frame.after);
    if (frame.t === 'consent') return consent(frame);
    const message: InboundMessage = { platformId: frame.id, address, receivedAt: new Date().toISOString(), content: content(frame) };
    await ctx.receive([message]);
    send(ws, { t: 'ack', id: frame.id });
    // The visitor's other tabs show it too (the client drops the copy it already has by `cid`).
    const echo: WireMessage = { id: `cid:${frame.id}`, dir: 'in', sender: 'contact', cid: frame.id, at: message.receivedAt, ...wireContent(message.content) };
    await fanout.publish(key, { t: 'msg', m: echo });
  }

  function parse(data: RawData, isBinary: boolean): ClientFrame | undefined {
    let json: unknown;
    try {
      if (isBinary) throw new Error('binary frame');
      json = JSON.parse(data.toString());
    } catch {
      logger.warn({ account: address.account }, 'widget frame is not JSON text');
      send(ws, { t: 'error', code: 'invalid', message: 'expected a JSON text frame' });
      return undefined;
    }
    const parsed = clientFrameSchema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0]!;
      const message = `${first.path.length ? `"${first.path.join('.')}": ` : ''}${first.message}`;
      logger.warn({ account: address.account, reason: message }, 'widget frame refused');
      const id = typeof (json as { id?: unknown })?.id === 'string' ? String((json as { id: string }).id).slice(0, 64) : undefined;
      send(ws, { t: 'error', code: 'invalid', message, ...(id ? { id } : {}) });
      return undefined;
    }
    return parsed.data;
  }

  function content(frame: Extract<ClientFrame, { t: 'msg' | 'choice' | 'form' }>): InboundContent {
    if (frame.t === 'msg') return { type: 'text', text: frame.text };
    if (frame.t === 'choice') return { type: 'choice', choiceId: frame.choice, ...(frame.text ? { text: frame.text } : {}) };
    const own = frame.form === 'prechat' || frame.form === 'offline';
    // The widget's own forms: the checkbox text is the account's, whatever the client says it showed.
    const consentText = own ? deps.config.marketing?.text : frame.consent?.text;
    const consent = frame.consent && consentText ? { purpose: frame.consent.purpose, granted: frame.consent.granted, text: consentText } : undefined;
    return { type: 'form', form: frame.form, fields: frame.fields, ...(consent ? { consent } : {}) };
  }

  async function sync(after: number): Promise<void> {
    const [entries, open] = await Promise.all([ctx.history(address, { after, limit: historyPage }), ctx.conversation(address)]);
    const status: WireStatus = open?.status ?? 'none';
    send(ws, { t: 'history', messages: entries.map(toWire), status, more: entries.length === historyPage });
  }

  async function consent(frame: Extract<ClientFrame, { t: 'consent' }>): Promise<void> {
    const evidence = { key: frame.id, ...(proof.userAgent ? { userAgent: proof.userAgent } : {}), ...(proof.ip ? { ip: proof.ip } : {}) };
    if (frame.purpose === 'notice') {
      const notice = deps.workspace.privacy.notice;
      // Only "shown" is meaningful for the notice: it informs, it asks nothing.
      if (notice && frame.granted) {
        await ctx.consent({ address, purpose: 'notice', granted: true, textVersion: notice.version, text: noticeAsShown(deps.workspace), evidence: { source: 'widget-notice', ...evidence } });
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

/** The parts of an inbound message the other tabs show. */
function wireContent(content: InboundContent): Pick<WireMessage, 'text' | 'form'> {
  if (content.type === 'form') return { form: { id: content.form, fields: [] } };
  if (content.type === 'choice') return { text: content.text ?? content.choiceId };
  return content.text !== undefined ? { text: content.text } : {};
}
