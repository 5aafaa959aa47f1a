import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cleanup, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';

let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;

beforeAll(async () => {
  env = testEnv({ accounts: [{ workspace: 'shop', account: 'shop-app', secret: 'console-pages-secret-0123', webhookUrl: 'http://127.0.0.1:9/x' }] });
  hub = await startTestHub(env);
});
afterAll(async () => {
  await hub?.stop();
  if (env) await cleanup(env);
});

/** The CSP's directives by name. */
const directives = (header: string | null) =>
  Object.fromEntries(
    (header ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name, values]),
  );

it('serves the console shell at /console and at its client routes, under a CSP that allows no inline code and no framing', async () => {
  for (const path of ['/console', '/console/', '/console/waiting', '/console/mine/665f0c0ffee0000000000000']) {
    const res = await fetch(`${hub.url}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<script src="/console/app.js" defer></script>');
    expect(html).not.toMatch(/<script>|<style|style=/);
    const csp = directives(res.headers.get('content-security-policy'));
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(csp['style-src']).toEqual(["'self'"]);
    expect(csp['img-src']).toEqual(["'self'", 'data:']);
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    expect(csp['connect-src']).toEqual(["'self'", `ws://${new URL(hub.url!).host}`]);
    expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
  }
});

it('serves the bundled app and its styles, gzipped when asked, revalidated by etag', async () => {
  const js = await fetch(`${hub.url}/console/app.js`, { headers: { 'accept-encoding': 'identity' } });
  expect(js.headers.get('content-type')).toMatch(/^application\/javascript/);
  const raw = Buffer.from(await js.arrayBuffer());
  expect(raw.length).toBeGreaterThan(1000);
  const css = await fetch(`${hub.url}/console/app.css`);
  expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  expect(await css.text()).toContain('.note');
  const { request } = await import('node:http');
  const gz = await new Promise<{ encoding?: string; body: Buffer; etag?: string }>((ok) =>
    request(`${hub.url}/console/app.js`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => ok({ encoding: res.headers['content-encoding'], body: Buffer.concat(parts), etag: res.headers.etag }));
    }).end(),
  );
  expect(gz.encoding).toBe('gzip');
  expect(gunzipSync(gz.body)).toEqual(raw);
  expect((await fetch(`${hub.url}/console/app.js`, { headers: { 'if-none-match': gz.etag! } })).status).toBe(304);
});

it('leaves /console/api and /console/ws to the API and the socket', async () => {
  const res = await fetch(`${hub.url}/console/api/nothing-here`);
  expect(res.status).toBe(404);
  expect(await res.json()).toMatchObject({ error: 'not_found' });
  expect((await fetch(`${hub.url}/console/api/me`)).status).toBe(401);
});
