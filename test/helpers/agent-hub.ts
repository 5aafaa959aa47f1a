import { afterAll, beforeAll } from 'vitest';
import { addAgent } from '../../core/agents/accounts.js';
import type { AgentRole } from '../../core/store/agent.js';
import { signInAgent } from './agent.js';
import { apiContacts, consoleCall } from './api-chat.js';
import { cleanup, startTestHub, testEnv, type TestEnv } from './hub.js';
import { Receiver } from './receiver.js';

export const agentPassword = 'correct horse battery staple';

type EnvOptions = Omit<Parameters<typeof testEnv>[0], 'accounts'>;

/**
 * The set-up the agent tests share: workspace `shop` with one api-channel account `shop-app`
 * whose replies reach a {@link Receiver}, a hub started for the file's tests (hooks registered
 * here), and agents added and signed in. Call it at the top of a test file; what it returns
 * is read inside the tests, once `beforeAll` has run.
 */
export function agentHub(options: {
  secret: string;
  agents: { email: string; displayName: string; role: AgentRole }[];
  /** The rest of the test config (flows, autoReply, events, ...); the console's insecure cookie is added. */
  env?: EnvOptions;
  /** Runs before the hub starts, e.g. to start another fake and name it in the config. */
  before?: () => Promise<EnvOptions | void>;
  /** Runs after the hub stopped. */
  after?: () => Promise<void>;
  /** How the business's app answers the hub's replies (default: 200 at once). */
  respond?: Receiver['respond'];
}) {
  let env: TestEnv | undefined;
  let hub: Awaited<ReturnType<typeof startTestHub>> | undefined;
  let receiver: Receiver | undefined;
  const cookies: Record<string, string> = {};

  beforeAll(async () => {
    receiver = await new Receiver(options.secret).start();
    if (options.respond) receiver.respond = options.respond;
    const more = (await options.before?.()) ?? {};
    const extra = { console: { secureCookie: false }, ...options.env?.extra, ...more.extra };
    env = testEnv({ ...options.env, ...more, extra, accounts: [{ workspace: 'shop', account: 'shop-app', secret: options.secret, webhookUrl: receiver.url }] });
    hub = await startTestHub(env);
    for (const agent of options.agents) {
      await addAgent({ workspace: 'shop', ...agent, password: agentPassword, actor: 'test' });
      cookies[agent.displayName] = await signInAgent(hub.url!, agent.email, agentPassword);
    }
  }, 60_000);
  afterAll(async () => {
    await hub?.stop();
    await receiver?.stop();
    await options.after?.();
    if (env) await cleanup(env);
  });

  const url = () => hub!.url!;
  return {
    get hub() {
      return hub!;
    },
    /** The test's config, database and Redis prefix (e.g. for spawning more processes on them). */
    get env() {
      return env!;
    },
    get receiver() {
      return receiver!;
    },
    url,
    /** Session cookies by display name. */
    cookies,
    /** The admin API as that agent's console calls it: GET without a body, else POST. */
    api: (agent: string, path: string, body?: unknown) => consoleCall(url(), cookies[agent]!, path, body),
    ...apiContacts({ hubUrl: url, receiver: () => receiver!, account: 'shop-app', secret: options.secret }),
  };
}
