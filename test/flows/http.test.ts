import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { performHttp, type HttpRequest } from '../../flows/http.js';
import { AddressPolicy } from '../../core/net/address-policy.js';
import { OutboundClient } from '../../core/net/outbound.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const json = (res: ServerResponse, status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
const routes: Record<string, Handler> = {
  '/order': (_req, res) => json(res, 200, { status: 'shipped', eta: '2026-11-24' }),
  '/echo': (req, res, body) => json(res, 201, { method: req.method, auth: req.headers.authorization, type: req.headers['content-type'], body }),
  '/slow': (_req, res) => void setTimeout(() => json(res, 200, { late: true }), 3000),
  '/slow-body': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).write('{"partial": ');
    setTimeout(() => res.end('true}'), 3000);
  },
  '/garbage': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('<html>not json</html>'),
  '/not-utf8': (_req, res) => res.writeHead(200).end(Buffer.from([0x22, 0xff, 0xfe, 0x22])),
  '/empty-200': (_req, res) => res.writeHead(200).end(),
  '/no-content': (_req, res) => res.writeHead(204).end(),
  '/huge': (_req, res) => {
    // Chunked, with no length given: only the streamed count can stop it.
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = `"${'x'.repeat(16 * 1024)}",`;
    res.write('[');
    let sent = 0;
    const more = () => {
      while (sent < 128) {
        sent++;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
      res.end('""]');
    };
    more();
  },
  '/declared-huge': (_req, res) => res.writeHead(200, { 'content-length': String(200_000) }).end('x'.repeat(200_000)),
  '/exact': (_req, res) => res.writeHead(200).end(`"${'x'.repeat(98)}"`), // 100 bytes
  '/error': (_req, res) => json(res, 500, { error: 'boom' }),
  '/unavailable': (_req, res) => res.writeHead(503).end('try later'),
  '/redirect': (_req, res) => res.writeHead(302, { location: '/order' }).end(),
  '/redirect-307': (_req, res) => res.writeHead(307, { location: '/order' }).end(),
  '/reset': (req) => req.socket.destroy(),
};

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => (routes[req.url ?? ''] ?? ((_q: IncomingMessage, r: ServerResponse) => json(r, 404, {})))(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections(); // the slow routes would otherwise hold close() open
  await new Promise((resolve) => server.close(resolve));
});

const get = (path: string, over: Partial<HttpRequest> = {}): HttpRequest => ({
  method: 'GET',
  url: base + path,
  headers: { accept: 'application/json' },
  timeoutMs: 2000,
  maxBytes: 65_536,
  ...over,
});

/** This workspace allows the test server's loopback address (a flow's client without it may not call it). */
const local = new OutboundClient(new AddressPolicy(['127.0.0.1']));
const call = (request: HttpRequest) => performHttp(request, { client: local });

describe('performHttp', () => {
  it('returns the parsed JSON of a 2xx response', async () => {
    expect(await call(get('/order'))).toEqual({ ok: true, json: { status: 'shipped', eta: '2026-11-24' } });
  });

  it('sends the method, headers and body', async () => {
    const request = get('/echo', { method: 'POST', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: '{"order": "123"}' });
    expect(await call(request)).toEqual({ ok: true, json: { method: 'POST', auth: 'Bearer t', type: 'application/json', body: '{"order": "123"}' } });
  });

  it('gives null for a 204, and "not JSON" for an empty 200', async () => {
    expect(await call(get('/no-content'))).toEqual({ ok: true, json: null });
    expect(await call(get('/empty-200'))).toEqual({ ok: false, error: 'not JSON' });
  });

  it('times out on a slow response, and on a slow body', async () => {
    const started = Date.now();
    expect(await call(get('/slow', { timeoutMs: 200 }))).toEqual({ ok: false, error: 'timeout' });
    expect(await call(get('/slow-body', { timeoutMs: 200 }))).toEqual({ ok: false, error: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses a body that is not JSON, or not UTF-8', async () => {
    expect(await call(get('/garbage'))).toEqual({ ok: false, error: 'not JSON' });
    expect(await call(get('/not-utf8'))).toEqual({ ok: false, error: 'not JSON' });
  });

  it('stops reading past maxBytes, whether or not the size was declared', async () => {
    expect(await call(get('/huge'))).toEqual({ ok: false, error: 'response too large' });
    expect(await call(get('/declared-huge'))).toEqual({ ok: false, error: 'response too large' });
    expect(await call(get('/exact', { maxBytes: 100 }))).toEqual({ ok: true, json: 'x'.repeat(98) });
    expect(await call(get('/exact', { maxBytes: 99 }))).toEqual({ ok: false, error: 'response too large' });
  });

  it('fails on a non-2xx status', async () => {
    expect(await call(get('/error'))).toEqual({ ok: false, error: 'status 500' });
    expect(await call(get('/unavailable'))).toEqual({ ok: false, error: 'status 503' });
    expect(await call(get('/missing'))).toEqual({ ok: false, error: 'status 404' });
  });

  it('refuses redirects rather than follow them', async () => {
    expect(await call(get('/redirect'))).toEqual({ ok: false, error: 'redirect refused' });
  });

  it('reports a refused connection and a bad URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await call(get('', { url: `http://127.0.0.1:${port}/` }))).toEqual({ ok: false, error: 'connection refused' });
    expect(await call(get('', { url: 'not a url' }))).toEqual({ ok: false, error: 'invalid URL' });
  });

  it('never throws: a reset connection and a header fetch refuses are reasons too', async () => {
    expect(await call(get('/reset'))).toEqual({ ok: false, error: 'connection reset' });
    expect(await call({ ...get('/order'), headers: { 'bad\nname': 'x' } })).toMatchObject({ ok: false });
  });

  it("refuses the test server's loopback address to a workspace that does not allow it, and a 307 redirect too", async () => {
    expect(await performHttp(get('/order'))).toEqual({ ok: false, error: 'address not allowed' });
    expect(await call(get('/redirect-307'))).toEqual({ ok: false, error: 'redirect refused' });
  });
});
