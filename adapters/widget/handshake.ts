/**
 * The WebSocket handshake: the account comes from `?account=`, the visitor's token from the
 * `Sec-WebSocket-Protocol` list (`visitor.{token}`, so it never lands in URLs and access logs).
 * A foreign Origin is refused before any socket exists (cross-site WebSocket hijacking). A forged
 * token is refused (401); an expired one is not: that visitor simply starts again with a new id.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Duration } from '../../core/privacy/duration.js';
import { verifyVisitor } from './identity.js';

/** The subprotocol the client asks for and the hub answers with. */
export const protocolName = 'switchboard.v1';
const tokenPrefix = 'visitor.';

/** `visitor`: the returning visitor a valid token proves; `expired`: a token was presented but its lifetime is over. */
export type Handshake =
  | { ok: true; account: string; origin: string; visitor?: { id: string; issuedAt: Date }; expired?: true }
  | { ok: false; status: 400 | 401 | 403 | 404; reason: string };

/** Checks one upgrade request against the accounts' origins and secrets. */
export function checkHandshake(
  req: IncomingMessage,
  accountOf: (id: string) => { workspace: string; account: string; secret: string; allowedOrigins: readonly string[]; lifetime: Duration } | undefined,
  now = new Date(),
): Handshake {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const account = accountOf(url.searchParams.get('account') ?? '');
  if (!account) return { ok: false, status: 404, reason: 'unknown account' };
  const origin = (req.headers.origin ?? '').toLowerCase();
  if (!origin || !account.allowedOrigins.includes(origin)) return { ok: false, status: 403, reason: 'origin not allowed' };
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  if (!offered.includes(protocolName)) return { ok: false, status: 400, reason: `expected subprotocol ${protocolName}` };
  const token = offered.find((p) => p.startsWith(tokenPrefix))?.slice(tokenPrefix.length);
  if (token === undefined) return { ok: true, account: account.account, origin };
  const check = verifyVisitor(account.secret, account, token, account.lifetime, now);
  if (check.status === 'invalid') return { ok: false, status: 401, reason: 'invalid visitor token' };
  if (check.status === 'expired') return { ok: true, account: account.account, origin, expired: true };
  return { ok: true, account: account.account, origin, visitor: { id: check.id, issuedAt: check.issuedAt } };
}

const reasons: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/**
 * Answers a refused upgrade with a plain HTTP status and closes the connection. `where` is
 * logged at warn, so it names no address: `client` is at most a client key's short form.
 */
export function refuse(
  socket: Duplex,
  status: number,
  reason: string,
  logger: Logger,
  where: { account?: string; origin?: string; client?: string; limit?: string },
  options: { retryAfterSeconds?: number } = {},
): void {
  logger.warn({ ...where, status, reason }, 'widget handshake refused');
  const retry = options.retryAfterSeconds ? `Retry-After: ${options.retryAfterSeconds}\r\n` : '';
  socket.end(
    `HTTP/1.1 ${status} ${reasons[status] ?? 'Error'}\r\nConnection: close\r\n${retry}Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
  );
}
