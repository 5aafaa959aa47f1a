import { FakeGraph, postWebhook, whatsappUndeliverable, type GraphRequest } from '../../fakes/meta-graph.js';
import { conformanceSuite } from '../conformance.js';
import { buttonReply, phoneNumberId, textMessage, webhookBody } from './events.js';

// WhatsApp over the Cloud API against a local fake of the Graph API; webhooks signed as Meta does.
const appSecret = 'conformance-whatsapp-app-secret';
const accessToken = 'EAAconformanceWhatsAppToken01234';
let graph: FakeGraph;
const webhook = (hubUrl: string) => `${hubUrl}/channels/whatsapp/conf-wa/webhook`;
const deliver = async (hubUrl: string, body: unknown) => {
  const res = await postWebhook(webhook(hubUrl), body, appSecret);
  if (res.status !== 200) throw new Error(`hub answered ${res.status}`);
};
// WhatsApp ids are phone numbers; the suite's user names stand in for them (the suite finds stored messages by them).
const wa = (user: string) => user;

/** What the contact sees of one send: the text, and the button or row titles. */
function shown(r: GraphRequest): { text: string; choices?: string[] } {
  const b = r.body as { type: string; text?: { body: string }; interactive?: { type: string; body: { text: string }; action: Record<string, unknown> } };
  if (b.type === 'text') return { text: b.text!.body };
  const i = b.interactive!;
  const choices =
    i.type === 'button'
      ? (i.action.buttons as { reply: { title: string } }[]).map((x) => x.reply.title)
      : (i.action.sections as { rows: { title: string }[] }[]).flatMap((s) => s.rows.map((x) => x.title));
  return { text: i.body.text, choices };
}

conformanceSuite({
  channel: 'whatsapp',
  async setup() {
    graph = await new FakeGraph({ whatsapp: { accessToken, phoneNumberId } }).start();
    return {
      accounts: [
        {
          account: 'conf-wa',
          transport: 'cloud',
          phoneNumberId,
          accessToken,
          appSecret,
          verifyToken: 'conformance-verify',
          graphUrl: graph.url,
          timeoutMs: 2000,
        },
      ],
    };
  },
  async teardown() {
    await graph?.stop();
  },
  sendText: (hubUrl, m) => deliver(hubUrl, webhookBody({ messages: [textMessage({ ...m, user: wa(m.user) })] })),
  sendChoice: (hubUrl, m) => deliver(hubUrl, webhookBody({ messages: [buttonReply({ user: wa(m.user), id: m.id, choiceId: m.choiceId, title: m.label })] })),
  received: (user) => graph.accepted('whatsapp', wa(user)).map(shown),
  forged: async (hubUrl, m) =>
    (await postWebhook(webhook(hubUrl), webhookBody({ messages: [textMessage({ ...m, user: wa(m.user) })] }), 'not-the-app-secret-at-all')).status,
  malformed: async (hubUrl) => (await postWebhook(webhook(hubUrl), '{"object": "whatsapp_business_account", "entry": [', appSecret)).status,
  throttleNextSend: (seconds) => graph.throttleNext(seconds),
  refuseNextSend: () => {
    graph.failNext(whatsappUndeliverable);
    return '131026';
  },
});
