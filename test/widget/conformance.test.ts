import { randomUUID } from 'node:crypto';
import { conformanceSuite, type ReceivedReply } from '../adapters/conformance.js';
import { visitorToken } from '../../adapters/widget/identity.js';
import { widgetSecret, WidgetClient } from './helpers.js';

// The widget against the shared channel contract, driven over its WebSocket from Node.
// The conformance "user" is the visitor id; the test holds the token the hub would have issued for it.
const clients = new Map<string, WidgetClient>();
const origin = 'http://127.0.0.1:4000';

async function clientFor(hubUrl: string, user: string): Promise<WidgetClient> {
  const key = `${hubUrl} ${user}`;
  let c = clients.get(key);
  if (!c) {
    c = await new WidgetClient(hubUrl, { origin, token: visitorToken(widgetSecret, { workspace: 'conf', account: 'shop' }, user) }).open();
    clients.set(key, c);
  }
  return c;
}

conformanceSuite({
  channel: 'widget',
  async setup() {
    return { accounts: [{ account: 'shop', secret: widgetSecret, allowedOrigins: [origin] }] };
  },
  async teardown() {
    for (const c of clients.values()) c.close();
  },
  async sendText(hubUrl, m) {
    await (await clientFor(hubUrl, m.user)).sendText(m.text, `conf-${m.id}`);
  },
  async sendChoice(hubUrl, m) {
    const c = await clientFor(hubUrl, m.user);
    const id = `conf-${m.id}`;
    c.send({ t: 'choice', id, choice: m.choiceId, text: m.label });
    await c.until(() => c.frames.some((f) => f.t === 'ack' && f.id === id), 'ack');
  },
  received(user): ReceivedReply[] {
    const out: ReceivedReply[] = [];
    for (const [key, c] of clients)
      if (key.endsWith(` ${user}`))
        out.push(...c.replies().map((r) => ({ text: r.text ?? '', ...(r.choices ? { choices: r.choices.map((x) => x.label) } : {}) })));
    return out;
  },
  forged: async (hubUrl) => {
    try {
      await new WidgetClient(hubUrl, { origin, token: `${randomUUID()}.forgedsignatureforgedsignatureforgedsigna` }).open();
      return 101;
    } catch (err) {
      return (err as { status?: number }).status ?? 0;
    }
  },
  malformed: async (hubUrl) => {
    try {
      await new WidgetClient(hubUrl, { origin: 'https://elsewhere.example' }).open();
      return 101;
    } catch (err) {
      return (err as { status?: number }).status ?? 0;
    }
  },
});
