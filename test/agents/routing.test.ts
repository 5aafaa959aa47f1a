import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ConversationEvent } from '../../core/store/conversation-event.js';
import { Conversation } from '../../core/store/conversation.js';
import { agentId } from '../../core/store/agent.js';
import { agentHub } from '../helpers/agent-hub.js';
import { eventually } from '../helpers/hub.js';

// Auto assignment: a handoff to a team whose assignment is `auto` goes to an online member with
// free capacity (fewest open first), waits when everyone is full, and goes out the moment
// someone frees a place or comes online; never back to an agent who passed it on.

const chat = agentHub({
  secret: 'routing-api-secret-56789',
  agents: [
    { email: 'anna@shop.example', displayName: 'Anna', role: 'agent' },
    { email: 'petr@shop.example', displayName: 'Petr', role: 'agent' },
    { email: 'olga@shop.example', displayName: 'Olga', role: 'admin' },
  ],
  env: {
    flows: { shop: { path: join(import.meta.dirname, 'routing-flows'), start: 'support' } },
    workspaces: { shop: { teams: [{ id: 'support', assignment: 'auto' }], routing: { capacity: 1 } } },
  },
});
const { api, write, received, until } = chat;
const anna = agentId('shop', 'anna@shop.example');
const petr = agentId('shop', 'petr@shop.example');

const conversationOf = async (user: string) => String((await Conversation.findOne({ user }).lean())!._id);
const holder = async (user: string) => (await Conversation.findOne({ user }).lean())?.assignee ?? null;
/** A contact whose first message hands them off to support. */
async function handedOff(user: string): Promise<string> {
  await write(user, 'hello');
  await until(user, 1);
  return conversationOf(user);
}

it('gives each handoff to the least loaded online member, holds the third when both are full, and hands it out as soon as a place frees', async () => {
  for (const name of ['Anna', 'Petr', 'Olga']) expect((await api(name, '/presence', { active: true })).body.presence).toBe('online');
  // Olga is online but in no team: she gets nothing.
  for (const [id, name] of [
    [anna, 'Anna'],
    [petr, 'Petr'],
  ])
    expect((await api('Olga', `/agents/${id}/routing`, { teams: ['support'] })).body).toMatchObject({ displayName: name, teams: ['support'] });

  const first = await handedOff('c1');
  await eventually(async () => (await holder('c1')) !== null, 10_000, 'the first handoff assigned');
  const second = await handedOff('c2');
  await eventually(async () => (await holder('c2')) !== null, 10_000, 'the second handoff assigned');
  expect(new Set([await holder('c1'), await holder('c2')])).toEqual(new Set([anna, petr]));
  // The contact is told who joined, as when an agent takes it.
  await until('c1', 2);
  expect(received('c1')).toEqual(['Passing you to a colleague.', expect.stringMatching(/^(Anna|Petr) joined the chat\.$/)]);

  const third = await handedOff('c3');
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(await Conversation.findById(third).lean()).toMatchObject({ status: 'waiting' });
  expect((await Conversation.findById(third).lean())?.assignee).toBeUndefined();

  // Whoever had the first closes it: the third is theirs at once.
  const firstHolder = (await holder('c1')) === anna ? 'Anna' : 'Petr';
  expect((await api(firstHolder, `/conversations/${first}/close`, {})).status).toBe(200);
  await eventually(async () => (await holder('c3')) === (firstHolder === 'Anna' ? anna : petr), 5000, 'the third assigned on the close');
  expect(await Conversation.findById(third).lean()).toMatchObject({ status: 'agent' });

  // On the timeline, by routing, each once (the event is written just after the assignment itself).
  await eventually(async () => (await ConversationEvent.countDocuments({ kind: 'assigned' })) >= 3, 5000, 'the third assignment on the timeline');
  const assigned = await ConversationEvent.find({ kind: 'assigned' }).lean();
  expect(assigned.map((e) => [String(e.conversation), e.actor]).sort()).toEqual(
    [
      [first, 'routing'],
      [second, 'routing'],
      [third, 'routing'],
    ].sort(),
  );
});

it('never gives a conversation back to the agent who passed it on, and keeps it for someone who comes online', async () => {
  // Everyone is full: Anna and Petr each hold one (c2, c3). Petr passes his to the team's queue.
  const petrs = (await holder('c2')) === petr ? 'c2' : 'c3';
  const annas = petrs === 'c2' ? 'c3' : 'c2';
  expect((await api('Petr', `/conversations/${await conversationOf(petrs)}/transfer`, { team: 'support' })).status).toBe(200);
  // Petr now has room, but passed it on; Anna is full. It waits.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(await holder(petrs)).toBeNull();

  // Anna goes away and frees her place: it still waits, for someone online.
  expect((await api('Anna', '/presence', { status: 'away' })).body.presence).toBe('away');
  expect((await api('Anna', `/conversations/${await conversationOf(annas)}/close`, {})).status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(await holder(petrs)).toBeNull();

  // Back online: it is hers at once.
  expect((await api('Anna', '/presence', { status: 'online' })).body.presence).toBe('online');
  await eventually(async () => (await holder(petrs)) === anna, 5000, 'the passed-on conversation assigned to Anna');
});
