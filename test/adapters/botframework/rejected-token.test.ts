import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { FakeBotConnector } from '../../fakes/botframework-connector.js';
import { cleanup, startTestHub, testEnv, type TestEnv } from '../../helpers/hub.js';

// A rejected token is an everyday probe of a public endpoint: one warning line, not a stack trace each.
let connector: FakeBotConnector;
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
const logs: string[] = [];
const appId = '00000000-0000-0000-0000-0000000000bb';

beforeAll(async () => {
  connector = await new FakeBotConnector().start();
  env = testEnv({ accounts: [], channels: { shop: { botframework: [{ account: 'secure-bot', appId, appPassword: 'never-sent-in-tests' }] } } });
  hub = await startTestHub(env, 'web', logs);
});
afterAll(async () => {
  await hub?.stop();
  await connector?.stop();
  if (env) await cleanup(env);
});

/**
 * A JWT for our app id from an issuer that is not the Bot Framework's: refused before botbuilder
 * fetches any signing key (the tests have no way to Microsoft's OpenID metadata).
 */
function forgedToken(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return [part({ alg: 'HS256', typ: 'JWT' }), part({ iss: 'https://issuer.example', aud: appId, exp: now + 600 }), 'Zm9yZ2VkLXNpZ25hdHVyZQ'].join('.');
}

it('answers each forged or malformed token 401 with one warning line, no token and no stack, and nothing on the console', async () => {
  const console = (['error', 'warn', 'log', 'info', 'debug', 'trace'] as const).map((m) => vi.spyOn(globalThis.console, m).mockImplementation(() => undefined));
  const stderr = vi.spyOn(process.stderr, 'write');
  try {
    for (const token of [forgedToken(), 'not-a-jwt']) {
      const before = logs.length;
      const status = await connector.deliver(
        `${hub.url}/channels/botframework/secure-bot/api/messages`,
        connector.message({ conversationId: 'conv-forged', userId: 'u', id: `f-${token.length}`, text: 'hi' }),
        { authorization: `Bearer ${token}` },
      );
      expect(status).toBe(401);
      await new Promise((r) => setTimeout(r, 100));
      const lines = logs.slice(before);
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0]!) as Record<string, unknown>;
      expect(line).toMatchObject({ level: 40, status: 401, path: '/channels/botframework/secure-bot/api/messages' });
      expect(lines[0]).not.toContain(token);
      expect(lines[0]).not.toMatch(/"stack"|\\n\s+at /);
    }
    for (const spy of console) expect(spy).not.toHaveBeenCalled();
    expect(stderr).not.toHaveBeenCalled();
  } finally {
    for (const spy of console) spy.mockRestore();
    stderr.mockRestore();
  }
});
