import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addAgent } from '../../core/agents/accounts.js';
import { Conversation } from '../../core/store/conversation.js';
import { ConversationEvent } from '../../core/store/conversation-event.js';
import { agentId } from '../../core/store/agent.js';
import { signInAgent } from '../helpers/agent.js';
import { apiContacts, consoleCall } from '../helpers/api-chat.js';
import { cleanup, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';
import { Receiver } from '../helpers/receiver.js';

// Transfer: the agent who has a conversation passes it to a colleague (theirs at once, and the
// contact is told who joined) or to a team's queue; nobody else may.

const secret = 'transfer-api-secret-0123';
const password = 'correct horse battery staple';
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
let receiver: Receiver;
const cookies: Record<string, string> = {};

const api = (who: string, path: string, body?: unknown) => consoleCall(hub.url!, cookies[who]!, path, body);
const { write, received, until } = apiContacts({ hubUrl: () => hub.url!, receiver: () => receiver, account: 'shop-app', secret });

beforeAll(async () => {
  receiver = await new Receiver(secret).start();
  env = testEnv({
    accounts: [{ workspace: 'shop', account: 'shop-app', secret, webhookUrl: receiver.url }],
    flows: { shop: { path: join(import.meta.dirname, 'flows'), start: 'support' } },
    extra: { console: { secureCookie: false } },
  });
  hub = await startTestHub(env);
  for (const [email, name, role] of [
    ['anna@shop.example', 'Anna', 'agent'],
    ['petr@shop.example', 'Petr', 'agent'],
    ['olga@shop.example', 'Olga', 'admin'],
  ] as const) {
    await addAgent({ workspace: 'shop', email, displayName: name, role, password, actor: 'test' });
    cookies[name] = await signInAgent(hub.url!, email, password);
  }
});
afterAll(async () => {
  await hub?.stop();
  await receiver?.stop();
  if (env) await cleanup(env);
});

it('passes a conversation to a colleague, who answers it, and then to a team queue; only its holder or an admin may', async () => {
  await write('vera', 'hello');
  await write('vera', 'my refund');
  await until('vera', 2);
  const id = String((await Conversation.findOne({ user: 'vera' }).lean())!._id);
  expect((await api('Anna', `/conversations/${id}/take`, {})).status).toBe(200);

  const agents = (await api('Anna', '/agents')).body.agents as { id: string; displayName: string }[];
  expect(agents.map((a) => a.displayName).sort()).toEqual(['Anna', 'Olga', 'Petr']);
  expect(JSON.stringify(agents)).not.toContain('@');
  const petr = agents.find((a) => a.displayName === 'Petr')!.id;
  expect(petr).toBe(agentId('shop', 'petr@shop.example'));

  // Petr cannot pass on what is Anna's; Anna can.
  expect((await api('Petr', `/conversations/${id}/transfer`, { agent: petr })).status).toBe(403);
  expect((await api('Anna', `/conversations/${id}/transfer`, {})).status).toBe(400);
  expect(await api('Anna', `/conversations/${id}/transfer`, { agent: petr })).toMatchObject({ status: 200, body: { status: 'agent', assignee: petr } });
  await until('vera', 4);
  expect(received('vera').slice(2)).toEqual(['Anna joined the chat.', 'Petr joined the chat.']);
  expect((await api('Anna', `/conversations/${id}/messages`, { text: 'Still me?' })).status).toBe(409);
  expect((await api('Petr', `/conversations/${id}/messages`, { text: 'Petr here, looking at your refund.' })).status).toBe(200);
  await until('vera', 5);

  // An admin sends it to the sales team's queue: it waits again, nobody's.
  expect(await api('Olga', `/conversations/${id}/transfer`, { team: 'sales' })).toMatchObject({ status: 200, body: { status: 'waiting', team: 'sales' } });
  const waiting = (await api('Petr', '/conversations?view=waiting&team=sales')).body.conversations as { id: string }[];
  expect(waiting.map((c) => c.id)).toEqual([id]);
  expect(((await api('Petr', '/conversations?view=mine')).body.conversations as { id: string }[]).map((c) => c.id)).not.toContain(id);
  expect(await Conversation.findById(id).lean()).toMatchObject({ status: 'waiting', team: 'sales' });
  expect((await Conversation.findById(id).lean())?.assignee).toBeUndefined();

  const events = (await ConversationEvent.find({ conversation: id, kind: 'transferred' }).sort({ at: 1 }).lean()).map((e) => e.details);
  expect(events).toEqual([
    { from: agentId('shop', 'anna@shop.example'), to: petr },
    { from: petr, team: 'sales' },
  ]);
});
