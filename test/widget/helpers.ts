import { randomUUID } from 'node:crypto';
import { createServer as createNetServer, connect as netConnect, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { builtinRegistry } from '../../adapters/index.js';
import { visitorToken } from '../../adapters/widget/identity.js';
import type { ServerFrame, WireMessage } from '../../adapters/widget/protocol.js';
import { demoRoutes } from '../../cli/demo-routes.js';
import { repoRoot } from '../../core/embedded/ferretdb.js';
import { startHub, type Hub, type Role } from '../../core/hub.js';
import { createLogger } from '../../core/logger.js';
import { Message } from '../../core/store/message.js';
import { createFlowResponder } from '../../flows/setup.js';
import { eventually, testEnv, type TestEnv } from '../helpers/hub.js';

export const widgetSecret = 'widget-test-secret-0123456789';
export const workspace = 'shop';
const account = 'shop';

/** A free TCP port on 127.0.0.1 (the widget's allowed origins name the hub's port before it starts). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** A config with one widget account on `port`, allowing `origins` (default: the hub's own). */
export function widgetEnv(options: {
  port: number;
  origins?: string[];
  flows?: { path: string; start: string } | 'shop';
  autoReply?: string;
  account?: Record<string, unknown>;
  storeIp?: boolean;
  /** More workspace settings (teams, hours, ...). */
  workspace?: Record<string, unknown>;
  /** More `server` settings (e.g. `trustProxy`). */
  server?: Record<string, unknown>;
}): TestEnv {
  const flows = options.flows === 'shop' ? { path: join(repoRoot, 'config/flows'), start: 'shop' } : options.flows;
  return testEnv({
    accounts: [],
    channels: {
      [workspace]: {
        widget: [
          {
            account,
            secret: widgetSecret,
            allowedOrigins: options.origins ?? [`http://127.0.0.1:${options.port}`],
            title: 'Demo Shop',
            greeting: 'Hi! Write us anything.',
            marketing: { text: 'Send me news and offers.', version: 'm1' },
            // Every test connects from 127.0.0.1, many visitors a file: the abuse limits are lifted
            // unless a test sets its own (test/widget/abuse-limits.test.ts).
            limits: liftedLimits,
            ...options.account,
          },
        ],
      },
    },
    privacy: {
      [workspace]: {
        policyUrl: 'https://shop.example/privacy',
        notice: { version: 'n1', text: 'We keep what you write to answer you. See our {policyUrl}.' },
        ...(options.storeIp ? { storeIp: true } : {}),
      },
    },
    ...(flows ? { flows: { [workspace]: flows } } : {}),
    ...(options.autoReply ? { autoReply: { [workspace]: options.autoReply } } : {}),
    ...(options.workspace ? { workspaces: { [workspace]: options.workspace } } : {}),
    extra: { server: { port: options.port, ...options.server }, demo: true },
  });
}

/** Handshake limits no test reaches by accident. */
export const liftedLimits = {
  perAddress: { connections: 100_000, newVisitors: { max: 1_000_000, windowSeconds: 1 } },
  perAccount: { connections: 1_000_000, newVisitors: { max: 1_000_000, windowSeconds: 1 } },
};

/** A hub with the demo pages, as `switchboard start` runs it with `demo: true`. */
export async function startWidgetHub(env: TestEnv, role: Role = 'all'): Promise<Hub> {
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const { responder } = createFlowResponder({ config: env.config, channels: builtinRegistry(), logger });
  return startHub({
    config: env.config,
    registry: builtinRegistry(),
    role,
    mongoUri: env.mongoUri,
    redisUrl: env.redisUrl,
    logger,
    responder,
    routes: demoRoutes,
  });
}

/** The token the hub would have issued to visitor `user` at `issuedAt` (so a test can be that visitor). */
export function tokenFor(user: string, issuedAt?: Date): string {
  return visitorToken(widgetSecret, { workspace, account }, user, issuedAt);
}

/** The visitor id a token carries (the stored messages' `user`). */
export const visitorIdOf = (token: string): string => token.slice(0, token.indexOf('.'));

/**
 * Waits until a visitor's conversation holds `count` stored messages. A turn's first reply is sent
 * before the turn commits, so a test that reads history right after a reply waits for this first.
 */
export async function untilStored(visitor: string, count: number): Promise<void> {
  const user = visitor.includes('.') ? visitorIdOf(visitor) : visitor;
  const stored = () => Message.countDocuments({ workspace, channel: 'widget', user });
  await eventually(async () => (await stored()) >= count, 10_000, `${count} stored messages`);
}

/**
 * A widget client in Node, speaking the protocol as the browser script does: it collects every
 * frame, and `sendText` resolves once the hub acknowledged the message.
 */
export class WidgetClient {
  readonly frames: ServerFrame[] = [];
  ws!: WebSocket;
  visitor: string | undefined;
  private waiters: { test: () => boolean; resolve: () => void }[] = [];

  constructor(
    private readonly hubUrl: string,
    private readonly options: { origin?: string; token?: string; account?: string; headers?: Record<string, string> } = {},
  ) {}

  /** Opens the socket; rejects with the HTTP status when the handshake is refused. */
  async open(): Promise<this> {
    const url = `${this.hubUrl.replace(/^http/, 'ws')}/channels/widget/ws?account=${this.options.account ?? account}`;
    const protocols = ['switchboard.v1', ...(this.options.token ? [`visitor.${this.options.token}`] : [])];
    this.ws = new WebSocket(url, protocols, {
      headers: {
        origin: this.options.origin ?? this.hubUrl,
        'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
        ...this.options.headers,
      },
    });
    this.ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      if (frame.t === 'hello') this.visitor = frame.visitor;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => (w.test() ? (w.resolve(), false) : true));
    });
    await new Promise<void>((ok, fail) => {
      this.ws.once('open', () => ok());
      this.ws.once('unexpected-response', (_req, res) => fail(Object.assign(new Error(`handshake refused: ${res.statusCode}`), { status: res.statusCode })));
      this.ws.once('error', fail);
    });
    await this.until(() => this.visitor !== undefined, 'hello');
    return this;
  }

  send(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame));
  }

  async sendText(text: string, id: string = randomUUID()): Promise<string> {
    this.send({ t: 'msg', id, text });
    await this.until(() => this.frames.some((f) => (f.t === 'ack' || f.t === 'error') && f.id === id), `ack of ${id}`);
    return id;
  }

  /** The bot's (and system) messages pushed so far, in arrival order, once each. */
  replies(): WireMessage[] {
    const seen = new Set<string>();
    const out: WireMessage[] = [];
    for (const f of this.frames) {
      if (f.t !== 'msg' || f.m.dir !== 'out' || seen.has(f.m.id)) continue;
      seen.add(f.m.id);
      out.push(f.m);
    }
    return out;
  }

  until(test: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({ test, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  closed(): Promise<{ code: number }> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve({ code: 1006 });
    return new Promise((r) => this.ws.once('close', (code) => r({ code })));
  }

  close(): void {
    this.ws.terminate();
  }
}

/** The status a handshake gets (101 when accepted). */
export async function handshakeStatus(
  hubUrl: string,
  options: { origin?: string; token?: string; account?: string; headers?: Record<string, string> },
): Promise<number> {
  try {
    const c = await new WidgetClient(hubUrl, options).open();
    c.close();
    return 101;
  } catch (err) {
    return (err as { status?: number }).status ?? 0;
  }
}

/**
 * A TCP proxy standing in for the visitor's network: `cut()` drops every open connection and
 * refuses new ones until `restore()`, as a lost Wi-Fi would.
 */
export class FlakyNetwork {
  private server: NetServer | undefined;
  private readonly sockets = new Set<Socket>();
  private down = false;
  port = 0;

  async start(target: () => number): Promise<this> {
    this.server = createNetServer((client) => {
      if (this.down) return void client.destroy();
      const upstream = netConnect(target(), '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  cut(): void {
    this.down = true;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.down = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise((r) => this.server?.close(r));
  }
}

/** What the hub answers a `queue` frame now (without its `t`). */
export async function queueAnswer(visitor: WidgetClient): Promise<Record<string, unknown>> {
  const before = visitor.frames.length;
  visitor.send({ t: 'queue' });
  await visitor.until(() => visitor.frames.slice(before).some((f) => f.t === 'queue'), 'the queue answer');
  const { t: _t, ...answer } = visitor.frames.slice(before).find((f) => f.t === 'queue')!;
  return answer;
}

/**
 * The place in line once the handoff's turn has stored the wait: its reply can reach the visitor
 * first (the turn's first delivery attempt), so an empty answer is asked again, as the widget does.
 */
export async function placeInLine(visitor: WidgetClient): Promise<Record<string, unknown>> {
  let answer: Record<string, unknown> = {};
  await eventually(async () => Object.keys((answer = await queueAnswer(visitor))).length > 0, 5_000, 'a place in line');
  return answer;
}
