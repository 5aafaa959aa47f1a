import { createServer, Socket, type Server } from 'node:net';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { Hub } from '../../core/hub.js';
import { cleanup, eventually, postApi, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';
import { Receiver } from '../helpers/receiver.js';

/**
 * Redis between the hub and the test's Redis: `cut()` drops every connection and refuses new ones
 * (Redis down), `stall()` keeps them open and forwards nothing (Redis hung), `restore()` ends either.
 */
class RedisLink {
  private server: Server | undefined;
  private readonly pairs = new Set<[Socket, Socket]>();
  private stalled = false;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(port = 0): Promise<void> {
    this.server = createServer((client) => {
      const upstream = new Socket();
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      client.pipe(upstream);
      upstream.pipe(client);
      if (this.stalled) for (const s of pair) s.pause();
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.pairs.delete(pair);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
      upstream.connect(this.target.port, this.target.host);
    });
    await new Promise<void>((ok) => this.server!.listen(port, '127.0.0.1', ok));
    this.port = (this.server.address() as { port: number }).port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async cut(): Promise<void> {
    for (const pair of this.pairs) for (const s of pair) s.destroy();
    await new Promise((r) => this.server!.close(r));
  }

  /** Nothing is read on either side meanwhile (it waits in the sockets' buffers), as with a SIGSTOPped server. */
  stall(): void {
    this.stalled = true;
    for (const pair of this.pairs) for (const s of pair) s.pause();
  }

  async restore(): Promise<void> {
    this.stalled = false;
    for (const pair of this.pairs) for (const s of pair) s.resume();
    if (!this.server?.listening) await this.open(this.port);
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) for (const s of pair) s.destroy();
    if (this.server?.listening) await new Promise((r) => this.server!.close(r));
  }
}

const secret = 'redis-outage-secret-0123456789';
const target = new URL(inject('redisUrl'));
const link = new RedisLink({ host: target.hostname, port: Number(target.port || 6379) });
let receiver: Receiver;
let env: TestEnv;
let hub: Hub;

beforeAll(async () => {
  await link.open();
  receiver = await new Receiver(secret).start();
  env = testEnv({
    accounts: [{ workspace: 'shop', account: 'shop-app', secret, webhookUrl: receiver.url }],
    services: { mongoBase: inject('mongoBase'), redisUrl: link.url },
  });
  hub = await startTestHub(env, 'all');
});

afterAll(async () => {
  await link.restore();
  await hub?.stop();
  await receiver?.stop();
  if (env) await cleanup(env);
  await link.close();
});

const post = async (id: string) => {
  const started = Date.now();
  const res = await postApi(hub.url!, 'shop-app', { id, user: 'ada', text: `message ${id}` }, { secret });
  return { ...res, ms: Date.now() - started };
};

it('answers webhooks 503 within seconds while Redis is down or hung, and takes them again once it is back', async () => {
  expect((await post('before')).status).toBe(202);
  await receiver.waitFor(1);

  // Down: refused at once, nothing queued.
  await link.cut();
  await eventually(async () => (await post('down')).status === 503, 10_000, 'a refusal while Redis is down');
  const down = await post('down');
  expect(down).toMatchObject({ status: 503, body: { error: 'unavailable' } });
  expect(down.ms).toBeLessThan(1000);
  const res = await fetch(`${hub.url}/channels/api/shop-app/messages`, { method: 'POST', body: '{}' });
  expect(res.status).toBe(401); // a request that never needs Redis is answered as before

  // Back, then hung: the connection stays open and nothing answers; refused after the deadline.
  await link.restore();
  await eventually(async () => (await post('down')).status === 202, 20_000, 'Redis again');
  link.stall();
  const hung = await post('hung');
  expect(hung.status).toBe(503);
  expect(hung.ms).toBeGreaterThanOrEqual(2500);
  expect(hung.ms).toBeLessThan(6000);

  // The sender delivers the refused one again: answered once, as every other.
  await link.restore();
  await eventually(async () => (await post('hung')).status === 202, 20_000, 'Redis answering again');
  await eventually(async () => new Set(receiver.replies.map((r) => r.inReplyTo)).size === 3, 20_000, 'replies to all three');
  await new Promise((r) => setTimeout(r, 500));
  expect(receiver.replies.map((r) => r.inReplyTo).sort()).toEqual(['before', 'down', 'hung']);
}, 60_000);
