import { expect, it } from 'vitest';
import { Conversation } from '../../core/store/conversation.js';
import { ConversationEvent } from '../../core/store/conversation-event.js';
import { Message } from '../../core/store/message.js';
import { agentHub } from '../helpers/agent-hub.js';
import { eventually } from '../helpers/hub.js';

const secret = 'takeover-api-secret-0123';
const apiKey = 'takeover-admin-key-0123456789';
const autoReply = 'Thanks, the bot got it.';
const chat = agentHub({
  secret,
  agents: ['anna', 'bob'].map((name) => ({ email: `${name}@shop.example`, displayName: name, role: 'agent' as const })),
  env: { autoReply: { shop: autoReply }, apiKeys: { shop: [apiKey] }, pipeline: { outboundBackoffMs: 1500 } },
});
const { cookies, write, received } = chat;

const api = async (path: string, options: { body?: unknown; as?: string; key?: string } = {}) => {
  const headers: Record<string, string> = { 'content-type': 'application/json', origin: chat.url() };
  if (options.as) headers.cookie = cookies[options.as]!;
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  const res = await fetch(`${chat.url()}/api${path}`, { method: 'POST', headers, body: JSON.stringify(options.body ?? {}) });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
};
const conversationOf = async (user: string) => String((await Conversation.findOne({ user }).lean())!._id);

it('an agent takes a conversation: the bot falls silent, and the agent answers in order; nobody else can', async () => {
  await write('olivia', 'hi');
  await eventually(async () => received('olivia').length === 1, 10_000, 'the bot’s reply');
  const id = await conversationOf('olivia');

  expect(await api(`/conversations/${id}/take`, { key: apiKey })).toMatchObject({ status: 403 });
  expect(await api(`/conversations/${id}/take`, { as: 'anna' })).toMatchObject({ status: 200, body: { dropped: 0 } });
  expect(await Conversation.findById(id).lean()).toMatchObject({ status: 'agent', assignee: expect.stringMatching(/^ag_/) });
  expect(await api(`/conversations/${id}/take`, { as: 'anna' })).toMatchObject({ status: 200, body: { dropped: 0 } }); // again: no second "joined" line

  await write('olivia', 'is anyone there?');
  await eventually(async () => (await Message.countDocuments({ user: 'olivia', direction: 'in' })) === 2, 10_000, 'the message stored');
  expect(await api(`/conversations/${id}/messages`, { as: 'bob', body: { text: 'me too' } })).toMatchObject({ status: 409 });
  const reply = await api(`/conversations/${id}/messages`, { as: 'anna', body: { text: 'Hi, Anna here.', id: 'c1' } });
  expect(reply.status).toBe(200);
  // The same request again (a retry) is stored once.
  expect((await api(`/conversations/${id}/messages`, { as: 'anna', body: { text: 'Hi, Anna here.', id: 'c1' } })).body.id).toBe(reply.body.id);
  await eventually(async () => received('olivia').length === 3, 10_000, 'the agent’s reply');
  // The contact is told who took over (by display name, never e-mail), then hears from them.
  expect(received('olivia')).toEqual([autoReply, 'anna joined the chat.', 'Hi, Anna here.']);

  const history = await Message.find({ user: 'olivia' }).sort({ order: 1 }).lean();
  expect(history.map((m) => [m.sender, m.text])).toEqual([
    ['contact', 'hi'],
    ['bot', autoReply],
    ['system', 'anna joined the chat.'],
    ['contact', 'is anyone there?'],
    ['agent', 'Hi, Anna here.'],
  ]);
  expect(history.at(-1)?.senderName).toBe('anna');
  expect((await ConversationEvent.find({ conversation: id }).sort({ at: 1 }).lean()).map((e) => e.kind)).toEqual(['taken', 'agent_reply']);
});

it('drops the bot’s replies still waiting to go out at a takeover; none is delivered after it', async () => {
  // Peter's app refuses the bot's replies for now: they wait in the conversation's outbound mailbox for a retry.
  chat.receiver.respond = (r) => (r.user === 'peter' ? 503 : 200);
  await write('peter', 'one');
  await write('peter', 'two');
  await eventually(async () => (await Message.countDocuments({ user: 'peter', direction: 'out', status: 'queued' })) === 2, 10_000, 'two replies waiting');
  const taken = await api(`/conversations/${await conversationOf('peter')}/take`, { as: 'anna' });
  expect(taken).toMatchObject({ status: 200, body: { dropped: 2 } });
  chat.receiver.respond = () => 200;

  // Past the retry: nothing of the bot reaches Peter, only the line saying who took over.
  await new Promise((resolve) => setTimeout(resolve, 3500));
  expect(received('peter')).toEqual(['anna joined the chat.']);
  const replies = await Message.find({ user: 'peter', direction: 'out', sender: 'bot' }).lean();
  expect(replies.map((m) => m.status)).toEqual(['dropped', 'dropped']);
  expect(replies[0]!.error?.message).toBe('an agent took the conversation before it was delivered');
});
