import { join } from 'node:path';
import { expect, it } from 'vitest';
import { checkLongWaits } from '../../core/agents/waiting-timers.js';
import { agentId } from '../../core/store/agent.js';
import { ConversationEvent } from '../../core/store/conversation-event.js';
import { Conversation } from '../../core/store/conversation.js';
import { Lead } from '../../core/store/lead.js';
import { agentHub } from '../helpers/agent-hub.js';
import { eventually } from '../helpers/hub.js';

// Nobody took it: after `offlineAfterMinutes` with nobody of the team online the contact is told
// and may leave a message (a lead); after `botAfterMinutes` the bot has the conversation back.
// The sweep runs with a clock moved forward, on the real hub's queues and index.

const chat = agentHub({
  secret: 'long-waits-secret-0123456',
  agents: [
    { email: 'anna@shop.example', displayName: 'Anna', role: 'agent' },
    { email: 'olga@shop.example', displayName: 'Olga', role: 'admin' },
  ],
  env: {
    flows: { shop: { path: join(import.meta.dirname, 'routing-flows'), start: 'support' } },
    workspaces: { shop: { teams: [{ id: 'support' }], routing: { offlineAfterMinutes: 5, botAfterMinutes: 30 } } },
  },
});
const minutes = (n: number) => Date.now() + n * 60_000;
const sweep = (at: number) => checkLongWaits(chat.hub.queues, chat.env.config.workspaces[0]!, at);
const conversationOf = async (user: string) => (await Conversation.findOne({ user }).lean())!;
/** The handoff's reply can reach the contact before its turn has stored the wait. */
const waiting = (user: string) => eventually(async () => (await Conversation.findOne({ user }).lean())?.status === 'waiting', 10_000, `${user} waiting`);

it('tells a contact nobody is there once the team stayed offline, and takes their next message as a lead', async () => {
  await chat.write('ida', 'hello');
  await chat.until('ida', 1);
  await waiting('ida');
  expect(await sweep(minutes(1))).toEqual({ offline: 0, toBot: 0, notified: 0 });
  expect(await sweep(minutes(6))).toEqual({ offline: 1, toBot: 0, notified: 0 });
  await chat.until('ida', 2);
  expect(chat.received('ida')[1]).toBe('Nobody is free to answer right now. Leave us a message here and we will get back to you.');
  // Once only.
  expect(await sweep(minutes(7))).toEqual({ offline: 0, toBot: 0, notified: 0 });

  await chat.write('ida', 'Call me on 777 123 456 please');
  await chat.until('ida', 3);
  expect(chat.received('ida')[2]).toBe('Thank you! We will get back to you as soon as we can.');
  const conversation = await conversationOf('ida');
  expect(conversation).toMatchObject({ status: 'waiting', offline: 'message' });
  expect(await Lead.find({ conversation: conversation._id }).lean()).toMatchObject([{ form: 'offline', fields: { message: 'Call me on 777 123 456 please' } }]);
});

it('keeps waiting while someone of the team is online, then gives it back to the bot; one an agent took is left alone', async () => {
  const anna = agentId('shop', 'anna@shop.example');
  expect((await chat.api('Olga', `/agents/${anna}/routing`, { teams: ['support'] })).status).toBe(200);
  expect((await chat.api('Anna', '/presence', { active: true })).body.presence).toBe('online');
  await chat.write('jan', 'hello');
  await chat.until('jan', 1);
  await chat.write('kim', 'hello');
  await chat.until('kim', 1);
  await waiting('jan');
  await waiting('kim');
  const kim = await conversationOf('kim');
  expect((await chat.api('Anna', `/conversations/${kim._id}/take`, {})).status).toBe(200);

  // Anna is online: no offline notice for Jan (and Ida was told already).
  expect(await sweep(minutes(6))).toEqual({ offline: 0, toBot: 0, notified: 0 });
  expect((await conversationOf('jan')).offline).toBeUndefined();
  expect(chat.received('jan')).toHaveLength(1);

  // Half an hour on, nobody took Jan's or Ida's: back to the bot. Kim's is Anna's and stays so.
  expect(await sweep(minutes(31))).toEqual({ offline: 0, toBot: 2, notified: 0 });
  expect((await conversationOf('jan')).status).toBe('bot');
  expect((await conversationOf('ida')).status).toBe('bot');
  expect(await conversationOf('kim')).toMatchObject({ status: 'agent', assignee: anna });
  const handedBack = await ConversationEvent.find({ kind: 'handed_back' }).lean();
  expect(handedBack.map((e) => [String(e.conversation), e.actor]).sort()).toEqual(
    [
      [String((await conversationOf('jan'))._id), 'routing'],
      [String((await conversationOf('ida'))._id), 'routing'],
    ].sort(),
  );
  // The bot answers the next message again (the flow starts afresh: the handoff named no node to resume at).
  await chat.write('jan', 'still there?');
  await chat.until('jan', 2);
  expect(chat.received('jan')[1]).toBe('Passing you to a colleague.');
});
