import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Redis } from 'ioredis';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AdapterContext, ChannelAccount, ChannelAdapter, ChannelCapabilities, TypingTarget } from '../../core/adapter.js';
import { defineChannel } from '../../core/channel.js';
import type { WorkspaceConfig } from '../../core/config/schema.js';
import type { Address, OutboundMessage } from '../../core/message.js';
import { parseDuration, type Duration } from '../../core/privacy/duration.js';
import { widgetBundle } from './bundle.js';
import { clientConfig } from './client-config.js';
import { widgetAccountSchema, type WidgetAccountConfig } from './config.js';
import { Fanout } from './fanout.js';
import { clientKey } from './client-key.js';
import { checkHandshake, protocolName, refuse } from './handshake.js';
import { issueVisitor, tokenExpiry, visitorToken } from './identity.js';
import { HandshakeLimits, widgetLimitsPrivacy } from './limits.js';
import { pushReply, pushTyping } from './outbound.js';
import { widgetOwnForms } from './own-form-handlers.js';
import { VisitorRateLimiter } from './rate.js';
import { runSession } from './session.js';
import { coarseUserAgent } from './user-agent.js';

const widgetCapabilities: ChannelCapabilities = {
  maxTextLength: 4096,
  maxChoices: 10,
  maxChoiceLabelLength: 60,
  forms: true,
  // Both ways: an agent's typing shows the dots, the visitor's reaches the console (`typing` frames).
  typing: true,
  media: false,
  // The widget shows the workspace's notice on first open and records it itself.
  showsNotice: true,
};

/** Where browsers open the widget's WebSocket. */
const widgetSocketPath = '/channels/widget/ws';
/** A dead connection (no pong) is dropped after at most twice this. */
const heartbeatMs = 30_000;

interface AccountRuntime {
  workspace: WorkspaceConfig;
  config: WidgetAccountConfig;
  wss: WebSocketServer;
  limiter: VisitorRateLimiter;
  lifetime: Duration;
  hello: (visitor: { token: string; expiresInMs: number; isNew: boolean }) => string;
}

/**
 * The website chat widget: `widget.js` (served here, bundled from client/) opens a WebSocket
 * to this hub; replies travel from any worker to any web process through Redis pub/sub.
 * See README.md beside this file.
 */
function createWidgetAdapter(accounts: ChannelAccount<WidgetAccountConfig>[]): ChannelAdapter {
  const runtimes = new Map<string, AccountRuntime>();
  const alive = new WeakSet<WebSocket>();
  const sockets = new Set<WebSocket>();
  let fanout: Fanout | undefined;
  let limits: { checks: HandshakeLimits; redis: Redis } | undefined;
  let ctx: AdapterContext | undefined;
  let timers: NodeJS.Timeout[] = [];

  for (const a of accounts) {
    const { config } = a;
    // perMessageDeflate off: it costs tens of KB per connection, and chat frames are small.
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: config.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
      handleProtocols: (p) => (p.has(protocolName) ? protocolName : false),
    });
    const client = JSON.stringify(clientConfig(config, a.workspace));
    runtimes.set(config.account, {
      workspace: a.workspace,
      config,
      wss,
      limiter: new VisitorRateLimiter(config.inboundRate),
      lifetime: parseDuration(config.visitorTokenLifetime)!,
      hello: (v) => `{"t":"hello","visitor":${JSON.stringify(v.token)},"visitorExpiresInMs":${v.expiresInMs},"newVisitor":${v.isNew},"config":${client}}`,
    });
  }

  /** Throws unless the address's account is one of this workspace's widgets. */
  function configured(address: Address): void {
    const runtime = runtimes.get(address.account);
    if (!runtime || runtime.workspace.id !== address.workspace) {
      throw new Error(`widget account "${address.account}" is not configured for workspace "${address.workspace}"`);
    }
  }

  /** What the handshake checks a visitor against. */
  function handshakeAccount(id: string) {
    const r = runtimes.get(id);
    return (
      r && { workspace: r.workspace.id, account: r.config.account, secret: r.config.secret, allowedOrigins: r.config.allowedOrigins, lifetime: r.lifetime }
    );
  }

  /** The abuse limits (limits.ts): a place for the socket, given back when the connection closes; refused with 429 over a cap. */
  async function admit(req: IncomingMessage, socket: Duplex, runtime: AccountRuntime, newVisitor: boolean): Promise<boolean> {
    const c = ctx!;
    const client = clientKey(runtime.config.secret, c.clientAddress(req));
    const where = { account: runtime.config.account, origin: req.headers.origin, client: client.short };
    const admission = await limits!.checks.admit({ account: runtime.config, client: client.key, newVisitor }).catch((err: unknown) => {
      c.logger.warn({ account: runtime.config.account, err }, 'widget limits unavailable');
      return undefined;
    });
    if (!admission) {
      refuse(socket, 503, 'try again later', c.logger, where);
      return false;
    }
    if (!admission.ok) {
      refuse(socket, 429, admission.reason, c.logger, { ...where, limit: admission.limit }, admission);
      return false;
    }
    // The raw connection's close covers every end: the socket's, and a handshake `ws` aborts itself.
    if (socket.destroyed) admission.release();
    else socket.once('close', admission.release);
    return !socket.destroyed;
  }

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const c = ctx!;
    const now = new Date();
    const shake = checkHandshake(req, handshakeAccount, now);
    if (!shake.ok) return refuse(socket, shake.status, shake.reason, c.logger, { origin: req.headers.origin });
    const runtime = runtimes.get(shake.account)!;
    if (!(await admit(req, socket, runtime, !shake.visitor))) return;
    const scope = { workspace: runtime.workspace.id, account: runtime.config.account };
    // A first visit, or one whose token's lifetime is over, gets a new id; a returning one keeps the
    // id its token proves and the same token back (same issue time: returning does not extend it).
    const visitor = shake.visitor
      ? { id: shake.visitor.id, token: visitorToken(runtime.config.secret, scope, shake.visitor.id, shake.visitor.issuedAt), issuedAt: shake.visitor.issuedAt }
      : issueVisitor(runtime.config.secret, scope, now);
    if (shake.expired) c.logger.debug({ account: runtime.config.account }, 'widget visitor token expired; a new visitor id is issued');
    // Relative, so the browser's own clock (however wrong) drops the token when the hub stops taking it.
    const expiresInMs = Math.max(0, tokenExpiry(visitor.issuedAt, runtime.lifetime).getTime() - now.getTime());
    runtime.wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      alive.add(ws);
      ws.on('pong', () => alive.add(ws));
      ws.on('close', () => sockets.delete(ws));
      const proof = {
        userAgent: coarseUserAgent(req.headers['user-agent']),
        // The client's address behind `server.trustProxy` proxies, not the proxy's.
        ...(runtime.workspace.privacy.storeIp ? { ip: c.clientAddress(req) } : {}),
      };
      const address = { workspace: runtime.workspace.id, channel: 'widget', account: runtime.config.account, user: visitor.id };
      runSession(ws, address, proof, {
        ctx: c,
        workspace: runtime.workspace,
        config: runtime.config,
        limiter: runtime.limiter,
        fanout: fanout!,
        logger: c.logger,
      });
      ws.send(runtime.hello({ token: visitor.token, expiresInMs, isNew: !shake.visitor }));
    });
  }

  return {
    channel: 'widget',
    capabilities: widgetCapabilities,

    async start(context: AdapterContext) {
      ctx = context;
      fanout = new Fanout(context.redis(), `${context.keyPrefix}:widget`, context.logger);
      if (!context.http) return; // a worker process only publishes
      await fanout.subscribe(context.redis());
      const redis = context.redis();
      limits = { redis, checks: new HandshakeLimits({ redis, prefix: context.keyPrefix, accounts: [...runtimes.values()].map((r) => r.config) }) };
      const bundle = await widgetBundle();
      context.logger.info({ bytes: bundle.js.length, gzipBytes: bundle.gzip.length }, 'widget script bundled');
      context.http.get('/widget.js', async (req) => {
        const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
        return {
          status: 200,
          raw: gzip ? bundle.gzip : bundle.js,
          headers: {
            'content-type': 'application/javascript; charset=utf-8',
            // Loaded by other sites' pages: helmet's same-origin default would block it.
            'cross-origin-resource-policy': 'cross-origin',
            'cache-control': 'public, max-age=300',
            etag: bundle.etag,
            vary: 'accept-encoding',
            ...(gzip ? { 'content-encoding': 'gzip' } : {}),
          },
        };
      });
      context.http.upgrade(widgetSocketPath, (req, socket, head) => {
        upgrade(req, socket, head).catch((err: unknown) => {
          context.logger.error({ err }, 'widget upgrade failed');
          socket.destroy();
        });
      });
      timers = [
        setInterval(() => {
          // Dead peers (a laptop closed mid-chat) never send a close; a missed pong ends them.
          for (const ws of sockets) {
            if (!alive.has(ws)) ws.terminate();
            else {
              alive.delete(ws);
              ws.ping();
            }
          }
        }, heartbeatMs),
        setInterval(() => {
          for (const r of runtimes.values()) r.limiter.sweep();
        }, 60_000),
      ];
      for (const t of timers) t.unref();
    },

    async send(message: OutboundMessage) {
      configured(message.address);
      await pushReply(message, ctx!, fanout!);
      return {};
    },

    async typing({ address }: TypingTarget) {
      configured(address);
      await pushTyping(address, fanout!);
    },

    async stop() {
      for (const t of timers) clearInterval(t);
      for (const ws of sockets) ws.terminate();
      await limits?.checks.stop();
      await limits?.redis.quit();
      await fanout?.close();
      await fanout?.closePublisher();
    },
  };
}

export const widget = defineChannel({
  id: 'widget',
  accountSchema: widgetAccountSchema,
  capabilities: widgetCapabilities,
  create: createWidgetAdapter,
  // The pre-chat and offline forms the widget shows itself.
  ownForms: widgetOwnForms,
  // The handshake limits' Redis keys.
  collections: { privacy: widgetLimitsPrivacy },
});

/** For tests and tools: a frame the hub would send. */
