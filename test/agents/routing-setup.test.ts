import { join } from 'node:path';
import { expect, it } from 'vitest';
import { presenceWindowMs } from '../../core/agents/presence.js';
import { listAudit } from '../../core/privacy/audit.js';
import { agentId } from '../../core/store/agent.js';
import { Conversation } from '../../core/store/conversation.js';
import { agentHub } from '../helpers/agent-hub.js';
import { openConsoleSocket } from '../helpers/console-socket.js';

// Teams, capacity and presence: what routing will read. An admin puts agents in the workspace's
// teams and sets their capacity; each console's heartbeat makes its agent online, away (the
// toggle, or idle) or offline (no heartbeat), and every console hears of the change.

const apiKey = 'routing-admin-key-0123456789';
const chat = agentHub({
  secret: 'routing-api-secret-01234',
  agents: [
    { email: 'anna@shop.example', displayName: 'Anna', role: 'agent' },
    { email: 'petr@shop.example', displayName: 'Petr', role: 'agent' },
    { email: 'olga@shop.example', displayName: 'Olga', role: 'admin' },
  ],
  env: {
    flows: { shop: { path: join(import.meta.dirname, 'flows'), start: 'support' } },
    apiKeys: { shop: [apiKey] },
    workspaces: {
      shop: {
        teams: [{ id: 'support', name: 'Support', assignment: 'auto' }, { id: 'sales' }],
        routing: { capacity: 3, idleAfterMinutes: 5 },
      },
    },
  },
});
const { api } = chat;
const anna = agentId('shop', 'anna@shop.example');
const petr = agentId('shop', 'petr@shop.example');

interface Listed {
  id: string;
  displayName: string;
  teams: string[];
  capacity: number;
  ownCapacity: boolean;
  open: number;
  presence: string;
}
const listed = async (as = 'Anna') => {
  const res = await api(as, '/agents');
  expect(res.status).toBe(200);
  return res.body as { agents: Listed[]; teams: { id: string; name: string; assignment: string }[] };
};
const one = async (id: string) => (await listed()).agents.find((a) => a.id === id)!;

it('lists the declared teams and every agent with the workspace’s capacity, no load and offline, before anyone’s console beat', async () => {
  const { agents, teams } = await listed();
  expect(teams).toEqual([
    { id: 'support', name: 'Support', assignment: 'auto' },
    { id: 'sales', name: 'sales', assignment: 'manual' },
  ]);
  expect(agents.map((a) => [a.displayName, a.teams, a.capacity, a.ownCapacity, a.open, a.presence])).toEqual([
    ['Anna', [], 3, false, 0, 'offline'],
    ['Olga', [], 3, false, 0, 'offline'],
    ['Petr', [], 3, false, 0, 'offline'],
  ]);
  expect(JSON.stringify(agents)).not.toContain('@');
});

it('lets an admin set an agent’s teams and capacity, audited; agents may not, and unknown teams or agents are refused', async () => {
  expect(await api('Olga', `/agents/${anna}/routing`, { teams: ['support', 'sales', 'support'], capacity: 2 })).toMatchObject({
    status: 200,
    body: { id: anna, teams: ['sales', 'support'], capacity: 2, ownCapacity: true },
  });
  expect((await api('Anna', `/agents/${petr}/routing`, { teams: ['support'] })).status).toBe(403);
  const typo = await api('Olga', `/agents/${petr}/routing`, { teams: ['suport'] });
  expect(typo.status).toBe(400);
  expect(typo.body.message).toBe('no team "suport" in workspace "shop"; its teams: "support", "sales"');
  expect((await api('Olga', '/agents/ag_nobody/routing', { capacity: 4 })).status).toBe(404);
  expect((await api('Olga', `/agents/${petr}/routing`, { capacity: 0 })).status).toBe(400);
  expect((await one(petr)).teams).toEqual([]);

  // Back to the workspace's default; the teams stay.
  expect((await api('Olga', `/agents/${anna}/routing`, { capacity: null })).body).toMatchObject({
    teams: ['sales', 'support'],
    capacity: 3,
    ownCapacity: false,
  });
  const audited = (await listAudit('shop')).filter((e) => e.action === 'agent.routing_changed');
  expect(audited.map((e) => [e.actor, e.target, e.details])).toEqual([
    [`agent:${agentId('shop', 'olga@shop.example')}`, anna, { capacity: null }],
    [`agent:${agentId('shop', 'olga@shop.example')}`, anna, { teams: ['sales', 'support'], capacity: 2 }],
  ]);
});

it('shows a console’s heartbeat as online, the toggle as away, and tells every open console at once', async () => {
  const olgaConsole = await openConsoleSocket(chat.url(), { cookie: chat.cookies.Olga! });
  try {
    expect((await api('Petr', '/presence', { active: true })).body).toEqual({ presence: 'online', heartbeatEveryMs: 20_000 });
    expect(JSON.parse(await olgaConsole.next())).toEqual({ t: 'presence', agent: petr, presence: 'online' });
    expect((await one(petr)).presence).toBe('online');

    // A heartbeat that changes nothing is not news.
    expect((await api('Petr', '/presence', { active: true })).body.presence).toBe('online');
    expect((await api('Petr', '/presence', { status: 'away' })).body.presence).toBe('away');
    expect(JSON.parse(await olgaConsole.next())).toEqual({ t: 'presence', agent: petr, presence: 'away' });
    // Heartbeats keep the agent's choice.
    expect((await api('Petr', '/presence', { active: true })).body.presence).toBe('away');
    expect((await api('Petr', '/presence', { status: 'online' })).body.presence).toBe('online');
    expect(JSON.parse(await olgaConsole.next())).toEqual({ t: 'presence', agent: petr, presence: 'online' });
    expect(olgaConsole.frames).toHaveLength(3);
    expect((await one(anna)).presence).toBe('offline');
  } finally {
    olgaConsole.ws.terminate();
  }
  // Presence is an agent's: an API key has none; a bad status is refused.
  const byKey = await fetch(`${chat.url()}/api/presence`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ active: true }),
  });
  expect(byKey.status).toBe(403);
  expect((await api('Petr', '/presence', { status: 'busy' })).status).toBe(400);
});

it('turns an agent away when none of their consoles saw them at work for the idle time, and offline when the heartbeats stop', async () => {
  const { presence } = chat.hub.queues;
  const idleAfterMs = 5 * 60_000;
  const start = Date.now();
  await presence.beat({ workspace: 'shop', agent: anna, idleAfterMs, active: true, now: start });
  // Two consoles: one left open in a background tab beats without use, the other saw Anna a minute later.
  await presence.beat({ workspace: 'shop', agent: anna, idleAfterMs, active: false, now: start + 30_000 });
  await presence.beat({ workspace: 'shop', agent: anna, idleAfterMs, active: true, now: start + 60_000 });
  const at = async (now: number) => (await presence.of('shop', [anna], { idleAfterMs, now })).get(anna);
  expect(await at(start + 61_000)).toBe('online');
  // Only the idle tab beats from then on.
  for (let t = start + 80_000; t <= start + 60_000 + idleAfterMs + 20_000; t += 20_000) {
    await presence.beat({ workspace: 'shop', agent: anna, idleAfterMs, active: false, now: t });
  }
  const last = start + 60_000 + idleAfterMs + 20_000;
  expect(await at(last)).toBe('away');
  expect(await at(last + presenceWindowMs + 1)).toBe('offline');
  // One use of the console, and she is back.
  expect(await presence.beat({ workspace: 'shop', agent: anna, idleAfterMs, active: true, now: last + 1000 })).toEqual({ presence: 'online', changed: true });
});

it('counts the open conversations an agent holds', async () => {
  await chat.write('vera', 'hello');
  await chat.write('vera', 'my refund');
  await chat.until('vera', 2);
  const id = String((await Conversation.findOne({ user: 'vera' }).lean())!._id);
  expect((await api('Petr', `/conversations/${id}/take`, {})).status).toBe(200);
  expect((await one(petr)).open).toBe(1);
  expect((await api('Petr', `/conversations/${id}/close`, {})).status).toBe(200);
  expect((await one(petr)).open).toBe(0);
});
