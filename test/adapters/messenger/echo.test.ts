import { afterAll, beforeAll, expect, it } from 'vitest';
import { Conversation } from '../../../core/store/conversation.js';
import { ConversationEvent } from '../../../core/store/conversation-event.js';
import { Message } from '../../../core/store/message.js';
import { FakeGraph, postWebhook } from '../../fakes/meta-graph.js';
import { cleanup, eventually, startTestHub, testEnv, type TestEnv } from '../../helpers/hub.js';
import { echoEvent, ourAppId, pageId, pageInboxAppId, textEvent, webhookBody } from './events.js';

// Someone at the business answers from the Page's inbox: Messenger echoes it with another app's id, and people have the conversation from then on.
const appSecret = 'messenger-echo-app-secret-0123';
const pageAccessToken = 'EAAmessengerEchoPageToken0123456';
const workspace = 'shop';
const autoReply = 'Thanks, the bot got it.';
let graph: FakeGraph;
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
let n = 0;
const uid = (tag: string) => `${tag}${Date.now() % 100000}${n++}`;
const post = (...events: Record<string, unknown>[]) => postWebhook(`${hub.url}/channels/messenger/shop-page/webhook`, webhookBody({ events }), appSecret);
const stored = (user: string) => Message.find({ workspace, channel: 'messenger', user }).sort({ order: 1 }).lean();
const sent = (user: string) => graph.accepted('messenger', user);

beforeAll(async () => {
  graph = await new FakeGraph({ pageAccessToken }).start();
  env = testEnv({
    accounts: [],
    channels: {
      [workspace]: {
        messenger: [
          { account: 'shop-page', pageId, pageAccessToken, appSecret, verifyToken: 'messenger-echo-verify', graphUrl: graph.url, appId: String(ourAppId) },
        ],
      },
    },
    autoReply: { [workspace]: autoReply },
    // A reply the platform refused once waits a minute for its retry: long enough to be pending when the echo comes.
    pipeline: { outboundBackoffMs: 60_000 },
  });
  hub = await startTestHub(env);
});
afterAll(async () => {
  await hub?.stop();
  await graph?.stop();
  if (env) await cleanup(env);
});

it('changes nothing for the echo of our own reply: the bot answers the next message', async () => {
  const user = uid('ours');
  await post(textEvent({ user, id: uid('mid.'), text: 'hi' }));
  await graph.waitUntil(() => sent(user).length === 1, 20_000, 'the reply');
  const reply = sent(user)[0]!;
  // The echo comes first in the batch: had it been taken for the business writing, the next message would go unanswered.
  await post(echoEvent({ user, id: reply.id!, text: autoReply }), textEvent({ user, id: uid('mid.'), text: 'again' }));
  await graph.waitUntil(() => sent(user).length === 2, 20_000, 'the second reply');

  await eventually(async () => (await stored(user)).length === 4, 10_000, 'both turns stored');
  expect((await stored(user)).map((m) => [m.direction, m.sender, m.text])).toEqual([
    ['in', 'contact', 'hi'],
    ['out', 'bot', autoReply],
    ['in', 'contact', 'again'],
    ['out', 'bot', autoReply],
  ]);
  const conversation = (await Conversation.findOne({ workspace, user }).lean())!;
  expect(conversation.status).toBe('bot');
  expect(await ConversationEvent.countDocuments({ conversation: conversation._id })).toBe(0);
});

it('hands the conversation to people for an echo from the Page inbox: stored as an agent’s message, the pending bot reply dropped, the bot silent after', async () => {
  const user = uid('inbox');
  // The bot's reply is refused once: it waits in the conversation's outbound mailbox for its retry.
  graph.failNext({ status: 503, error: { message: 'Service temporarily unavailable', code: 2 } });
  await post(textEvent({ user, id: uid('mid.'), text: 'hi' }));
  await eventually(async () => (await stored(user)).some((m) => m.sender === 'bot' && m.status === 'queued' && m.attempts === 1), 20_000, 'a reply waiting');

  const mid = uid('mid.');
  await post(echoEvent({ user, id: mid, text: 'Hello, Jana from the shop here.', appId: pageInboxAppId }));
  await eventually(async () => (await Conversation.findOne({ workspace, user }).lean())?.status === 'agent', 20_000, 'taken over');

  const conversation = (await Conversation.findOne({ workspace, user }).lean())!;
  expect(conversation.assignee).toBeUndefined();
  // The contact's 24-hour window still counts from their own message, not from the business's.
  const [hi] = await stored(user);
  expect(conversation.lastInboundAt).toEqual(hi!.receivedAt);
  expect(conversation.lastMessageAt!.getTime()).toBeGreaterThan(hi!.receivedAt!.getTime());
  await eventually(async () => (await stored(user)).length === 3, 10_000, 'the echo stored');
  const messages = await stored(user);
  expect(messages.map((m) => [m.direction, m.sender, m.text, m.status])).toEqual([
    ['in', 'contact', 'hi', 'processed'],
    ['out', 'bot', autoReply, 'dropped'],
    ['out', 'agent', 'Hello, Jana from the shop here.', 'processed'],
  ]);
  expect(messages[1]!.error?.message).toBe('the business answered from its own device before it was delivered');
  expect([messages[2]!.senderName, messages[2]!.platformId]).toEqual(['Business device', mid]);
  const events = await ConversationEvent.find({ conversation: conversation._id }).lean();
  expect(events.map((e) => [e.kind, e.actor, e.details])).toEqual([['taken', 'echo:messenger', { dropped: 1 }]]);

  // The contact writes again: stored, and nobody but people answers it.
  const next = uid('mid.');
  await post(textEvent({ user, id: next, text: 'great, thanks' }));
  await eventually(async () => (await stored(user)).some((m) => m.platformId === next && m.status === 'processed'), 20_000, 'the next message handled');
  expect((await stored(user)).find((m) => m.platformId === next)?.replies).toBe(0);
  expect((await stored(user)).map((m) => m.sender)).toEqual(['contact', 'bot', 'agent', 'contact']);
  expect(sent(user)).toEqual([]);
});
