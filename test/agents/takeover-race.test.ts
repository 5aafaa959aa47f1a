import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addAgent } from '../../core/agents/accounts.js';
import { Conversation } from '../../core/store/conversation.js';
import { Message } from '../../core/store/message.js';
import { signInAgent } from '../helpers/agent.js';
import { cleanup, eventually, postApi, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';
import { Receiver } from '../helpers/receiver.js';

const secret = 'race-api-secret-01234567';
const password = 'correct horse battery staple';
const conversations = 100;
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
let receiver: Receiver;
let cookie: string;
/** When each reply reached the app (ms), by reply id. */
const arrivedAt = new Map<string, number>();

beforeAll(async () => {
  receiver = await new Receiver(secret).start();
  // The app takes a little while to answer, as real ones do: bot replies are in flight when takeovers come.
  receiver.respond = async (reply) => {
    arrivedAt.set(reply.id, Date.now());
    await new Promise((resolve) => setTimeout(resolve, 20));
    return 200;
  };
  env = testEnv({
    accounts: [{ workspace: 'shop', account: 'shop-app', secret, webhookUrl: receiver.url }],
    autoReply: { shop: 'bot reply' },
    extra: { console: { secureCookie: false } },
  });
  hub = await startTestHub(env);
  await addAgent({ workspace: 'shop', email: 'anna@shop.example', displayName: 'Anna', role: 'agent', password, actor: 'test' });
  cookie = await signInAgent(hub.url!, 'anna@shop.example', password);
}, 60_000);
afterAll(async () => {
  await hub?.stop();
  await receiver?.stop();
  if (env) await cleanup(env);
});

it(`takes over ${conversations} conversations while their bot turns are in flight: no bot reply reaches anyone after their takeover`, async () => {
  const users = Array.from({ length: conversations }, (_, i) => `racer-${i}`);
  await Promise.all(users.map((user) => postApi(hub.url!, 'shop-app', { id: randomUUID(), user, text: 'hi' }, { secret })));
  await eventually(async () => (await Conversation.countDocuments({ workspace: 'shop' })) === conversations, 60_000, 'every conversation');
  const ids = new Map((await Conversation.find({ workspace: 'shop' }).lean()).map((c) => [c.user, String(c._id)]));

  // Each contact writes three more messages, and the agent takes the conversation at once, racing the bot's turns.
  const takenAt = new Map<string, number>();
  await Promise.all(
    users.map(async (user) => {
      const writing = Promise.all([1, 2, 3].map((n) => postApi(hub.url!, 'shop-app', { id: randomUUID(), user, text: `more ${n}` }, { secret })));
      const res = await fetch(`${hub.url}/api/conversations/${ids.get(user)}/take`, { method: 'POST', headers: { origin: hub.url!, cookie } });
      expect(res.status).toBe(200);
      takenAt.set(user, Date.now());
      await writing;
    }),
  );
  // Every message is stored; whatever the bot said after a takeover never left.
  await eventually(async () => (await Message.countDocuments({ workspace: 'shop', direction: 'in' })) === conversations * 4, 60_000, 'every message stored');
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const botReplies = await Message.find({ workspace: 'shop', direction: 'out', sender: 'bot' }).lean();
  const late = botReplies.filter((m) => {
    const arrived = arrivedAt.get(m._id);
    return arrived !== undefined && arrived > takenAt.get(m.user)!;
  });
  expect(late.map((m) => `${m.user}: ${m._id}`)).toEqual([]);
  expect(botReplies.filter((m) => m.status === 'queued')).toEqual([]);
  expect((await Conversation.find({ workspace: 'shop' }).lean()).every((c) => c.status === 'agent')).toBe(true);
}, 120_000);
