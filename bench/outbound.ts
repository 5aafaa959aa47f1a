/**
 * The outbound client's two ways of calling a webhook, on the same local receiver in the same
 * run: `fetch` (WHATWG Response; flows' http nodes read bodies through it) against `send`
 * (undici's request, the body dropped; every reply POSTed to an api-channel webhook, the CRM and
 * the event webhooks go through it). Prints CPU ms per request of this process (client and
 * receiver both run here) and the ratio.
 *
 *   npx tsx bench/outbound.ts [--requests N] [--concurrency C]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { AddressPolicy } from '../core/net/address-policy.js';
import { OutboundClient } from '../core/net/outbound.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '8000' }, concurrency: { type: 'string', default: '16' } } });
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);

async function main(): Promise<void> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(202).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const client = new OutboundClient(new AddressPolicy(['127.0.0.1']));
  const body = JSON.stringify({ id: 'out_0123456789abcdef', user: 'u1', text: 'Thanks, noted.', inReplyTo: 'm1' });
  const call = async (via: 'fetch' | 'send') => {
    const request = {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-switchboard-signature': 'sha256=00' },
      body,
      signal: AbortSignal.timeout(5000),
    };
    if (via === 'send') return void (await client.send(url, request));
    await (await client.fetch(url, request)).arrayBuffer();
  };
  const cpuPerRequest = async (via: 'fetch' | 'send', n: number) => {
    const before = process.cpuUsage();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = 0; i < n / concurrency; i++) await call(via);
      }),
    );
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000 / n;
  };
  const rows: Record<'fetch' | 'send', number[]> = { fetch: [], send: [] };
  // Alternating rounds, each after a warm-up, so drift in the machine's speed hits both alike.
  for (let round = 0; round < 2; round++) {
    for (const via of ['fetch', 'send'] as const) {
      await cpuPerRequest(via, Math.min(2000, requests));
      rows[via].push(await cpuPerRequest(via, requests));
    }
  }
  const best = (xs: number[]) => Math.min(...xs);
  console.log(`outbound client, ${requests} POSTs per round, ${concurrency} in flight, 2 rounds each (best shown)`);
  console.log(`fetch: ${best(rows.fetch).toFixed(3)} cpu ms/request (client and receiver)`);
  console.log(`send:  ${best(rows.send).toFixed(3)} cpu ms/request (client and receiver)`);
  console.log(`send/fetch cpu ratio: ${(best(rows.send) / best(rows.fetch)).toFixed(2)}`);
  server.close();
  await client.close();
}

await main();
