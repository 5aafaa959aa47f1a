import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addAgent } from '../../core/agents/accounts.js';
import { setAgentRouting } from '../../core/agents/routing.js';
import { agentId } from '../../core/store/agent.js';
import { Conversation } from '../../core/store/conversation.js';
import { signInAgent } from '../helpers/agent.js';
import { consoleCall } from '../helpers/api-chat.js';
import { cleanup, type TestEnv } from '../helpers/hub.js';
import { freePort, startWidgetHub, visitorIdOf, WidgetClient, widgetEnv, placeInLine, queueAnswer as place } from '../widget/helpers.js';

// A visitor handed off to people sees their place in line while someone of the team is online,
// and the offline form (the `offline` answer) when nobody is.

const password = 'correct horse battery staple';
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startWidgetHub>>;
let origin: string;
let cookie: string;

beforeAll(async () => {
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  env = widgetEnv({ port, flows: { path: join(import.meta.dirname, 'routing-flows'), start: 'support' }, workspace: { teams: [{ id: 'support' }] } });
  hub = await startWidgetHub(env);
  await addAgent({ workspace: 'shop', email: 'anna@shop.example', displayName: 'Anna', role: 'agent', password, actor: 'test' });
  await setAgentRouting({ workspace: env.config.workspaces[0]!, agent: agentId('shop', 'anna@shop.example'), teams: ['support'], actor: 'test' });
  cookie = await signInAgent(hub.url!, 'anna@shop.example', password);
});
afterAll(async () => {
  await hub?.stop();
  if (env) await cleanup(env);
});

/** A visitor whose first message hands them off to the support team. */
async function waitingVisitor(): Promise<WidgetClient> {
  const visitor = await new WidgetClient(hub.url!, { origin }).open();
  await visitor.sendText('hello');
  await visitor.until(() => visitor.replies().some((m) => m.text === 'Passing you to a colleague.'), 'the handoff');
  return visitor;
}

it('tells each waiting visitor their place while an agent of the team is online, moves them up as conversations are taken, and says offline when nobody is', async () => {
  const api = (path: string, body?: unknown) => consoleCall(hub.url!, cookie, path, body);
  expect((await api('/presence', { active: true })).body.presence).toBe('online');
  const first = await waitingVisitor();
  const second = await waitingVisitor();
  expect(await placeInLine(first)).toEqual({ position: 1, offline: false });
  expect(await placeInLine(second)).toEqual({ position: 2, offline: false });

  // Anna takes the first: the second moves up, the first is no longer in line.
  const firstConversation = String((await Conversation.findOne({ user: visitorIdOf(first.visitor!) }).lean())!._id);
  expect((await api(`/conversations/${firstConversation}/take`, {})).status).toBe(200);
  expect(await place(first)).toEqual({});
  expect(await place(second)).toEqual({ position: 1, offline: false });

  // Once the team has answered a few handoffs, the place comes with a rough wait: their median time to a first reply.
  for (const [i, seconds] of [60, 100, 300].entries()) {
    await hub.queues.figures.answered({ workspace: 'shop', team: 'support', conversation: `past-${i}`, since: new Date(Date.now() - seconds * 1000) });
  }
  expect(await place(second)).toEqual({ position: 1, offline: false, waitMinutes: 2 });

  // Anna goes offline: nobody of the team is there, so the widget offers its offline form.
  expect((await api('/presence', { status: 'offline' })).body.presence).toBe('offline');
  expect(await place(second)).toEqual({ position: 1, offline: true });
  first.close();
  second.close();
});
