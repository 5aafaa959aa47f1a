import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { builtinRegistry } from '../../adapters/index.js';
import { widgetAccountSchema } from '../../adapters/widget/config.js';
import { OpenConnections } from '../../adapters/widget/open-connections.js';
import type { Hub } from '../../core/hub.js';
import { matchesRedisPattern } from '../../core/privacy/contract.js';
import { dataMap } from '../../core/privacy/data-map.js';
import { cleanup, eventually, exited, spawnHub, startTestHub, type TestEnv } from '../helpers/hub.js';
import { reportRow } from '../helpers/reliability-row.js';
import { freePort, startWidgetHub, WidgetClient, widgetEnv } from './helpers.js';

// Issue #14: caps on open sockets and new visitors per client address and per widget account,
// held in Redis across hub processes. Addresses are simulated with X-Forwarded-For from
// 127.0.0.1, which the hub believes only with `server.trustProxy: 1`.

/** Opens a widget socket as `address` (through a proxy saying so): the client, or the refused handshake's status. */
async function connect(url: string, address?: string, options: { token?: string } = {}): Promise<WidgetClient | number> {
  try {
    return await new WidgetClient(url, { ...options, ...(address ? { headers: { 'x-forwarded-for': address } } : {}) }).open();
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === undefined) throw err;
    return status;
  }
}

/** The headers of a refused handshake from `address`. */
function refusal(url: string, address: string): Promise<{ status?: number; retryAfter?: string }> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/channels/widget/ws?account=shop`, ['switchboard.v1'], {
    headers: { origin: url, 'x-forwarded-for': address },
  });
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode, retryAfter: res.headers['retry-after'] }));
    ws.once('open', () => (ws.terminate(), reject(new Error('accepted'))));
    ws.once('error', reject);
  });
}

const opened = (results: (WidgetClient | number)[]) => results.filter((r): r is WidgetClient => typeof r !== 'number');
const statuses = (results: (WidgetClient | number)[]) => results.filter((r): r is number => typeof r === 'number');

/** The visitor's message is answered by the bot: the socket works. */
async function chats(client: WidgetClient): Promise<void> {
  await client.sendText('is this open?');
  await client.until(() => client.replies().length === 1, 'the bot reply', 30_000);
  expect(client.replies()[0]!.text).toBe('Thanks, noted.');
}

/** Until a socket from `address` is accepted again (a close is given back as the server sees the connection end). */
async function eventuallyAccepted(url: string, address: string): Promise<WidgetClient> {
  let client: WidgetClient | number = 0;
  await eventually(async () => typeof (client = await connect(url, address)) !== 'number', 5_000, `a socket from ${address}`, 50);
  return client as unknown as WidgetClient;
}

const limits = (perAddress: number, perAccount: number, newPerAddress = 40) => ({
  limits: {
    perAddress: { connections: perAddress, newVisitors: { max: newPerAddress, windowSeconds: 600 } },
    perAccount: { connections: perAccount, newVisitors: { max: 100_000, windowSeconds: 60 } },
  },
});

describe('behind one trusted proxy', () => {
  let env: TestEnv;
  let hub: Hub;
  const logs: string[] = [];
  const all: WidgetClient[] = [];

  beforeAll(async () => {
    env = widgetEnv({ port: await freePort(), autoReply: 'Thanks, noted.', server: { trustProxy: 1 }, account: limits(20, 5000) });
    hub = await startTestHub(env, 'all', logs);
  });
  afterAll(async () => {
    for (const c of all) c.close();
    await hub?.stop();
    if (env) await cleanup(env);
  });

  it('1,000 sockets from one address: the first 20 chat, the rest are refused with 429', async () => {
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 1000 }, () => connect(hub.url!, '203.0.113.7')));
    const ms = Math.round(performance.now() - started);
    const accepted = opened(results);
    all.push(...accepted);
    console.log(`1,000 handshakes from one address: ${accepted.length} accepted, ${statuses(results).length} refused, in ${ms} ms`);
    expect(accepted).toHaveLength(20);
    expect(statuses(results)).toEqual(Array(980).fill(429));
    await Promise.all(accepted.map(chats));
    reportRow('widget: 1,000 sockets from one address', {
      messages: 1000,
      lost: 0,
      notes: [`accepted ${accepted.length} (each chatted), refused ${statuses(results).length} with 429, in ${ms} ms; another address unaffected (next test)`],
    });
  });

  it('another address is unaffected', async () => {
    const other = await connect(hub.url!, '198.51.100.9');
    expect(other).toBeInstanceOf(WidgetClient);
    all.push(other as WidgetClient);
    await chats(other as WidgetClient);
  });

  it('closing sockets frees room for as many', async () => {
    const mine = all.slice(0, 20);
    expect(await connect(hub.url!, '203.0.113.7')).toBe(429);
    for (const c of mine.slice(0, 5)) c.close();
    for (let i = 0; i < 5; i++) all.push(await eventuallyAccepted(hub.url!, '203.0.113.7'));
    expect(await connect(hub.url!, '203.0.113.7')).toBe(429);
    await chats(all.at(-1)!);
  });

  it('an IPv6 neighbour in the same /64 shares the cap, another /64 does not; IPv4-mapped is the IPv4 address', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => connect(hub.url!, `2001:db8:1:2::${(i % 2 ? 0x10 : 0x20) + i}`)));
    all.push(...opened(results));
    expect(opened(results)).toHaveLength(20);
    expect(await connect(hub.url!, '2001:db8:1:2:ffff:ffff:ffff:1')).toBe(429);
    const next = await connect(hub.url!, '2001:db8:1:3::1');
    expect(next).toBeInstanceOf(WidgetClient);
    all.push(next as WidgetClient);
    expect(await connect(hub.url!, '::ffff:203.0.113.7')).toBe(429);
  });

  it('caps new visitors per address, not returning ones', async () => {
    let first: WidgetClient | undefined;
    for (let i = 0; i < 40; i++) {
      const c = await connect(hub.url!, '192.0.2.50');
      expect(c, `new visitor ${i + 1}`).toBeInstanceOf(WidgetClient);
      first ??= c as WidgetClient;
      (c as WidgetClient).close();
    }
    // Room among the open connections, but the window's 40 new visitors are used: until it ends (10 minutes).
    const refused = await refusal(hub.url!, '192.0.2.50');
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(590);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(600);
    const returning = await connect(hub.url!, '192.0.2.50', { token: first!.visitor! });
    expect(returning).toBeInstanceOf(WidgetClient);
    all.push(returning as WidgetClient);
    expect((returning as WidgetClient).visitor).toBe(first!.visitor);
  });

  it('keeps no address in Redis or the log; every key it wrote has a privacy contract', async () => {
    const redis = new Redis(env.redisUrl);
    const keys = (await redis.keys(`${env.prefix}:widget:*`)).map((k) => k.slice(env.prefix.length + 1));
    await redis.quit();
    expect(keys.length).toBeGreaterThan(0);
    const contracts = dataMap(builtinRegistry()).flatMap((c) => ('redis' in c.store ? [c.store.redis] : []));
    for (const key of keys)
      expect(
        contracts.some((p) => matchesRedisPattern(p, key)),
        `no privacy contract for ${key}`,
      ).toBe(true);
    for (const text of [keys.join('\n'), logs.join('\n')]) expect(text).not.toMatch(/203\.0\.113|198\.51\.100|192\.0\.2\.|2001:db8/);
    const refusals = logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'widget handshake refused' && l.status === 429);
    expect(refusals.length).toBeGreaterThan(980);
    expect(refusals[0]).toMatchObject({ level: 40, account: 'shop', limit: 'connections per address', client: expect.stringMatching(/^[\w-]{6}$/) });
  });
});

describe('without a trusted proxy', () => {
  let env: TestEnv;
  let hub: Hub;

  beforeAll(async () => {
    env = widgetEnv({ port: await freePort(), autoReply: 'Thanks, noted.', account: limits(3, 5000) });
    hub = await startWidgetHub(env);
  });
  afterAll(async () => {
    await hub?.stop();
    if (env) await cleanup(env);
  });

  it('ignores a forged X-Forwarded-For: every socket counts as the peer, 127.0.0.1', async () => {
    const results = [];
    for (const forged of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']) results.push(await connect(hub.url!, forged));
    expect(opened(results)).toHaveLength(3);
    expect(results[3]).toBe(429);
    for (const c of opened(results)) c.close();
  });
});

describe('two hub processes', () => {
  let env: TestEnv;
  let a: Hub;
  let b: ChildProcess;
  let urlB: string;
  const all: WidgetClient[] = [];

  beforeAll(async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    env = widgetEnv({
      port: portA,
      origins: [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`],
      autoReply: 'Thanks, noted.',
      server: { trustProxy: 1 },
      account: limits(5, 12),
    });
    a = await startWidgetHub(env);
    // Process B: a web process of its own on the same Redis, MongoDB and config but its own port.
    const config = JSON.parse(readFileSync(env.configFile, 'utf8')) as { server: { port: number } };
    config.server.port = portB;
    const configFile = join(mkdtempSync(join(tmpdir(), 'switchboard-test-')), 'switchboard.yaml');
    writeFileSync(configFile, JSON.stringify(config));
    b = spawnHub({ ...env, configFile }, 'web');
    urlB = `http://127.0.0.1:${portB}`;
    await eventually(async () => (await fetch(`${urlB}/healthz`).catch(() => undefined))?.ok === true, 60_000, 'process B listening', 200);
  }, 90_000);
  afterAll(async () => {
    for (const c of all) c.close();
    b?.kill('SIGKILL');
    if (b) await exited(b);
    await a?.stop();
    if (env) await cleanup(env);
  });

  const keep = (r: WidgetClient | number) => (typeof r !== 'number' && all.push(r), r);

  it('share the per-address and the per-account caps through Redis', async () => {
    for (let i = 0; i < 3; i++) expect(keep(await connect(a.url!, '203.0.113.7'))).toBeInstanceOf(WidgetClient);
    for (let i = 0; i < 2; i++) expect(keep(await connect(urlB, '203.0.113.7'))).toBeInstanceOf(WidgetClient);
    expect(await connect(urlB, '203.0.113.7')).toBe(429);
    expect(await connect(a.url!, '203.0.113.7')).toBe(429);
    // A socket held by B chats: the reply comes from A's worker over Redis.
    await chats(all.at(-1)!);
    for (let i = 0; i < 5; i++) expect(keep(await connect(a.url!, '198.51.100.1'))).toBeInstanceOf(WidgetClient);
    for (let i = 0; i < 2; i++) expect(keep(await connect(urlB, '198.51.100.2'))).toBeInstanceOf(WidgetClient);
    // 12 open: the account is full, from any address, on either process.
    expect(await connect(a.url!, '192.0.2.1')).toBe(429);
    expect(await connect(urlB, '192.0.2.1')).toBe(429);
  });

  it("a stopped process's sockets stop counting at once", async () => {
    b.kill('SIGTERM');
    await exited(b);
    // B held 4 of the 12: room again for a new address, and for 203.0.113.7 (3 left on A).
    for (let i = 0; i < 2; i++) expect(keep(await connect(a.url!, '203.0.113.7'))).toBeInstanceOf(WidgetClient);
    expect(await connect(a.url!, '203.0.113.7')).toBe(429);
    expect(keep(await connect(a.url!, '192.0.2.1'))).toBeInstanceOf(WidgetClient);
  });
});

describe('open connections of a crashed process', () => {
  const redis = new Redis(inject('redisUrl'));
  const prefix = `sbtest-${randomBytes(4).toString('hex')}`;
  const counter = { key: `${prefix}:widget:conn:addr:shop:x`, cap: 2 };
  const processesKey = `${prefix}:widget:conn:procs`;

  afterAll(async () => {
    await redis.del(counter.key, processesKey);
    await redis.quit();
  });

  it('stop counting once its lease lapses, without anyone releasing them', async () => {
    // "Crashed": it never renews (its first refresh would come in an hour).
    const crashed = new OpenConnections({ redis, processesKey, ttlMs: 1000, refreshMs: 3_600_000 });
    const alive = new OpenConnections({ redis, processesKey, ttlMs: 1000, refreshMs: 200 });
    expect((await crashed.admit([counter])).ok).toBe(true);
    expect((await crashed.admit([counter])).ok).toBe(true);
    expect(await alive.admit([counter])).toEqual({ ok: false, full: 0 });
    await new Promise((r) => setTimeout(r, 1200));
    const admitted = await alive.admit([counter]);
    expect(admitted.ok).toBe(true);
    // The live process's own count survives its refreshes past the lease time.
    await new Promise((r) => setTimeout(r, 1200));
    expect(await redis.hgetall(counter.key)).toEqual({ [alive.processId]: '1' });
    if (admitted.ok) admitted.release();
    await eventually(async () => (await redis.exists(counter.key)) === 0, 2_000, 'the counter emptied');
    await alive.stop();
    await crashed.stop();
  });
});

describe('config', () => {
  const base = { account: 'shop', secret: 'widget-test-secret-0123456789', allowedOrigins: ['https://shop.example'] };

  it('defaults to 20 open and 30 new per 10 minutes per address, 5,000 open and 600 new per minute per account', () => {
    expect(widgetAccountSchema.parse(base).limits).toEqual({
      perAddress: { connections: 20, newVisitors: { max: 30, windowSeconds: 600 } },
      perAccount: { connections: 5000, newVisitors: { max: 600, windowSeconds: 60 } },
    });
    expect(widgetAccountSchema.parse({ ...base, limits: { perAddress: { connections: 50 } } }).limits.perAddress).toEqual({
      connections: 50,
      newVisitors: { max: 30, windowSeconds: 600 },
    });
  });

  it('refuses a cap of 0, a fraction and an unknown setting', () => {
    for (const limits of [{ perAddress: { connections: 0 } }, { perAccount: { newVisitors: { max: 1.5 } } }, { perAddress: { sockets: 5 } }]) {
      expect(widgetAccountSchema.safeParse({ ...base, limits }).success, JSON.stringify(limits)).toBe(false);
    }
  });
});
