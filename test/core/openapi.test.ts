import { Validator } from '@seriousme/openapi-schema-validator';
import type { Router } from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addAgent } from '../../core/agents/accounts.js';
import { adminRouter } from '../../core/http/admin.js';
import { consoleAuthRouter } from '../../core/http/console-auth.js';
import { signInAgent } from '../helpers/agent.js';
import { cleanup, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';

// The admin API's OpenAPI 3.1 description is built from the zod schemas that check each route's
// input, so the two cannot drift; and a route served without a description fails here.

let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
let document: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const password = 'correct horse battery staple';

beforeAll(async () => {
  env = testEnv({
    accounts: [{ workspace: 'shop', account: 'shop-app', secret: 'openapi-secret-0123456789', webhookUrl: 'http://127.0.0.1:9/replies' }],
    extra: { console: { secureCookie: false } },
  });
  hub = await startTestHub(env);
  const res = await fetch(`${hub.url}/api/openapi.json`);
  expect(res.status).toBe(200);
  document = (await res.json()) as typeof document;
});
afterAll(async () => {
  await hub?.stop();
  if (env) await cleanup(env);
});

it('serves a valid OpenAPI 3.1 document, without a key', async () => {
  const result = await new Validator().validate(document);
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
  expect(document.openapi).toBe('3.1.0');
  expect(document.paths['/api/conversations/{id}/messages'].post.requestBody.content['application/json'].schema).toMatchObject({
    type: 'object',
    properties: { text: { type: 'string', minLength: 1, maxLength: 4096 } },
    required: ['text'],
  });
});

/** Every method and full path an express router serves, nested routers included (at the path they are mounted on). */
function served(router: Router, prefix: string): string[] {
  return router.stack.flatMap((layer) => {
    if (layer.route)
      return Object.keys((layer.route as unknown as { methods: Record<string, boolean> }).methods).map((m) => `${m} ${prefix}${layer.route!.path}`);
    const nested = layer.handle as unknown as Router & { stack?: unknown };
    if (!nested.stack) return [];
    const mount = (layer as unknown as { rawPath?: string }).rawPath;
    return served(nested, typeof mount === 'string' && mount !== '/' ? prefix + mount : prefix).map((r) => r.replace(/(\S)\/$/, '$1'));
  });
}

it('describes every route the admin API and the console sign-in serve', () => {
  const none = {} as never;
  const routes = [
    ...served(adminRouter(env.config, { privacy: none, signIn: none, keys: none, queues: none, typing: none }), '/api'),
    ...served(consoleAuthRouter(env.config, none), '/console/api'),
  ]
    // The audit middleware for every conversation action is not a route of its own.
    .filter((r) => r !== 'post /api/conversations/:id/:action');
  const described = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
    Object.keys(methods).map((m) => `${m} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
  );
  expect(routes.length).toBeGreaterThan(15);
  expect(routes.filter((r) => !described.includes(r))).toEqual([]);
});

it('checks input against the same schemas: a bad body gets 400 with what was expected', async () => {
  await addAgent({ workspace: 'shop', email: 'anna@shop.example', displayName: 'Anna', role: 'agent', password, actor: 'test' });
  const cookie = await signInAgent(hub.url!, 'anna@shop.example', password);
  const res = await fetch(`${hub.url}/api/conversations/665f00000000000000000000/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: hub.url!, cookie },
    body: JSON.stringify({ text: '   ' }),
  });
  expect(res.status).toBe(400);
  expect(await res.json()).toEqual({ error: 'bad_request', message: '"text": expected {"text": "…"} of 1 to 4096 characters' });
  const handback = await fetch(`${hub.url}/api/conversations/665f00000000000000000000/handback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: hub.url!, cookie },
    body: JSON.stringify({ mode: 'later' }),
  });
  expect(handback.status).toBe(400);
  expect(((await handback.json()) as { message: string }).message).toMatch(/^"mode": /);
});
