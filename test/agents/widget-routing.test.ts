import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addAgent } from '../../core/agents/accounts.js';
import { setAgentRouting } from '../../core/agents/routing.js';
import { agentId } from '../../core/store/agent.js';
import { Conversation } from '../../core/store/conversation.js';
import { signInAgent } from '../helpers/agent.js';
import { consoleCall } from '../helpers/api-chat.js';
import { cleanup, eventually, type TestEnv } from '../helpers/hub.js';
import { freePort, startWidgetHub, visitorIdOf, WidgetClient, widgetEnv, placeInLine, queueAnswer as place } from '../widget/helpers.js';

// Two agents of capacity 1 and three widget visitors handed off to an `auto` team: two are
// assigned at once, the third waits and is told it is next; when an agent closes a conversation,
// the waiting one is theirs at once.

const password = 'correct horse battery staple';
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startWidgetHub>>;
let origin: string;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  env = widgetEnv({
    port,
    flows: { path: join(import.meta.dirname, 'routing-flows'), start: 'support' },
    workspace: { teams: [{ id: 'support', assignment: 'auto' }], routing: { capacity: 1 } },
  });
  hub = await startWidgetHub(env);
  for (const name of ['anna', 'petr']) {
    await addAgent({ workspace: 'shop', email: `${name}@shop.example`, displayName: name, role: 'agent', password, actor: 'test' });
    await setAgentRouting({ workspace: env.config.workspaces[0]!, agent: agentId('shop', `${name}@shop.example`), teams: ['support'], actor: 'test' });
    cookies[name] = await signInAgent(hub.url!, `${name}@shop.example`, password);
  }
});
afterAll(async () => {
  await hub?.stop();
  if (env) await cleanup(env);
});

async function handedOff(): Promise<WidgetClient> {
  const visitor = await new WidgetClient(hub.url!, { origin }).open();
  await visitor.sendText('hello');
  await visitor.until(() => visitor.replies().some((m) => m.text === 'Passing you to a colleague.'), 'the handoff');
  return visitor;
}
const conversationOf = async (v: WidgetClient) => (await Conversation.findOne({ user: visitorIdOf(v.visitor!) }).lean())!;

it('assigns two at once, tells the third it is next, and gives it to whoever closes one', async () => {
  for (const name of ['anna', 'petr']) expect((await consoleCall(hub.url!, cookies[name]!, '/presence', { active: true })).body.presence).toBe('online');
  const [first, second] = [await handedOff(), await handedOff()];
  await eventually(async () => (await conversationOf(first)).status === 'agent' && (await conversationOf(second)).status === 'agent', 10_000, 'both assigned');
  await first.until(() => first.replies().some((m) => m.sender === 'system' && / joined the chat\.$/.test(m.text ?? '')), 'the joined line');

  const third = await handedOff();
  expect(await placeInLine(third)).toEqual({ position: 1, offline: false });
  expect((await conversationOf(third)).status).toBe('waiting');

  const firstConversation = await conversationOf(first);
  const holder = firstConversation.assignee === agentId('shop', 'anna@shop.example') ? 'anna' : 'petr';
  expect((await consoleCall(hub.url!, cookies[holder]!, `/conversations/${firstConversation._id}/close`, {})).status).toBe(200);
  await eventually(async () => (await conversationOf(third)).assignee === agentId('shop', `${holder}@shop.example`), 5_000, 'the third assigned');
  expect(await place(third)).toEqual({});
  await third.until(() => third.replies().some((m) => m.text === `${holder} joined the chat.`), 'the joined line');
  for (const v of [first, second, third]) v.close();
});
