import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Conversation } from '../../core/store/conversation.js';
import { ConversationEvent } from '../../core/store/conversation-event.js';
import { Message } from '../../core/store/message.js';
import { agentHub } from '../helpers/agent-hub.js';

const chat = agentHub({
  secret: 'handback-api-secret-0123',
  agents: [{ email: 'anna@shop.example', displayName: 'Anna', role: 'agent' }],
  env: { flows: { shop: { path: join(import.meta.dirname, 'flows'), start: 'support' } } },
});
const { write, received, until } = chat;
const api = (path: string, body: unknown = {}) => chat.api('Anna', path, body);

/** The contact's conversation handed off to a person, taken by Anna, answered by her. */
async function handedOff(user: string): Promise<string> {
  await write(user, 'hello');
  await until(user, 1);
  await write(user, 'my refund');
  await until(user, 2);
  expect(received(user)).toEqual(['What is it about?', 'Passing you to a colleague.']);
  const id = String((await Conversation.findOne({ user }).lean())!._id);
  expect((await Conversation.findById(id).lean())?.status).toBe('waiting');
  expect((await api(`/conversations/${id}/take`)).status).toBe(200);
  expect((await api(`/conversations/${id}/messages`, { text: 'Your refund is on its way.' })).status).toBe(200);
  await until(user, 4);
  expect(received(user).slice(2)).toEqual(['Anna joined the chat.', 'Your refund is on its way.']);
  return id;
}

it('hands back with resume: the bot picks up at the node after the handoff, at once, remembering what it learnt', async () => {
  const id = await handedOff('rosa');
  expect(await api(`/conversations/${id}/handback`, { mode: 'resume' })).toMatchObject({ status: 200, body: { mode: 'resume' } });
  await until('rosa', 5);
  expect(received('rosa').at(-1)).toBe('Welcome back! Anything else about my refund?');
  // The flow goes on from there: the contact's choice is answered by the node's choices.
  await write('rosa', 'No');
  await until('rosa', 6);
  expect(received('rosa').at(-1)).toBe('Bye!');
  const history = await Message.find({ user: 'rosa' }).sort({ order: 1 }).lean();
  expect(history.map((m) => m.sender)).toEqual(['contact', 'bot', 'contact', 'bot', 'system', 'agent', 'bot', 'contact', 'bot']);
  expect((await ConversationEvent.find({ conversation: id }).sort({ at: 1 }).lean()).map((e) => [e.kind, e.details?.mode])).toEqual([
    ['handed_off', undefined],
    ['taken', undefined],
    ['agent_reply', undefined],
    ['handed_back', 'resume'],
  ]);
});

it('hands back with restart: the flow starts afresh at the contact’s next message', async () => {
  const id = await handedOff('sven');
  expect((await api(`/conversations/${id}/handback`)).status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(received('sven')).toHaveLength(4); // nothing until they write
  await write('sven', 'hi again');
  await until('sven', 5);
  expect(received('sven').at(-1)).toBe('What is it about?');
  expect(await api(`/conversations/${id}/handback`, { mode: 'resume' })).toMatchObject({ status: 409 }); // with the bot already
});
