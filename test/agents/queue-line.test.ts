import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Conversation } from '../../core/store/conversation.js';
import { agentHub } from '../helpers/agent-hub.js';
import { eventually } from '../helpers/hub.js';

// On the messengers the place in line is one optional system line after the handoff.

const chat = agentHub({
  secret: 'queue-line-secret-0123456',
  agents: [],
  env: {
    flows: { shop: { path: join(import.meta.dirname, 'routing-flows'), start: 'support' } },
    workspaces: { shop: { teams: [{ id: 'support' }], texts: { queuePosition: 'You are number {position} in line.' } } },
  },
});

it('tells each contact handed off where they stand in the team’s queue', async () => {
  for (const [i, user] of ['q1', 'q2', 'q3'].entries()) {
    await chat.write(user, 'hello');
    await chat.until(user, 2);
    expect(chat.received(user)).toEqual(['Passing you to a colleague.', `You are number ${i + 1} in line.`]);
    // In line once its turn has stored the wait (the replies can arrive first): then the next one comes.
    await eventually(async () => (await Conversation.findOne({ user }).lean())?.status === 'waiting', 10_000, `${user} waiting`);
  }
});
