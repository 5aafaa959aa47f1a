import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Conversation } from '../../core/store/conversation.js';
import { ConversationEvent } from '../../core/store/conversation-event.js';
import { agentId } from '../../core/store/agent.js';
import { agentHub } from '../helpers/agent-hub.js';

// Transfer: the agent who has a conversation passes it to a colleague (theirs at once, and the
// contact is told who joined) or to a team's queue; nobody else may.

const chat = agentHub({
  secret: 'transfer-api-secret-0123',
  agents: [
    { email: 'anna@shop.example', displayName: 'Anna', role: 'agent' },
    { email: 'petr@shop.example', displayName: 'Petr', role: 'agent' },
    { email: 'olga@shop.example', displayName: 'Olga', role: 'admin' },
  ],
  env: { flows: { shop: { path: join(import.meta.dirname, 'flows'), start: 'support' } } },
});
const { api, write, received, until } = chat;

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
