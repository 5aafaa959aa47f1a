import { expect, it } from 'vitest';
import { Conversation } from '../../core/store/conversation.js';
import { Message } from '../../core/store/message.js';
import { agentHub } from '../helpers/agent-hub.js';
import { eventually } from '../helpers/hub.js';
import { reportRow } from '../helpers/reliability-row.js';

const conversations = 100;
/** When each reply reached the app (ms), by reply id. */
const arrivedAt = new Map<string, number>();

const { write, api } = agentHub({
  secret: 'race-api-secret-01234567',
  agents: [{ email: 'anna@shop.example', displayName: 'Anna', role: 'agent' }],
  env: { autoReply: { shop: 'bot reply' } },
  // The app takes a little while to answer, as real ones do: bot replies are in flight when takeovers come.
  respond: async (reply) => {
    arrivedAt.set(reply.id, Date.now());
    await new Promise((resolve) => setTimeout(resolve, 20));
    return 200;
  },
});

it(`takes over ${conversations} conversations while their bot turns are in flight: no bot reply reaches anyone after their takeover`, async () => {
  const users = Array.from({ length: conversations }, (_, i) => `racer-${i}`);
  await Promise.all(users.map((user) => write(user, 'hi')));
  await eventually(async () => (await Conversation.countDocuments({ workspace: 'shop' })) === conversations, 60_000, 'every conversation');
  const ids = new Map((await Conversation.find({ workspace: 'shop' }).lean()).map((c) => [c.user, String(c._id)]));

  // Each contact writes three more messages, and the agent takes the conversation at once, racing the bot's turns.
  const takenAt = new Map<string, number>();
  await Promise.all(
    users.map(async (user) => {
      const writing = Promise.all([1, 2, 3].map((n) => write(user, `more ${n}`)));
      const res = await api('Anna', `/conversations/${ids.get(user)}/take`, {});
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
  reportRow('handoff race', {
    messages: conversations * 4,
    notes: [`${conversations} takeovers racing the bot's turns; bot replies that arrived after their takeover: ${late.length}`],
  });
  expect(late.map((m) => `${m.user}: ${m._id}`)).toEqual([]);
  expect(botReplies.filter((m) => m.status === 'queued')).toEqual([]);
  expect((await Conversation.find({ workspace: 'shop' }).lean()).every((c) => c.status === 'agent')).toBe(true);
}, 120_000);
