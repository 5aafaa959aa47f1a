import { afterAll, beforeAll, expect, it } from 'vitest';
import { addAgent } from '../../core/agents/accounts.js';
import { Conversation } from '../../core/store/conversation.js';
import { signInAgent } from '../helpers/agent.js';
import { cleanup, type TestEnv } from '../helpers/hub.js';
import { freePort, startWidgetHub, WidgetClient, widgetEnv } from '../widget/helpers.js';

const password = 'correct horse battery staple';
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startWidgetHub>>;
let origin: string;

beforeAll(async () => {
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  env = widgetEnv({ port, autoReply: 'The bot here.' });
  hub = await startWidgetHub(env);
  await addAgent({ workspace: 'shop', email: 'anna.k@shop.example', displayName: 'Anna', role: 'agent', password, actor: 'test' });
});
afterAll(async () => {
  await hub?.stop();
  if (env) await cleanup(env);
});

it('the visitor sees who took over, by display name (never e-mail), and the agent’s messages under their name; the chat is theirs, not the offline form', async () => {
  const visitor = await new WidgetClient(hub.url!, { origin }).open();
  await visitor.sendText('hello');
  await visitor.until(() => visitor.replies().some((m) => m.text === 'The bot here.'), 'the bot');
  const id = String((await Conversation.findOne({ workspace: 'shop' }).lean())!._id);

  const cookie = await signInAgent(hub.url!, 'anna.k@shop.example', password);
  const post = (path: string, body: unknown = {}) =>
    fetch(`${hub.url}/api${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: hub.url!, cookie }, body: JSON.stringify(body) });
  expect((await post(`/conversations/${id}/take`)).status).toBe(200);
  expect((await post(`/conversations/${id}/messages`, { text: 'Hi, how can I help?' })).status).toBe(200);

  await visitor.until(() => visitor.replies().some((m) => m.text === 'Hi, how can I help?'), 'the agent’s message');
  const [joined, reply] = visitor.replies().slice(-2);
  expect(joined).toMatchObject({ sender: 'system', text: 'Anna joined the chat.' });
  expect(reply).toMatchObject({ sender: 'agent', name: 'Anna', text: 'Hi, how can I help?' });
  expect(JSON.stringify(visitor.frames)).not.toContain('anna.k@shop.example');
  // The status rides along: the widget shows the chat with the agent, not the offline form.
  const last = visitor.frames.filter((f) => f.t === 'msg').at(-1) as { status?: string };
  expect(last.status).toBe('agent');
  visitor.close();
});
