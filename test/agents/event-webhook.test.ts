import { join } from 'node:path';
import { expect, it } from 'vitest';
import { listAudit } from '../../core/privacy/audit.js';
import { Conversation } from '../../core/store/conversation.js';
import { agentHub } from '../helpers/agent-hub.js';
import { eventually } from '../helpers/hub.js';
import { Receiver } from '../helpers/receiver.js';

// The workspace's event webhook hears of conversations, messages, handoffs, takeovers and closes,
// signed like the CRM webhook and retried through the queue until it accepts.

const eventsSecret = 'events-webhook-secret-0123456789';
let events: Receiver;

/** What the business's event endpoint was sent (the receiver keeps any JSON body it accepts). */
interface Posted {
  id: string;
  type: string;
  conversation: { id: string; status: string; assignee: { name: string } | null };
  message?: { sender: string; senderName: string | null; text: string | null };
  actor?: unknown;
  signatureValid: boolean;
}
const posted = () => events.replies as unknown as Posted[];

const chat = agentHub({
  secret: 'events-api-secret-012345',
  agents: [{ email: 'anna@shop.example', displayName: 'Anna', role: 'agent' }],
  env: {
    flows: { shop: { path: join(import.meta.dirname, 'flows'), start: 'support' } },
    extra: { pipeline: { outboundBackoffMs: 20 } },
  },
  before: async () => {
    events = await new Receiver(eventsSecret).start();
    // The endpoint is down for each event's first attempt: every event still arrives, once.
    events.respond = (_event, attempt) => (attempt === 1 ? 503 : 200);
    return { events: { shop: { webhookUrl: events.url, secret: eventsSecret } } };
  },
  after: async () => events?.stop(),
});
const { write } = chat;
const api = (path: string, body: unknown = {}) => chat.api('Anna', path, body);

it('posts a conversation from its first message through handoff, takeover and close, signed, each event once; the actions are audited', async () => {
  await write('olga', 'hello');
  await write('olga', 'my refund');
  await eventually(async () => posted().some((e) => e.type === 'conversation.handoff'), 15_000, 'the handoff event');
  const id = String((await Conversation.findOne({ user: 'olga' }).lean())!._id);
  expect((await api(`/conversations/${id}/take`)).status).toBe(200);
  expect((await api(`/conversations/${id}/messages`, { text: 'Your refund is on its way.' })).status).toBe(200);
  expect((await api(`/conversations/${id}/close`)).status).toBe(200);
  await eventually(async () => posted().some((e) => e.type === 'conversation.closed'), 15_000, 'the close event');
  await eventually(async () => posted().filter((e) => e.type === 'message.created').length >= 6, 15_000, 'every message event');

  const all = posted();
  expect(all.every((e) => e.signatureValid)).toBe(true);
  expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
  expect(all.every((e) => e.conversation.id === id)).toBe(true);
  expect(all.filter((e) => e.type === 'conversation.created')).toHaveLength(1);
  // Two contact messages, the bot's two answers, the joined line, Anna's reply (the order of delivery may differ).
  const texts = all.filter((e) => e.type === 'message.created').map((e) => `${e.message!.sender}: ${e.message!.text}`);
  expect(texts).toEqual(
    expect.arrayContaining([
      'contact: hello',
      'bot: What is it about?',
      'contact: my refund',
      'bot: Passing you to a colleague.',
      'system: Anna joined the chat.',
      'agent: Your refund is on its way.',
    ]),
  );
  // Who took it is the event's; the conversation is as it stands when the event is posted (closed by then).
  expect(all.find((e) => e.type === 'conversation.assigned')!.actor).toEqual({ agent: 'Anna' });
  expect(all.find((e) => e.type === 'conversation.closed')!.conversation.status).toBe('closed');
  // Agents appear by name, never by e-mail.
  expect(JSON.stringify(all)).not.toContain('anna@shop.example');
  // And every action is in the audit log, under the agent, with the conversation and no text.
  const audit = await listAudit('shop');
  expect(audit.filter((e) => e.target === id).map((e) => e.action)).toEqual(['conversation.closed', 'conversation.agent_reply', 'conversation.taken']);
  expect(JSON.stringify(audit)).not.toContain('refund');
});
