import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A business's order API for the example flow's `http` node, with the demo
 * endpoint's rules (even last digit: shipped; odd: processing; leading 9: 404)
 * plus two broken answers: 5555 never answers in time, 7777 answers garbage.
 * With a `token`, requests without `Authorization: Bearer <token>` get 401.
 */
export async function startOrdersApi(token?: string): Promise<{ url: string; stop(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (token && req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401).end('{"error":"unauthorized"}');
    const number = /^\/demo\/orders\/([0-9]+)$/.exec(req.url ?? '')?.[1];
    if (!number || number.startsWith('9')) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
    if (number === '5555') return void setTimeout(() => res.writeHead(200).end('{}'), 5000);
    if (number === '7777') return void res.writeHead(200, { 'content-type': 'application/json' }).end('<html>oops</html>');
    const shipped = Number(number.at(-1)) % 2 === 0;
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ number, status: shipped ? 'shipped' : 'processing', eta: shipped ? '2026-11-24' : '2026-11-27' }));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
