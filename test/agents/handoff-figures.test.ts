import { join } from 'node:path';
import { expect, it } from 'vitest';
import { agentId } from '../../core/store/agent.js';
import { Conversation } from '../../core/store/conversation.js';
import { agentHub } from '../helpers/agent-hub.js';
import { eventually } from '../helpers/hub.js';

// The handoff figures an admin reads in the console and Prometheus scrapes: time to the first
// agent reply, abandoned handoffs and the queue per team, and conversations per agent.

const chat = agentHub({
  secret: 'figures-api-secret-012345',
  agents: [
    { email: 'anna@shop.example', displayName: 'Anna', role: 'agent' },
    { email: 'olga@shop.example', displayName: 'Olga', role: 'admin' },
  ],
  env: {
    flows: { shop: { path: join(import.meta.dirname, 'routing-flows'), start: 'support' } },
    workspaces: { shop: { teams: [{ id: 'support', name: 'Support' }] } },
  },
});
const { api } = chat;
const conversationOf = async (user: string) => String((await Conversation.findOne({ user }).lean())!._id);
async function handedOff(user: string): Promise<string> {
  await chat.write(user, 'hello');
  await chat.until(user, 1);
  // The handoff's reply can reach the contact before its turn has stored the wait.
  await eventually(async () => (await Conversation.findOne({ user }).lean())?.status === 'waiting', 10_000, `${user} waiting`);
  return conversationOf(user);
}

it('counts first replies, abandoned handoffs, the queue and conversations per agent, for admins and for Prometheus', async () => {
  const [a, b, c] = [await handedOff('fa'), await handedOff('fb'), await handedOff('fc')];
  for (const id of [a, b]) {
    expect((await api('Anna', `/conversations/${id}/take`, {})).status).toBe(200);
    expect((await api('Anna', `/conversations/${id}/messages`, { text: 'Hello, Anna here.' })).status).toBe(200);
    // Only the first reply counts.
    expect((await api('Anna', `/conversations/${id}/messages`, { text: 'Anything else?' })).status).toBe(200);
  }
  // Nobody answered the third: the contact left, and Olga closes it.
  expect((await api('Olga', `/conversations/${c}/close`, {})).status).toBe(200);
  await handedOff('fd');

  expect((await api('Anna', '/figures')).status).toBe(403);
  const figures = (await api('Olga', '/figures')).body;
  expect(figures.windowDays).toBe(7);
  expect(figures.teams).toHaveLength(1);
  expect(figures.teams[0]).toMatchObject({ team: 'support', name: 'Support', firstReply: { count: 2 }, abandoned: 1, queue: { length: 1 } });
  expect(figures.teams[0].queue.oldestWaitSeconds).toBeGreaterThanOrEqual(0);
  expect(figures.teams[0].firstReply.p95Seconds).toBeGreaterThanOrEqual(figures.teams[0].firstReply.p50Seconds);
  expect(figures.agents).toEqual([
    { id: agentId('shop', 'anna@shop.example'), displayName: 'Anna', handled: 2, open: 2 },
    { id: agentId('shop', 'olga@shop.example'), displayName: 'Olga', handled: 0, open: 0 },
  ]);

  const metrics = await (await fetch(`${chat.url()}/metrics`)).text();
  expect(metrics).toContain('switchboard_handoff_queue_length{workspace="shop",team="support"} 1');
  expect(metrics).toContain('switchboard_handoff_abandoned{workspace="shop",team="support"} 1');
  expect(metrics).toMatch(/switchboard_handoff_first_reply_seconds\{workspace="shop",team="support",quantile="0\.95"\} \d+/);
  expect(metrics).toContain(`switchboard_agent_conversations{workspace="shop",agent="${agentId('shop', 'anna@shop.example')}",kind="handled"} 2`);
});

it('gives the median and the 95th percentile of the waits, over the last seven days only', async () => {
  const { figures } = chat.hub.queues;
  const now = Date.now();
  // Waits of 10, 20, … 100 s, answered now; and one of an hour, eight days ago.
  for (let i = 1; i <= 10; i++) await figures.answered({ workspace: 'shop', team: 'sales', conversation: `w${i}`, since: new Date(now - i * 10_000), now });
  await figures.answered({
    workspace: 'shop',
    team: 'sales',
    conversation: 'old',
    since: new Date(now - 8 * 86_400_000 - 3_600_000),
    now: now - 8 * 86_400_000,
  });
  const read = await figures.read(chat.hub.queues, { ...chat.env.config.workspaces[0]!, teams: [{ id: 'sales', assignment: 'manual' }] }, [], now);
  expect(read.teams.find((t) => t.team === 'sales')?.firstReply).toEqual({ count: 10, p50Seconds: 50, p95Seconds: 100 });
});
