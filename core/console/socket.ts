import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { parse as parseCookies } from 'cookie';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { sessionCookie } from '../agents/sessions.js';
import type { SignIn } from '../agents/sign-in.js';
import { isHubOrigin } from '../http/console-auth.js';
import type { ConsoleFanout } from './fanout.js';

/** Where the console opens its socket. */
export const consoleSocketPath = '/console/ws';
/** How often open sockets are checked: a missed pong, or a session that ended (signed out, idled out, account disabled), closes them. */
const checkEveryMs = 30_000;
/** The close code the app takes as "signed out": it shows the sign-in page instead of reconnecting. */
export const signedOutCode = 4401;

const reasons: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden' };

function refuse(socket: Duplex, status: number, reason: string, logger: Logger): void {
  logger.warn({ status, reason }, 'console socket refused');
  socket.end(
    `HTTP/1.1 ${status} ${reasons[status]}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
  );
}

interface Held {
  token: string;
  workspace: string;
  alive: boolean;
}

/**
 * `GET /console/ws`: the console's stream of its workspace's events (docs/console-api.md, "Real
 * time"). The handshake must carry a live session cookie and the hub's own `Origin` (a cookie
 * rides along with any site's WebSocket, so without the check another page could read the
 * inbox). The server only sends; what the app sends is ignored.
 */
export function consoleSocket(options: { signIn: SignIn; fanout: ConsoleFanout; logger: Logger }) {
  const { signIn, fanout, logger } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024, perMessageDeflate: false, clientTracking: false });
  const held = new Map<WebSocket, Held>();

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (!isHubOrigin(req.headers.origin, { host: req.headers.host })) return refuse(socket, 403, 'cross-origin socket refused', logger);
    const token = parseCookies(req.headers.cookie ?? '')[sessionCookie];
    const session = await signIn.session(token);
    if (!token || !session) return refuse(socket, 401, 'not signed in', logger);
    if (socket.destroyed) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      held.set(ws, { token, workspace: session.workspace, alive: true });
      fanout.add(session.workspace, ws);
      ws.on('pong', () => {
        const h = held.get(ws);
        if (h) h.alive = true;
      });
      ws.on('close', () => {
        held.delete(ws);
        fanout.remove(session.workspace, ws);
      });
    });
  }

  async function check(): Promise<void> {
    for (const [ws, h] of held) {
      // Dead peers (a laptop closed) never send a close; a missed pong ends them.
      if (!h.alive) {
        ws.terminate();
        continue;
      }
      h.alive = false;
      ws.ping();
      // Not renewed: an open tab is not the agent at work, so the session still idles out.
      if (!(await signIn.session(h.token, { renew: false }))) ws.close(signedOutCode, 'signed out');
    }
  }

  const timer = setInterval(
    () => void check().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'console session check failed')),
    checkEveryMs,
  );
  timer.unref();

  return {
    upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer): void =>
      void upgrade(req, socket, head).catch((err: unknown) => {
        logger.error({ err: (err as Error).message }, 'console socket handshake failed');
        socket.destroy();
      }),
    /** What runs every 30 s (exposed so a test need not wait for it). */
    check,
    /** Sockets held in this process. */
    get size() {
      return held.size;
    },
    stop(): void {
      clearInterval(timer);
      for (const ws of held.keys()) ws.terminate();
    },
  };
}
