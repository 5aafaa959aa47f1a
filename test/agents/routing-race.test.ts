import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { ConversationEvent } from '../../core/store/conversation-event.js';
import { Conversation } from '../../core/store/conversation.js';
import { agentId } from '../../core/store/agent.js';
import { agentHub } from '../helpers/agent-hub.js';
import { eventually, exited, spawnHub } from '../helpers/hub.js';

// Routing across two hub processes: 200 handoffs while 10 agents of capacity 3 come and go and
// close what they hold. Each conversation is assigned exactly once, and no agent ever holds more
// than their capacity (sampled all along from the index routing counts with).

const conversations = 200;
const capacity = 3;
const names = Array.from({ length: 10 }, (_, i) => `agent${i}`);
const chat = agentHub({
  secret: 'routing-race-secret-01234',
  agents: [
    ...names.map((n) => ({ email: `${n}@shop.example`, displayName: n, role: 'agent' as const })),
    { email: 'olga@shop.example', displayName: 'Olga', role: 'admin' },
  ],
  env: {
    flows: { shop: { path: join(import.meta.dirname, 'routing-flows'), start: 'support' } },
    workspaces: { shop: { teams: [{ id: 'support', assignment: 'auto' }], routing: { capacity } } },
  },
});
let worker: ChildProcess | undefined;
afterAll(async () => {
  worker?.kill('SIGKILL');
  if (worker) await exited(worker);
});

const random = (n: number) => Math.floor(Math.random() * n);

it(`assigns ${conversations} handoffs exactly once across two processes while agents come and go, never over capacity`, async () => {
  worker = spawnHub(chat.env, 'worker');
  const ids = names.map((n) => agentId('shop', `${n}@shop.example`));
  for (const id of ids) expect((await chat.api('Olga', `/agents/${id}/routing`, { teams: ['support'] })).status).toBe(200);
  const online = new Set<string>();
  for (const n of names) {
    await chat.api(n, '/presence', { status: 'online' });
    online.add(n);
  }

  // Sampled all along: the most each agent ever held.
  const most = new Map<string, number>();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      for (const [id, held] of await chat.hub.queues.inbox.heldBy('shop', ids)) most.set(id, Math.max(most.get(id) ?? 0, held));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();

  const users = Array.from({ length: conversations }, (_, i) => `racer-${i}`);
  for (let i = 0; i < users.length; i += 20) await Promise.all(users.slice(i, i + 20).map((u) => chat.write(u, 'hello')));

  // Agents come and go, and close what they hold, until every conversation was someone's.
  const settled = async () => (await Conversation.countDocuments({ workspace: 'shop', status: { $in: ['agent', 'closed'] } })) === conversations;
  const deadline = Date.now() + 100_000;
  while (!(await settled())) {
    expect(Date.now()).toBeLessThan(deadline);
    const name = names[random(names.length)]!;
    if (Math.random() < 0.25) {
      const status = online.has(name) ? 'away' : 'online';
      await chat.api(name, '/presence', { status });
      if (status === 'online') online.add(name);
      else online.delete(name);
    } else {
      const mine = (await chat.api(name, '/conversations?view=mine')).body.conversations as { id: string }[];
      if (mine.length) expect((await chat.api(name, `/conversations/${mine[random(mine.length)]!.id}/close`, {})).status).toBe(200);
    }
    // Nobody online for long would stall it: bring one back.
    if (online.size < 3) {
      const back = names.find((n) => !online.has(n))!;
      await chat.api(back, '/presence', { status: 'online' });
      online.add(back);
    }
  }
  sampling = false;
  await sampler;

  // The timeline's event is written once the takeover is done, a moment after the conversation is theirs.
  await eventually(
    async () => (await ConversationEvent.countDocuments({ workspace: 'shop', kind: 'assigned' })) >= conversations,
    20_000,
    'every assignment recorded',
  );
  const assigned = await ConversationEvent.find({ workspace: 'shop', kind: 'assigned' }).lean();
  const perConversation = new Map<string, number>();
  for (const e of assigned) perConversation.set(String(e.conversation), (perConversation.get(String(e.conversation)) ?? 0) + 1);
  expect(perConversation.size).toBe(conversations);
  expect([...perConversation.values()].filter((n) => n !== 1)).toEqual([]);
  expect(Math.max(...most.values())).toBeLessThanOrEqual(capacity);
}, 150_000);
