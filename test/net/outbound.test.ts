import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressPolicy, checkAllowEntry, nonPublicRange } from '../../core/net/address-policy.js';
import { OutboundClient, OutboundRefused, type Resolver } from '../../core/net/outbound.js';

/** A server on loopback standing in for what a workspace must not reach (cloud metadata, an admin port). */
let server: Server;
let port: number;
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/to-loopback') return void res.writeHead(307, { location: `http://127.0.0.1:${port}/secret` }).end();
    if (req.url === '/to-allowed') return void res.writeHead(308, { location: `http://hooks.example:${port}/landed` }).end();
    if (req.url === '/loop') return void res.writeHead(307, { location: '/loop' }).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, url: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** DNS as the test needs it: every name resolves to loopback (no real DNS is asked). */
const toLoopback: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];

/** Both ways of calling out: `fetch` (flows' http nodes read the body) and `send` (webhook POSTs). */
type Via = 'fetch' | 'send';
let via: Via = 'fetch';

async function refusal(client: OutboundClient, url: string, maxRedirects = 0): Promise<string> {
  const before = hits.length;
  try {
    const res = await client[via](url, { method: 'GET', headers: {}, maxRedirects });
    return `reached (${res.status})`;
  } catch (err) {
    if (!(err instanceof OutboundRefused)) throw err;
    return `refused: ${err.reason}${hits.length > before ? ' (after a request)' : ''}`;
  }
}

describe.each<Via>(['fetch', 'send'])('outbound calls through %s', (method) => {
  beforeAll(() => {
    via = method;
  });

  describe('outbound calls of a workspace without an allowlist', () => {
    const client = new OutboundClient(new AddressPolicy([]), toLoopback);
    afterAll(() => client.close());

    it('refuses loopback however the address is written: dotted, decimal, octal, hex, IPv6 and IPv4-mapped IPv6', async () => {
      const before = hits.length;
      for (const host of [
        '127.0.0.1',
        '2130706433',
        '0177.0.0.1',
        '0x7f.0.0.1',
        '0x7f000001',
        '127.1',
        '[::1]',
        '[::ffff:127.0.0.1]',
        '[::ffff:7f00:1]',
        '[0:0:0:0:0:ffff:127.0.0.1]',
      ])
        expect(await refusal(client, `http://${host}:${port}/`), host).toBe('refused: loopback address refused');
      expect(hits.length).toBe(before);
    });

    it('refuses private, link-local (cloud metadata), CGNAT, multicast, unspecified and their IPv6 forms', async () => {
      const cases: Record<string, string> = {
        '10.0.0.1': 'private',
        '172.16.5.4': 'private',
        '192.168.1.1': 'private',
        '169.254.169.254': 'linkLocal',
        '100.64.0.1': 'carrierGradeNat',
        '224.0.0.1': 'multicast',
        '0.0.0.0': 'unspecified',
        '[::]': 'unspecified',
        '[fe80::1]': 'linkLocal',
        '[fd00::1]': 'uniqueLocal',
        '[ff02::1]': 'multicast',
        '[::ffff:169.254.169.254]': 'linkLocal',
        '[64:ff9b::a00:1]': 'rfc6052',
      };
      for (const [host, range] of Object.entries(cases))
        expect(await refusal(client, `http://${host}/latest/meta-data/`), host).toBe(`refused: ${range} address refused`);
    });

    it('refuses a name that resolves to loopback, checked when connecting', async () => {
      const before = hits.length;
      expect(await refusal(client, `http://metadata.attacker.example:${port}/`)).toBe('refused: metadata.attacker.example resolves to a loopback address');
      expect(hits.length).toBe(before);
    });

    it('refuses other schemes', async () => {
      expect(await refusal(client, 'file:///etc/passwd')).toBe('refused: scheme file: refused');
    });

    it('lets public addresses through', () => {
      expect(nonPublicRange('93.184.216.34')).toBeUndefined();
      expect(nonPublicRange('2606:4700::6810:84e5')).toBeUndefined();
      expect(nonPublicRange('::ffff:93.184.216.34')).toBeUndefined();
    });
  });

  describe('outbound calls of a workspace with an allowlist', () => {
    // `hooks.example` (a name) is trusted whatever it resolves to; loopback itself is not listed.
    const client = new OutboundClient(new AddressPolicy(['hooks.example', '10.1.0.0/16']), toLoopback);
    afterAll(() => client.close());

    it('reaches an allowed name, and follows a 308 to it', async () => {
      expect(await refusal(client, `http://hooks.example:${port}/x`)).toBe('reached (200)');
      expect(await refusal(client, `http://hooks.example:${port}/to-allowed`, 3)).toBe('reached (200)');
      expect(hits.at(-1)).toBe('/landed');
    });

    it('checks each redirect hop again: a redirect to loopback is refused before it is followed', async () => {
      const before = hits.length;
      expect(await refusal(client, `http://hooks.example:${port}/to-loopback`, 3)).toBe('refused: loopback address refused (after a request)');
      expect(hits.slice(before)).toEqual(['/to-loopback']);
    });

    it('refuses redirects when the caller allows none, and stops after the allowed number', async () => {
      expect(await refusal(client, `http://hooks.example:${port}/to-allowed`)).toBe('refused: redirect refused (after a request)');
      expect(await refusal(client, `http://hooks.example:${port}/loop`, 3)).toBe('refused: redirect refused (after a request)');
    });

    it('opens listed ranges only: 10.1.x.x is allowed, 10.2.x.x is not', () => {
      const policy = new AddressPolicy(['10.1.0.0/16', '::1']);
      expect(policy.refusal('10.1.2.3')).toBeUndefined();
      expect(policy.refusal('10.2.0.1')).toBe('private address');
      expect(policy.refusal('::1')).toBeUndefined();
      expect(policy.refusal('127.0.0.1')).toBe('loopback address');
    });

    it('matches `*.domain` names under the domain only', () => {
      const policy = new AddressPolicy(['*.corp.example']);
      expect(policy.allowsName('crm.corp.example')).toBe(true);
      expect(policy.allowsName('CRM.corp.example.')).toBe(true);
      expect(policy.allowsName('corp.example.attacker.example')).toBe(false);
      expect(policy.allowsName('evilcorp.example')).toBe(false);
    });

    it('checks allowlist entries when the config loads', () => {
      expect(checkAllowEntry('10.0.0.0/33')).toBe('expected a CIDR range such as 10.0.0.0/8');
      expect(checkAllowEntry('http://x/')).toMatch(/expected a host name/);
      expect(checkAllowEntry('[::1]')).toBeUndefined();
    });
  });
});
