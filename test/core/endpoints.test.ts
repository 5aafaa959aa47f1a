import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../core/hub.js';
import { cleanup, eventually, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';
import { targetOf, TcpProxy, throughProxy } from '../helpers/tcp-proxy.js';

const metricsToken = 'metrics-token-for-the-scraper-0123';
const account = { workspace: 'shop', account: 'shop-app', secret: 'endpoints-test-secret-0123', webhookUrl: 'http://127.0.0.1:9/replies' };

describe('/metrics with server.metricsToken', () => {
  let env: TestEnv;
  let hub: Hub;
  beforeAll(async () => {
    env = testEnv({ accounts: [account], extra: { server: { port: 0, metricsToken } } });
    hub = await startTestHub(env, 'web');
  });
  afterAll(async () => {
    await hub?.stop();
    if (env) await cleanup(env);
  });

  it('answers 401 without the bearer token or with a wrong one, and the figures with it', async () => {
    const none = await fetch(`${hub.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await none.text()).not.toContain('switchboard_');
    for (const authorization of [`Bearer ${metricsToken}x`, `Basic ${metricsToken}`, metricsToken])
      expect((await fetch(`${hub.url}/metrics`, { headers: { authorization } })).status).toBe(401);
    const ok = await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/switchboard_queue_depth\{queue="inbound"\} 0/);
    // Health and readiness stay open for orchestrators.
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
  });

  it('an empty token (an unset ${VAR:-}) leaves /metrics open, and a short one is refused at load', () => {
    const open = testEnv({ accounts: [account], extra: { server: { port: 0, metricsToken: '${SWITCHBOARD_METRICS_TOKEN_UNSET:-}' } } });
    expect(open.config.server.metricsToken).toBeUndefined();
    expect(() => testEnv({ accounts: [account], extra: { server: { port: 0, metricsToken: 'short' } } })).toThrow(
      /server\.metricsToken: expected a token of at least 16 characters/,
    );
  });
});

describe('/readyz', () => {
  let base: TestEnv;
  let env: TestEnv;
  let hub: Hub;
  let mongo: TcpProxy;
  let redis: TcpProxy;
  const logs: string[] = [];
  beforeAll(async () => {
    base = testEnv({ accounts: [account] });
    mongo = await new TcpProxy(targetOf(base.mongoUri, 27017)).start();
    redis = await new TcpProxy(targetOf(base.redisUrl, 6379)).start();
    env = { ...base, mongoUri: throughProxy(base.mongoUri, mongo), redisUrl: throughProxy(base.redisUrl, redis) };
    hub = await startTestHub(env, 'web', logs);
  });
  afterAll(async () => {
    // Back up first (the test restores them unless it failed midway), so the hub can stop cleanly.
    await mongo?.start();
    await redis?.start();
    await hub?.stop();
    await mongo?.stop();
    await redis?.stop();
    if (base) await cleanup(base);
  });

  it('says which dependency is down, without its error text, and logs the error at warn', async () => {
    expect(await (await fetch(`${hub.url}/readyz`)).json()).toEqual({ status: 'ready' });

    await redis.cut();
    const redisDown = await fetch(`${hub.url}/readyz`);
    expect(redisDown.status).toBe(503);
    expect(await redisDown.json()).toEqual({ status: 'unavailable', failing: ['redis'] });

    await mongo.cut();
    const bothDown = await fetch(`${hub.url}/readyz`);
    expect(bothDown.status).toBe(503);
    expect(await bothDown.json()).toEqual({ status: 'unavailable', failing: ['mongodb', 'redis'] });

    const warnings = logs.map((l) => JSON.parse(l) as { level: number; msg: string; dependency?: string; err?: string }).filter((l) => l.msg === 'not ready');
    expect(warnings.every((w) => w.level === 40 && typeof w.err === 'string' && w.err.length > 0)).toBe(true);
    expect(new Set(warnings.map((w) => w.dependency))).toEqual(new Set(['mongodb', 'redis']));

    await redis.start();
    await mongo.start();
    await eventually(async () => (await fetch(`${hub.url}/readyz`)).status === 200, 30_000, 'ready again');
  }, 60_000);
});
