/**
 * Widget connections at scale: N concurrent WebSockets to the hub's widget (default 10,000),
 * memory per idle connection in the hub process, and message latency (visitor message → bot
 * reply on the same socket, through queues, MongoDB and Redis pub/sub) against a baseline
 * measured in the same run: a bare `ws` echo server holding the same connections.
 *
 *   npx tsx bench/widget.ts [--connections 10000] [--messages 300] [--rate 30]
 *
 * The servers run in child processes (this file with --serve), so their memory is theirs alone.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execSync } from 'node:child_process';
import { stringify } from 'yaml';
import WebSocket, { WebSocketServer } from 'ws';
import { builtinRegistry } from '../adapters/index.js';
import { parseConfig } from '../core/config/load.js';
import { startHub } from '../core/hub.js';
import { createLogger } from '../core/logger.js';
import { AutoReplyResponder } from '../core/responder.js';
import { percentile, printRows, writeResults } from './report.js';
import { startServices } from './services.js';

const origin = 'http://bench.example';
const secret = 'bench-widget-secret-0123456789';

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

/** Child side: run one server, answer memory requests (after a full GC) over IPC. */
async function serve(kind: 'hub' | 'echo', env: { mongoUri: string; redisUrl: string; prefix: string }): Promise<void> {
  let port: number;
  if (kind === 'echo') {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, clientTracking: false });
    wss.on('connection', (ws) => ws.on('message', (data) => ws.send(data.toString())));
    await new Promise((r) => wss.once('listening', r));
    port = (wss.address() as { port: number }).port;
  } else {
    const registry = builtinRegistry();
    const yaml = stringify({
      server: { host: '127.0.0.1', port: 0 },
      redis: { prefix: env.prefix },
      workspaces: [
        {
          id: 'bench',
          name: 'Bench',
          texts: { autoReply: 'ok' },
          channels: {
            widget: [
              {
                account: 'shop',
                secret,
                allowedOrigins: [origin],
                inboundRate: { burst: 1000, perSecond: 100 },
                // Every bench socket comes from 127.0.0.1: the per-address caps would refuse all but 20.
                limits: {
                  perAddress: { connections: 100_000, newVisitors: { max: 1_000_000, windowSeconds: 1 } },
                  perAccount: { connections: 1_000_000, newVisitors: { max: 1_000_000, windowSeconds: 1 } },
                },
              },
            ],
          },
        },
      ],
    });
    const config = parseConfig(yaml, 'bench.yaml', registry.loadOptions());
    const hub = await startHub({
      config,
      registry,
      role: 'all',
      mongoUri: env.mongoUri,
      redisUrl: env.redisUrl,
      logger: createLogger({ level: 'warn' }),
      responder: new AutoReplyResponder(),
    });
    port = Number(new URL(hub.url!).port);
    process.once('disconnect', () => void hub.stop().then(() => process.exit(0)));
  }
  process.on('message', (m: string) => {
    if (m !== 'memory') return;
    for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.();
    const u = process.memoryUsage();
    process.send!({ rss: u.rss, heapUsed: u.heapUsed, external: u.external + u.arrayBuffers });
  });
  process.send!({ port });
}

function spawnServer(kind: 'hub' | 'echo', env: object): Promise<{ child: ChildProcess; port: number; memory(): Promise<Memory> }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', kind, JSON.stringify(env)], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: 'inherit',
  });
  return new Promise((resolve) => {
    child.once('message', (m: { port: number }) =>
      resolve({
        child,
        port: m.port,
        memory: () => new Promise((r) => (child.once('message', (x) => r(x as Memory)), child.send('memory'))),
      }),
    );
  });
}

/** Opens `n` sockets, at most `parallel` handshakes at a time. */
async function openAll(url: string, n: number, protocols: string[], parallel = 200): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  let next = 0;
  async function lane(): Promise<void> {
    while (next < n) {
      next++;
      const ws = new WebSocket(url, protocols, { headers: { origin }, perMessageDeflate: false });
      await new Promise<void>((ok, fail) => (ws.once('open', ok), ws.once('error', fail)));
      sockets.push(ws);
    }
  }
  await Promise.all(Array.from({ length: parallel }, lane));
  return sockets;
}

/** Sends `count` messages from random sockets at `rate` per second; resolves with each round trip in ms. */
async function roundTrips(
  sockets: WebSocket[],
  count: number,
  rate: number,
  frame: (id: string) => string,
  matches: (data: string, id: string) => boolean,
): Promise<number[]> {
  const times: number[] = [];
  const sends: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    // A different socket for each message, so a reply cannot be taken for another's.
    const ws = sockets[(i * 7919) % sockets.length]!;
    const id = randomUUID();
    sends.push(
      new Promise<void>((done) => {
        const started = performance.now();
        const onMessage = (data: WebSocket.RawData) => {
          if (!matches(data.toString(), id)) return;
          times.push(performance.now() - started);
          ws.off('message', onMessage);
          done();
        };
        ws.on('message', onMessage);
        ws.send(frame(id));
      }),
    );
    await new Promise((r) => setTimeout(r, 1000 / rate));
  }
  await Promise.all(sends);
  return times.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { connections: { type: 'string', default: '10000' }, messages: { type: 'string', default: '300' }, rate: { type: 'string', default: '30' } },
  });
  const n = Number(values.connections);
  const messages = Number(values.messages);
  const rate = Number(values.rate);
  const limit = Number(execSync('ulimit -n', { shell: '/bin/bash' }).toString().trim());
  console.log(`widget bench: ${n} connections, ${messages} messages at ${rate}/s; open files limit ${limit}`);
  if (limit < n + 500) console.warn(`ulimit -n is ${limit}: raise it (ulimit -n ${n + 1000}) for ${n} connections`);

  const services = await startServices();
  const prefix = `benchwidget-${Date.now().toString(36)}`;
  const database = `bench_widget_${Date.now().toString(36)}`;
  const results: Record<string, unknown> = { connections: n, messages, rate, mongo: services.mongoSource };
  try {
    // Baseline: a bare ws echo server, the same connections, the same traffic.
    const echo = await spawnServer('echo', {});
    const echoBefore = await echo.memory();
    const echoSockets = await openAll(`ws://127.0.0.1:${echo.port}`, n, []);
    await new Promise((r) => setTimeout(r, 1000));
    const echoAfter = await echo.memory();
    const echoTimes = await roundTrips(
      echoSockets,
      messages,
      rate,
      (id) => JSON.stringify({ id }),
      (d, id) => d.includes(id),
    );
    for (const ws of echoSockets) ws.terminate();
    echo.child.disconnect();
    echo.child.kill();

    const hub = await spawnServer('hub', { mongoUri: services.mongoUri(database), redisUrl: services.redisUrl, prefix });
    const hubBefore = await hub.memory();
    const t0 = performance.now();
    const hubSockets = await openAll(`ws://127.0.0.1:${hub.port}/channels/widget/ws?account=shop`, n, ['switchboard.v1']);
    const connectMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 2000));
    const hubAfter = await hub.memory();
    const hubTimes = await roundTrips(
      hubSockets,
      messages,
      rate,
      (id) => JSON.stringify({ t: 'msg', id, text: 'hello' }),
      (d) => d.includes('"dir":"out"'),
    );
    for (const ws of hubSockets) ws.terminate();
    hub.child.disconnect();
    await new Promise((r) => hub.child.once('exit', r));

    const per = (a: Memory, b: Memory, key: keyof Memory) => (b[key] - a[key]) / n / 1024;
    const rows = [
      ['', 'bare ws echo', 'widget hub', 'ratio'],
      [
        'rss per idle connection (KB)',
        per(echoBefore, echoAfter, 'rss').toFixed(2),
        per(hubBefore, hubAfter, 'rss').toFixed(2),
        (per(hubBefore, hubAfter, 'rss') / per(echoBefore, echoAfter, 'rss')).toFixed(2),
      ],
      [
        'heap per idle connection (KB)',
        per(echoBefore, echoAfter, 'heapUsed').toFixed(2),
        per(hubBefore, hubAfter, 'heapUsed').toFixed(2),
        (per(hubBefore, hubAfter, 'heapUsed') / per(echoBefore, echoAfter, 'heapUsed')).toFixed(2),
      ],
      [
        'message p50 (ms)',
        percentile(echoTimes, 50).toFixed(1),
        percentile(hubTimes, 50).toFixed(1),
        (percentile(hubTimes, 50) / percentile(echoTimes, 50)).toFixed(1),
      ],
      [
        'message p99 (ms)',
        percentile(echoTimes, 99).toFixed(1),
        percentile(hubTimes, 99).toFixed(1),
        (percentile(hubTimes, 99) / percentile(echoTimes, 99)).toFixed(1),
      ],
    ];
    printRows(rows);
    console.log(
      `(${n} widget handshakes took ${(connectMs / 1000).toFixed(1)} s; widget latency is message → stored → routed → reply pushed, the echo's is one hop)`,
    );
    Object.assign(results, { rows, connectMs });
    console.log(`results: ${writeResults(results, 'widget')}`);
  } finally {
    await services.cleanup([database], [prefix]);
  }
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt >= 0) void serve(process.argv[serveAt + 1] as 'hub' | 'echo', JSON.parse(process.argv[serveAt + 2] ?? '{}'));
else
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
